/**
 * RTP injection on a plain-RTP call ("RTP bleed"), reproduced from outside against the gateway
 * process: a call signalled from 127.0.0.1 with its SDP at 127.0.0.1; a stranger at 127.0.0.2 sends
 * RTP to the call's media port before the caller does. Symmetric latching took the first valid
 * source: the stranger was heard as the caller and the agent's audio went to him. With
 * `media.latching: signalled` (the default) only the SDP's address and the signalling peer's are
 * heard: the stranger gets nothing and is never heard, the caller's stream is the call's.
 * The same gateway shows, on /metrics, the finished calls' RTP pairs parked and a later call
 * reusing one (`hushgate_media_rtp_pairs`, docs/media-rtp.md "A pair's life").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { RawSip, statusOf, PCMU_OFFER } from '../helpers/raw-sip.js';
import { writeRtp } from '../../src/media/rtp/packet.js';
import { waitFor } from '../helpers/wait.js';

let gw: RunningGateway;

before(async () => {
  gw = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'echo', numbers: ['echo'], mode: 'loopback' }] }] });
});
after(async () => {
  assert.equal(await gw.stop(), 0);
});

async function rtpSocket(address: string): Promise<{ socket: Socket; got: Buffer[] }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  return { socket, got };
}

function frame(seq: number, ssrc: number, fill: number): Buffer {
  const out = Buffer.alloc(172);
  writeRtp({ marker: seq === 0, payloadType: 0, sequenceNumber: seq, timestamp: 160 * seq, ssrc }, new Uint8Array(160).fill(fill), out, 0);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a stranger who sends RTP to a call\'s port first is neither heard nor sent the call\'s audio', async () => {
  const raw = await RawSip.open('127.0.0.1');
  const caller = await rtpSocket('127.0.0.1');
  const stranger = await rtpSocket('127.0.0.2');
  try {
    const invite = raw.request('INVITE', { port: gw.sipPort, user: 'echo', headers: ['Content-Type: application/sdp'], body: PCMU_OFFER(caller.socket.address().port) });
    raw.send(invite.text, gw.sipPort);
    const ok = await raw.receive((x) => x.includes(invite.callId) && statusOf(x) >= 200);
    assert.equal(statusOf(ok), 200);
    const mediaPort = Number(/^m=audio (\d+) /m.exec(ok)![1]);
    const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(ok)![1]!;
    raw.send(raw.request('ACK', { port: gw.sipPort, user: 'echo', callId: invite.callId, toTag }).text, gw.sipPort);
    await sleep(100);
    // The stranger's stream starts first (0x11 samples), the caller's 200 ms later (0x55); both go on for 1.2 s.
    for (let i = 0; i < 60; i++) {
      stranger.socket.send(frame(i, 0x0bad0bad, 0x11), mediaPort, '127.0.0.1');
      if (i >= 10) caller.socket.send(frame(i - 10, 0x0ca11e12, 0x55), mediaPort, '127.0.0.1');
      await sleep(20);
    }
    await sleep(300);
    assert.equal(stranger.got.length, 0, `the stranger was sent ${stranger.got.length} packets of the call`);
    assert.ok(caller.got.length > 20, `the caller got the call's audio back (${caller.got.length} packets)`);
    // Loopback plays back what it heard: never the stranger's 0x11 frames.
    const strangerEchoes = caller.got.filter((p) => p.length >= 172 && p.subarray(12, 172).every((b) => b === 0x11)).length;
    assert.equal(strangerEchoes, 0, 'the stranger was heard as the caller');
    assert.ok(caller.got.some((p) => p.length >= 172 && p.subarray(12, 172).every((b) => b === 0x55)), 'the caller was heard');
    raw.send(raw.request('BYE', { port: gw.sipPort, user: 'echo', callId: invite.callId, toTag, cseq: 2 }).text, gw.sipPort);
    await raw.receive((x) => x.includes(invite.callId) && /CSeq: 2 BYE/.test(x));
  } finally {
    raw.close();
    caller.socket.close();
    stranger.socket.close();
  }
});

test('/metrics: a finished call\'s RTP pair is parked, and a call after the quiet time reuses it', async () => {
  const gauge = async (stat: string) => Number(new RegExp(`^hushgate_media_rtp_pairs\\{stat="${stat}"\\} (\\d+)$`, 'm').exec(await gw.metrics())?.[1] ?? NaN);
  const raw = await RawSip.open('127.0.0.1');
  const call = async () => {
    const invite = raw.request('INVITE', { port: gw.sipPort, user: 'echo', headers: ['Content-Type: application/sdp'], body: PCMU_OFFER() });
    raw.send(invite.text, gw.sipPort);
    const ok = await raw.receive((x) => x.includes(invite.callId) && statusOf(x) >= 200);
    assert.equal(statusOf(ok), 200);
    const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(ok)![1]!;
    raw.send(raw.request('ACK', { port: gw.sipPort, user: 'echo', callId: invite.callId, toTag }).text, gw.sipPort);
    raw.send(raw.request('BYE', { port: gw.sipPort, user: 'echo', callId: invite.callId, toTag, cseq: 2 }).text, gw.sipPort);
    await raw.receive((x) => x.includes(invite.callId) && /CSeq: 2 BYE/.test(x));
  };
  try {
    await call();
    await waitFor('the call\'s pair parked', async () => (await gauge('parked')) >= 1, 3000);
    const reused = await gauge('reused');
    await sleep(1200); // the gateway's quiet time is 1 s
    await call();
    await waitFor('a parked pair reused', async () => (await gauge('reused')) > reused, 3000);
  } finally {
    raw.close();
  }
});
