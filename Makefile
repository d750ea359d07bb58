# Hushgate: the two commands a newcomer needs are `make run` and `make test`.
CONFIG ?= config/demo.yaml

.PHONY: run test test-unit build deps deps-test bench cluster clean

run: deps build
	node dist/cli/main.js start --config $(CONFIG)

test: deps-test
	bash scripts/test.sh

# The fast tier alone: no sockets, no processes, no build (README "Tests").
test-unit: deps-test
	bash scripts/test.sh unit

build: deps
	bash scripts/build.sh

deps:
	bash scripts/deps.sh run

deps-test:
	bash scripts/deps.sh test

# A fleet on this machine: Kamailio on 5060, NODES (3) gateway processes, PostgreSQL (docs/deploy.md).
cluster: deps-test build
	bash scripts/cluster.sh $(NODES)

bench: deps-test build
	bash scripts/bench.sh

clean:
	rm -rf dist var
