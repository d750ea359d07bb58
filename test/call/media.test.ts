/**
 * Calls carry media: SIPp plays real G.711 and RFC 4733 captures into calls on the real gateway.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../helpers/gateway-process.js';
import { runSipp, pcapScenario } from '../helpers/sipp.js';
import { parsePcap } from '../helpers/pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'media-test-'));
const CAPTURES = '/usr/share/sip-tester';

test('SIPp plays g711a.pcap (PCMA, 30 ms packets): the gateway decodes every frame', async () => {
  const pcap = parsePcap(readFileSync(join(CAPTURES, 'g711a.pcap')));
  assert.ok(pcap.ok);
  const expected = pcap.value.datagrams.length;
  const gw = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  try {
    const sf = join(dir, 'g711a.xml');
    writeFileSync(sf, pcapScenario([{ file: join(CAPTURES, 'g711a.pcap'), pauseAfterMs: 9500 }]));
    const r = await runSipp({ scenario: sf, target: `127.0.0.1:${gw.sipPort}`, service: 'service', calls: 1 });
    assert.equal(r.code, 0, r.errors || r.stderr);
    const ended = await gw.waitForLog((e) => e.msg === 'call ended');
    const media = ended.media as Record<string, number>;
    assert.equal(media.packetsReceived, expected, `every RTP packet of the capture arrived: ${JSON.stringify(media)}`);
    // Every packet is either decoded or, at most a couple of times, dropped by the adaptive jitter
    // buffer while it shrinks its depth — which it does only on silent frames (CallAudio.isSilentPayload).
    const jb = media.jitterBuffer as unknown as { dropped: number };
    assert.equal(media.framesDecoded + jb.dropped, expected, `every packet was decoded or dropped as silence: ${JSON.stringify(media)}`);
    assert.ok(jb.dropped <= 2, `at most two silent frames dropped: ${jb.dropped}`);
    assert.equal(media.malformed, 0);
    assert.equal(ended.codec ?? media.codec, 'PCMA');
  } finally {
    await gw.stop();
  }
});

test('SIPp plays every RFC 2833 capture: the gateway reports exactly the digits played, once each', async () => {
  const { Gateway } = await import('../../src/gateway/gateway.js');
  const { parseConfig } = await import('../../src/config/load.js');
  const { pino } = await import('pino');
  const { freePort, freeUdpRange } = await import('../helpers/ports.js');
  const sipPort = await freePort();
  const rtp = await freeUdpRange(10);
  const gw = new Gateway(
    parseConfig({
      dataDir: join(dir, 'data'),
      sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'] },
      admin: { port: 0 },
      media: { host: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 9 },
      accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }],
    }),
    pino({ level: 'silent' }),
  );
  await gw.start();
  const digits: string[] = [];
  gw.calls.on('event', (e) => {
    if (e.type === 'dtmf') digits.push(e.digit);
  });
  try {
    const names = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'star', 'pound'];
    const sf = join(dir, 'dtmf.xml');
    writeFileSync(sf, pcapScenario(names.map((n) => ({ file: join(CAPTURES, `dtmf_2833_${n}.pcap`), pauseAfterMs: 600 }))));
    const r = await runSipp({ scenario: sf, target: `127.0.0.1:${sipPort}`, service: 'service', calls: 1 });
    assert.equal(r.code, 0, r.errors || r.stderr);
    assert.deepEqual(digits, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#']);
  } finally {
    await gw.stop(0);
  }
});
