import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { PortPool } from '../../src/media/port-pool.js';
import { bindRtpPair } from '../../src/media/rtp/socket-pair.js';

test('hands out even ports in order, FIFO on release, exhaustion as a value', () => {
  const pool = new PortPool(20001, 20008); // pairs 20002/3, 20004/5, 20006/7 (20008 has no +1 in range)
  assert.equal(pool.size, 3);
  const got = [pool.acquire(), pool.acquire(), pool.acquire()].map((r) => (r.ok ? r.value : -1));
  assert.deepEqual(got, [20002, 20004, 20006]);
  assert.deepEqual(pool.acquire(), { ok: false, error: 'exhausted' });
  assert.equal(pool.allocated, 3);
  assert.equal(pool.release(20004), true);
  assert.equal(pool.release(20004), false, 'double release refused');
  assert.equal(pool.release(20005), false, 'odd port refused');
  assert.equal(pool.release(30000), false, 'foreign port refused');
  assert.equal(pool.release(20002), true);
  assert.deepEqual([pool.acquire(), pool.acquire()].map((r) => (r.ok ? r.value : -1)), [20004, 20002]);
  assert.equal(pool.available, 0);
});

test('rejects a range without a pair', () => {
  assert.throws(() => new PortPool(20001, 20002));
  assert.throws(() => new PortPool(-1, 10));
});

test('a large pool stays O(1): 10 000 pairs acquired and released quickly', () => {
  const pool = new PortPool(10000, 30000);
  const start = performance.now();
  for (let round = 0; round < 10; round++) {
    const ports: number[] = [];
    for (let r = pool.acquire(); r.ok; r = pool.acquire()) ports.push(r.value);
    assert.equal(ports.length, 10000);
    for (const p of ports) pool.release(p);
  }
  assert.ok(performance.now() - start < 500);
});

function bindUdp(port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

test('bindRtpPair skips a pair whose port is taken and binds the next', async () => {
  // Find a free even base by letting the OS pick, then build a 2-pair pool around a blocker.
  let blocker: dgram.Socket | null = null;
  let base = 0;
  for (let i = 0; i < 20 && !blocker; i++) {
    const probe = await bindUdp(0);
    assert.ok(probe);
    const p = probe.address().port;
    probe.close();
    base = p % 2 === 0 ? p : p - 1;
    if (base + 3 > 65535) continue;
    blocker = await bindUdp(base + 1); // the RTCP port of the first pair
  }
  assert.ok(blocker, 'could not set up a blocked port');
  try {
    const pool = new PortPool(base, base + 3);
    const pair = await bindRtpPair(pool, '127.0.0.1');
    if (!pair.ok) {
      // the second pair may be taken by someone else on this shared machine: then nothing was bindable
      assert.equal(pair.error, 'no bindable port');
      assert.equal(pool.available, 2);
      return;
    }
    assert.equal(pair.value.port, base + 2);
    assert.equal(pair.value.rtp.address().port, base + 2);
    assert.equal(pair.value.rtcp.address().port, base + 3);
    assert.equal(pool.available, 1, 'the failed pair went back to the pool');
    assert.deepEqual(await bindRtpPair(pool, '127.0.0.1'), { ok: false, error: 'no bindable port' });
    pair.value.rtp.close();
    pair.value.rtcp.close();
    const empty = new PortPool(base, base + 1);
    empty.acquire();
    assert.deepEqual(await bindRtpPair(empty, '127.0.0.1'), { ok: false, error: 'exhausted' });
  } finally {
    blocker!.close();
  }
});
