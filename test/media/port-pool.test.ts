import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { PortPool } from '../../src/media/port-pool.js';
import { bindRtpPair, closeWarmRtpPairs, warmRtpPairs } from '../../src/media/rtp/socket-pair.js';

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

test('warm pairs: bound ahead of need, handed out without a bind, topped up, closed with their ports back', async () => {
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  const pool = new PortPool(base, base + 19, { warmPairs: 2 }); // 10 pairs
  assert.equal(new PortPool(base, base + 3, { warmPairs: 5 }).warmPairs, 1, 'never the whole pool');
  const waitFor = async (what: string, cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(cond(), what);
  };
  try {
    warmRtpPairs(pool, '127.0.0.1');
    await waitFor('two pairs bound ahead', () => pool.allocated === 2);
    const first = await bindRtpPair(pool, '127.0.0.1');
    assert.ok(first.ok);
    assert.equal(pool.allocated, 2, 'the call took a warm pair: nothing bound inline');
    assert.equal(first.value.rtp.address().port, first.value.port);
    assert.equal(first.value.rtcp.address().port, first.value.port + 1);
    await waitFor('the reserve topped up', () => pool.allocated === 3);
    // A handed-out pair is an ordinary bound pair: it receives.
    const got = new Promise<Buffer>((r) => first.value.rtp.once('message', r));
    const probe = dgram.createSocket('udp4');
    probe.send(Buffer.from('x'), first.value.port, '127.0.0.1');
    assert.equal((await got).toString(), 'x');
    probe.close();
    first.value.rtp.close();
    first.value.rtcp.close();
    pool.release(first.value.port);
    // More calls at once than warm pairs: the rest bind inline; all distinct.
    const many = await Promise.all([1, 2, 3, 4].map(() => bindRtpPair(pool, '127.0.0.1')));
    const ports = many.map((r) => (r.ok ? r.value.port : -1));
    assert.equal(new Set(ports).size, 4);
    assert.ok(ports.every((p) => p >= base));
    for (const r of many) if (r.ok) (r.value.rtp.close(), r.value.rtcp.close(), pool.release(r.value.port));
    await waitFor('topped up again', () => pool.allocated === 2);
  } finally {
    closeWarmRtpPairs(pool);
  }
  assert.equal(pool.allocated, 0, 'closing the reserve gave its ports back');
});
