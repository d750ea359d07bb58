/**
 * What a Service Orchestration Engine receives over a real call, turn by turn (the IBM Voice Gateway
 * SOE contract, docs/dialog-contract.md): empty text and the session variables on the first turn;
 * on a spoken turn the transcript as `input.text` and `vgwSTTResponse` in Watson Speech to Text's
 * shape (`result_index`, `results[].final`, `alternatives[].transcript/confidence`) with
 * `vgwTranscriptionConfidence`; on a DTMF turn the digit with `vgwIsDTMF: true` and no stale
 * recognition result. The SOE is a local HTTP server; the caller is our softphone speaking flite audio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';

interface SoeRequest {
  input?: { text?: string };
  context: Record<string, unknown>;
}

test('the SOE sees the IBM-shaped context variables on first, spoken and DTMF turns', { timeout: 60_000 }, async () => {
  const requests: SoeRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const msg = JSON.parse(body) as SoeRequest;
      requests.push(msg);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ output: { text: ['Okay.'] }, context: { ...msg.context, vgwPostResponseTimeoutCount: 60000 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const gw = await startInProcessGateway({
    accounts: [{ id: 'a', applications: [{ id: 'soe', numbers: ['soe'], mode: 'agent', dialog: { provider: 'webhook', url: `http://127.0.0.1:${port}`, workspaceId: 'ws1', auth: { type: 'none' }, allowInsecure: true } }] }],
  });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 400 } });
  const tts = new FliteTts({ voice: 'slt' });
  try {
    const call = await phone.dial(`sip:soe@127.0.0.1:${gw.sipPort}`);
    await call.nextUtterance();
    const first = requests[0]!;
    assert.equal(first.input?.text ?? '', '', 'the first turn has empty text');
    assert.equal(first.context['vgwSIPCallID'], call.session.callId);
    assert.equal(typeof first.context['vgwSessionID'], 'string');
    // The caller's URI stays a URI; its user part (not a number here) is hidden by the default policy.
    assert.match(first.context['vgwSIPFromURI'] as string, /^sip:anonymous@/);
    assert.match(first.context['vgwSIPToURI'] as string, /^sip:soe@/, 'the dialled line passes');
    assert.equal('vgwSTTResponse' in first.context, false);

    const chunks: Int16Array[] = [];
    for await (const c of tts.synthesize({ text: 'check my balance' })) chunks.push(c);
    const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
    chunks.reduce((o, c) => (pcm.set(c, o), o + c.length), 0);
    await call.play({ kind: 'pcm', samples: pcm });
    await call.nextUtterance();
    const spoken = requests[1]!;
    const stt = spoken.context['vgwSTTResponse'] as { result_index: number; results: { final: boolean; alternatives: { transcript: string; confidence?: number }[] }[] };
    assert.equal(stt.result_index, 0);
    assert.equal(stt.results[0]!.final, true);
    assert.ok(stt.results[0]!.alternatives.length >= 1);
    assert.equal(stt.results[0]!.alternatives[0]!.transcript, spoken.input?.text, 'input.text is the best alternative');
    assert.ok((spoken.input?.text ?? '').length > 0, 'something was recognised');
    const confidence = spoken.context['vgwTranscriptionConfidence'];
    assert.ok(typeof confidence === 'number' && confidence >= 0 && confidence <= 1, `confidence ${String(confidence)}`);
    assert.equal(stt.results[0]!.alternatives[0]!.confidence, confidence);
    assert.equal(spoken.context['vgwIsDTMF'], false);

    await call.sendDigits('5');
    await call.nextUtterance();
    const dtmf = requests[2]!;
    assert.equal(dtmf.input?.text, '5', 'a single menu key reaches the SOE under the default policy');
    assert.equal(dtmf.context['vgwIsDTMF'], true);
    assert.equal('vgwSTTResponse' in dtmf.context, false, 'no stale recognition result on a DTMF turn');
    assert.equal('vgwTranscriptionConfidence' in dtmf.context, false);
    await call.hangup();
  } finally {
    server.closeAllConnections();
    server.close();
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 5000).unref())]);
    await bounded(tts.close());
    await bounded(phone.close());
    await bounded(gw.stop());
  }
});
