/**
 * Found by bench/fuzz.ts (corpus: test/sip/fixtures/fuzz-corpus/sip-via-*.json): a request whose
 * Via is followed by thousands of commas drew a stateless 400 echoing one `Via:` line per empty
 * element — 9 KB in, 63 KB out over UDP, a reflection amplifier for a spoofed source when
 * `allowFrom` is empty (the default). From outside over a raw UDP socket against the gateway
 * process: no answer may be larger than its request plus 256 bytes; ordinary malformed requests
 * still get their 400.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { RawSip, statusOf } from '../helpers/raw-sip.js';

let gw: RunningGateway;
let ua: RawSip;

before(async () => {
  gw = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  ua = await RawSip.open();
});
after(async () => {
  ua.close();
  await gw.stop();
});

function options(viaTail: string, cseq = '1 OPTIONS'): { bytes: Buffer; callId: string } {
  const callId = randomBytes(6).toString('hex');
  const text = [
    `OPTIONS sip:service@127.0.0.1:${gw.sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=z9hG4bK${callId};rport${viaTail}`,
    `From: <sip:probe@127.0.0.1>;tag=${callId}`,
    `To: <sip:service@127.0.0.1>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { bytes: Buffer.from(text), callId };
}

test('a Via padded with commas draws no answer larger than the request (no reflection amplification)', async () => {
  for (const commas of [1500, 9000, 30000]) {
    const { bytes, callId } = options(','.repeat(commas));
    ua.sendBytes(bytes, gw.sipPort);
    const answer = await ua.receive((m) => m.includes(callId), 1000).catch(() => undefined);
    if (answer !== undefined) {
      assert.ok(Buffer.byteLength(answer) <= bytes.length + 256, `${commas} commas: ${bytes.length} bytes in, ${Buffer.byteLength(answer)} out`);
      assert.equal(statusOf(answer), 400);
    }
  }
});

test('an ordinary malformed request still gets its 400', async () => {
  const { bytes, callId } = options('', 'x OPTIONS');
  ua.sendBytes(bytes, gw.sipPort);
  const answer = await ua.receive((m) => m.includes(callId));
  assert.equal(statusOf(answer), 400);
});
