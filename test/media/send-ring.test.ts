/** SendRing: slot buffers made on first use, given back when a ring is released, reused by the next ring; bytes on the wire intact. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { SendRing, spareSendBuffers } from '../../src/media/rtp/send-ring.js';
import { literalLookup } from '../../src/media/rtp/socket-pair.js';
import { waitFor } from '../helpers/wait.js';

function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', lookup: literalLookup as unknown as dgram.SocketOptions['lookup'] });
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

/** Sends `count` packets of `len` bytes, each filled with its index, through `ring`. */
function sendAll(ring: SendRing, tx: dgram.Socket, port: number, count: number, len: number, first = 0): void {
  for (let i = 0; i < count; i++) {
    const b = ring.next();
    b.fill(first + i, 0, len);
    ring.send(tx, len, port, '127.0.0.1', true);
  }
}

test('a ring makes slot buffers only when it sends, gives them back on release, and a later ring reuses them with the bytes intact', async () => {
  const SIZE = 1234; // a size of its own: other rings in the process do not share this stock
  const rx = await bound();
  const tx = await bound();
  const got: Buffer[] = [];
  rx.on('message', (m) => got.push(m));
  try {
    const a = new SendRing(4, SIZE);
    assert.equal(spareSendBuffers(), 0);
    sendAll(a, tx, rx.address().port, 6, 100);
    a.release();
    const spare = spareSendBuffers();
    assert.ok(spare >= 1 && spare <= 4, `at most one buffer per slot comes back (got ${spare})`);
    assert.throws(() => a.next(), /after release/);

    const b = new SendRing(4, SIZE);
    sendAll(b, tx, rx.address().port, 3, 60, 10);
    assert.ok(spareSendBuffers() < spare, 'the new ring took spare buffers');
    await waitFor('nine packets', () => got.length === 9);
    assert.deepEqual(got.map((m) => m.length), [100, 100, 100, 100, 100, 100, 60, 60, 60]);
    got.forEach((m, i) => assert.ok(m.every((x) => x === (i < 6 ? i : 4 + i)), `packet ${i} arrived as written`));
    b.release();
    b.release(); // twice is harmless
  } finally {
    rx.close();
    tx.close();
  }
});
