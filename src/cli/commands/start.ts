/** `hushgate start [--config FILE]`: run the gateway until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { ConfigError } from '../../config/index.js';
import { createLogger } from '../../log/index.js';
import { Gateway } from '../../gateway/index.js';
import { nodeIdOf } from '../../config/index.js';
import { hostname } from 'node:os';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the gateway')
    .option('-c, --config <file>', 'YAML configuration file (default: $HUSHGATE_CONFIG)')
    .action(async (opts: { config?: string }) => {
      let config;
      try {
        config = loadConfig(opts.config ?? process.env.HUSHGATE_CONFIG);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(err.message + '\n');
          process.exit(2);
        }
        throw err;
      }
      const log = createLogger({ level: config.log.level, node: nodeIdOf(config, hostname()) });
      const file = opts.config ?? process.env.HUSHGATE_CONFIG;
      const gw = new Gateway(config, log, file ? dirname(resolve(file)) : process.cwd());
      try {
        await gw.start();
      } catch (err) {
        if (err instanceof ConfigError) {
          // A setting the running system cannot honour (a VAD model that does not load): as a bad config.
          process.stderr.write(err.message + '\n');
          process.exit(2);
        }
        log.fatal({ err }, 'failed to start');
        log.flush?.();
        process.stderr.write(`hushgate: failed to start: ${(err as Error).message}\n`);
        process.exit(1);
      }
      let signals = 0;
      const shutdown = (sig: string) => {
        signals++;
        if (signals > 1) {
          log.warn({ signal: sig }, 'second signal: exiting now');
          process.exit(1);
        }
        void gw.stop().then(() => {
          log.flush?.();
          setTimeout(() => process.exit(0), 50).unref();
        });
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      // Certificate rotation: reload the TLS material without dropping calls.
      process.on('SIGHUP', () => void gw.reloadTls());
    });
}
