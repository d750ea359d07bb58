/**
 * RtpSession's `sources` rule (docs/media-rtp.md "Symmetric RTP latching rule", docs/security.md
 * RTP bleed) over real loopback sockets, on both receive paths: with 'signalled' only the SDP's
 * address and the `alsoFrom` addresses are heard or latched (any port); a stranger's packets are
 * foreign, first or not, also after the caller's silence; 'any' keeps the plain first-come rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { PortPool } from '../../src/media/port-pool.js';
import { RtpSession } from '../../src/media/rtp/session.js';
import { writeRtp } from '../../src/media/rtp/packet.js';
import { setNativeUdpRecv } from '../../src/media/rtp/udp-recv.js';
import { waitFor } from '../helpers/wait.js';

const nativeAvailable = setNativeUdpRecv(true);

async function sock(address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  return s;
}

function rtp(seq: number, ssrc: number): Buffer {
  const out = Buffer.alloc(172);
  writeRtp({ marker: false, payloadType: 0, sequenceNumber: seq, timestamp: 160 * seq, ssrc }, new Uint8Array(160).fill(seq & 0xff), out, 0);
  return out;
}

async function session(sources: 'signalled' | 'any', relatchSilenceMs = 1000): Promise<{ s: RtpSession; heard: number[] }> {
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  const r = await RtpSession.open({ ports: new PortPool(base, base + 19), address: '127.0.0.1', sources, relatchSilenceMs });
  assert.ok(r.ok);
  const heard: number[] = [];
  r.value.setAudioHandler((_p, _pt, seq) => heard.push(seq));
  return { s: r.value, heard };
}

async function send(from: dgram.Socket, to: number, seqs: number[], ssrc: number): Promise<void> {
  for (const q of seqs) {
    from.send(rtp(q, ssrc), to, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 2));
  }
}

for (const path of ['native', 'dgram'] as const) {
  const skip = path === 'native' && !nativeAvailable ? 'native UDP receive unavailable' : false;

  test(`${path} receive, sources 'signalled': a stranger sending first is foreign; the SDP's address is heard and latched, on any port`, { skip }, async () => {
    setNativeUdpRecv(path === 'native');
    const { s, heard } = await session('signalled', 100);
    const caller = await sock('127.0.0.1');
    const stranger = await sock('127.0.0.2');
    try {
      s.setRemote({ address: '127.0.0.1', port: 40000 }); // the SDP's port is not the one packets come from (NAT)
      await send(stranger, s.localPort, [1, 2, 3], 0xbad);
      await send(caller, s.localPort, [10, 11, 12], 0xca11);
      await waitFor('the caller heard', () => heard.length === 3, 2000);
      assert.deepEqual(heard, [10, 11, 12]);
      assert.equal(s.rtpDestination?.port, caller.address().port, 'latched to the caller');
      // After the caller's silence (relatch 100 ms here) a stranger still cannot take the stream.
      await new Promise((r) => setTimeout(r, 200));
      await send(stranger, s.localPort, [4, 5], 0xbad);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(heard, [10, 11, 12]);
      assert.equal(s.stats().foreignSource, 5);
      assert.equal(s.rtpDestination?.port, caller.address().port);
    } finally {
      await s.close();
      setNativeUdpRecv(true);
      caller.close();
      stranger.close();
    }
  });
}

test("sources 'signalled': the signalling peer's address (alsoFrom) is heard when the SDP names another; 'any' keeps first-come", async () => {
  const peer = await sock('127.0.0.2');
  const other = await sock('127.0.0.3');
  try {
    const a = await session('signalled');
    a.s.setRemote({ address: '192.0.2.10', port: 40000, alsoFrom: ['127.0.0.2'] });
    await send(other, a.s.localPort, [1], 0x1);
    await send(peer, a.s.localPort, [2, 3], 0x2);
    await waitFor('the signalling peer heard', () => a.heard.length === 2, 2000);
    assert.deepEqual(a.heard, [2, 3]);
    await a.s.close();

    const b = await session('any');
    b.s.setRemote({ address: '192.0.2.10', port: 40000 });
    await send(other, b.s.localPort, [7], 0x7);
    await waitFor('first come, first latched', () => b.heard.length === 1, 2000);
    assert.equal(b.s.rtpDestination?.address, '127.0.0.3');
    await b.s.close();
  } finally {
    peer.close();
    other.close();
  }
});
