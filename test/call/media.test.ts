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
import { parsePcap } from '../../src/media/pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'media-test-'));
const CAPTURES = '/usr/share/sip-tester';

test('SIPp plays g711a.pcap (PCMA, 30 ms packets): the gateway decodes every frame', async () => {
  const pcap = parsePcap(readFileSync(join(CAPTURES, 'g711a.pcap')));
  assert.ok(pcap.ok);
  const expected = pcap.value.datagrams.length;
  const gw = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  try {
    const sf = join(dir, 'g711a.xml');
    writeFileSync(sf, pcapScenario([{ file: join(CAPTURES, 'g711a.pcap'), pauseAfterMs: 8000 }]));
    const r = await runSipp({ scenario: sf, target: `127.0.0.1:${gw.sipPort}`, service: 'service', calls: 1 });
    assert.equal(r.code, 0, r.errors || r.stderr);
    const ended = await gw.waitForLog((e) => e.msg === 'call ended');
    const media = ended.media as Record<string, number>;
    assert.equal(media.packetsReceived, expected, 'every RTP packet of the capture arrived');
    assert.equal(media.framesDecoded, expected, 'every packet was decoded');
    assert.equal(media.malformed, 0);
    assert.equal(ended.codec ?? media.codec, 'PCMA');
  } finally {
    await gw.stop();
  }
});
