import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSdp, serializeSdp, negotiate, type LocalMediaOffer } from '../../src/sdp/index.js';

const local: LocalMediaOffer = { address: '192.0.2.10', port: 30000, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, sessionId: '1', sessionVersion: 1 };

const offer = (lines: string[]) => {
  const r = parseSdp(['v=0', 'o=- 5 7 IN IP4 198.51.100.1', 's=call', 'c=IN IP4 198.51.100.1', 't=0 0', ...lines, ''].join('\r\n'));
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
};

test('parse/serialize round trip keeps media, attributes and order', () => {
  const text = ['v=0', 'o=- 5 7 IN IP4 198.51.100.1', 's=call', 'c=IN IP4 198.51.100.1', 't=0 0', 'm=audio 4000 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
  const r = parseSdp(text);
  assert.ok(r.ok);
  assert.equal(serializeSdp(r.value), text);
  assert.ok(parseSdp(text.replace(/\r\n/g, '\n')).ok, 'LF-only line ends are accepted');
});

test('malformed SDP is an error value', () => {
  for (const bad of ['', 'v=1\r\n', 'v=0\r\nm=audio x RTP/AVP 0\r\n', 'garbage', 'v=0\r\no=- 1\r\n', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP9 x\r\n']) {
    const r = parseSdp(bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
  }
});

test('answer picks the offerer\'s first common codec, echoes telephone-event PT, mirrors direction', () => {
  const n = negotiate(offer(['m=audio 4000 RTP/AVP 8 0 96', 'a=rtpmap:96 telephone-event/8000', 'a=sendonly']), local);
  assert.ok(n.ok);
  assert.equal(n.audio.codec, 'PCMA');
  assert.equal(n.audio.pt, 8);
  assert.equal(n.audio.telephoneEventPt, 96);
  assert.equal(n.audio.direction, 'recvonly');
  assert.equal(n.audio.onHold, true);
  assert.equal(n.audio.remoteAddress, '198.51.100.1');
  assert.equal(n.audio.remotePort, 4000);
  const text = serializeSdp(n.answer);
  assert.match(text, /m=audio 30000 RTP\/AVP 8 96\r\n/);
  assert.match(text, /c=IN IP4 192\.0\.2\.10/);
  assert.match(text, /a=recvonly/);
});

test('video and other streams are answered with port 0; no common codec → 488', () => {
  const n = negotiate(offer(['m=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 4000 RTP/AVP 0']), local);
  assert.ok(n.ok);
  assert.match(serializeSdp(n.answer), /m=video 0 RTP\/AVP 96\r\nm=audio 30000 RTP\/AVP 0/);
  const none = negotiate(offer(['m=audio 4000 RTP/AVP 18 9', 'a=rtpmap:18 G729/8000']), local);
  assert.equal(none.ok, false);
  if (!none.ok) {
    assert.equal(none.code, 488);
    assert.match(none.reason, /no common codec/);
  }
});

test('hold by c=0.0.0.0, inactive; RTP/SAVP refused without SRTP; secureMedia required refuses RTP/AVP', () => {
  const hold = negotiate(offer(['m=audio 4000 RTP/AVP 0', 'c=IN IP4 0.0.0.0']), local);
  assert.ok(hold.ok && hold.audio.onHold);
  const inactive = negotiate(offer(['m=audio 4000 RTP/AVP 0', 'a=inactive']), local);
  assert.ok(inactive.ok && inactive.audio.direction === 'inactive');
  const savp = negotiate(offer(['m=audio 4000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz']), local);
  assert.equal(savp.ok, false);
  const req = negotiate(offer(['m=audio 4000 RTP/AVP 0']), { ...local, secureMedia: 'required' });
  assert.ok(!req.ok && /secure media required/.test(req.reason));
});
