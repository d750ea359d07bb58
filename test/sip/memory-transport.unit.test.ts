/** The in-memory SIP transport itself: delivery in order and never re-entrant, loss, connections, refusal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNetwork } from '../../src/sip/transport/memory.js';
import { FakeClock } from '../../src/time/clock.js';
import type { InboundMessage } from '../../src/sip/transport/types.js';

const udp = (port: number) => ({ protocol: 'UDP' as const, address: '10.0.0.1', port });

test('UDP: messages arrive in send order on a later turn (never inside send), stamped with the clock', async () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock });
  const a = net.endpoint('10.0.0.2', 5060);
  const b = net.endpoint('10.0.0.1', 5060);
  const got: InboundMessage[] = [];
  b.onMessage = (m) => got.push(m);
  await a.send(Buffer.from('one'), udp(5060));
  clock.advance(7);
  await a.send(Buffer.from('two'), udp(5060));
  assert.equal(got.length, 0, 'not delivered synchronously');
  assert.equal(net.inFlight, 2);
  await net.settle();
  assert.deepEqual(got.map((m) => m.data.toString()), ['one', 'two']);
  assert.deepEqual(got[0]!.source, { protocol: 'UDP', address: '10.0.0.2', port: 5060 });
  assert.equal(got[0]!.connectionId, undefined);
  assert.deepEqual(net.sent.map((m) => m.at), [1000, 1007]);
});

test('UDP: a filtered message and one to an address nobody holds are lost silently and recorded', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint('10.0.0.2', 5060);
  const b = net.endpoint('10.0.0.1', 5060);
  const got: string[] = [];
  b.onMessage = (m) => got.push(m.data.toString());
  net.filter = (m) => m.data.toString() !== 'drop';
  await a.send(Buffer.from('drop'), udp(5060));
  await a.send(Buffer.from('keep'), udp(5060));
  await a.send(Buffer.from('void'), udp(5999));
  await net.settle();
  assert.deepEqual(got, ['keep']);
  assert.deepEqual(net.sent.map((m) => [m.data.toString(), m.delivered]), [['drop', false], ['keep', true], ['void', false]]);
});

test('TCP: reliable, one connection id for both directions; a send to nobody is refused', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint('10.0.0.2', 5060, 'TCP');
  const b = net.endpoint('10.0.0.1', 5060, 'TCP');
  assert.equal(a.reliable, true);
  const atB: InboundMessage[] = [];
  const atA: InboundMessage[] = [];
  b.onMessage = (m) => atB.push(m);
  a.onMessage = (m) => atA.push(m);
  await a.send(Buffer.from('hello'), { protocol: 'TCP', address: '10.0.0.1', port: 5060 });
  await net.settle();
  await b.send(Buffer.from('back'), atB[0]!.source, atB[0]!.connectionId);
  await net.settle();
  assert.equal(atA[0]!.connectionId, atB[0]!.connectionId);
  await assert.rejects(a.send(Buffer.from('x'), { protocol: 'TCP', address: '10.0.0.9', port: 5060 }), /refused/);
});

test('a closed endpoint frees its address and receives nothing more; binding a taken address throws', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint('10.0.0.2', 5060);
  const b = net.endpoint('10.0.0.1', 5060);
  assert.throws(() => net.endpoint('10.0.0.1', 5060), /address in use/);
  let got = 0;
  b.onMessage = () => got++;
  await a.send(Buffer.from('late'), udp(5060));
  await b.close();
  await net.settle();
  assert.equal(got, 0);
  net.endpoint('10.0.0.1', 5060);
  await assert.rejects(b.send(Buffer.from('x'), udp(5060)), /closed/);
});
