/**
 * The action-command vocabulary, the output → response mapping, the context-variable contract and
 * the request signature.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTION_NAMES, parseActions } from '../../src/dialog/actions.js';
import { gatewayContext, readDialogSettings } from '../../src/dialog/context-vars.js';
import { responseFromOutput } from '../../src/dialog/response.js';
import { signRequest, verifySignature } from '../../src/dialog/signature.js';

describe('parseActions', () => {
  it('reads vgwAction then vgwActionSequence, names case-insensitively', () => {
    const r = parseActions({
      vgwAction: { command: 'VGWACTPLAYTEXT', parameters: { text: 'hello' } },
      vgwActionSequence: [{ command: 'vgwActCollectDtmf', parameters: { dtmfCount: '4' } }, { command: 'vgwacthangup' }],
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.actions, [
      { command: 'vgwActPlayText', parameters: { text: ['hello'] } },
      { command: 'vgwActCollectDTMF', parameters: { dtmfCount: 4 } },
      { command: 'vgwActHangup', parameters: {} },
    ]);
  });

  it('accepts every command of the vocabulary with minimal parameters', () => {
    const minimal: Record<string, unknown> = {
      vgwActPlayUrl: { url: 'https://media.example/a.wav' },
      vgwActSetSTTConfig: { config: { model: 'en-US_NarrowbandModel' } },
      vgwActSetTTSConfig: { config: { voice: 'en-US_AllisonVoice' }, updateMethod: 'mergeonce' },
      vgwActSetConversationConfig: { config: {} },
      vgwActSendSIPInfo: { body: { a: 1 }, contentType: 'application/json' },
      vgwActSendDTMF: { digits: '12#' },
      hgActSensitive: { on: true },
      vgwActAddCustomCDRData: { campaign: 'spring' },
    };
    const r = parseActions({ vgwActionSequence: ACTION_NAMES.map((command) => ({ command, parameters: minimal[command] ?? {} })) });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.actions.map((a) => a.command), ACTION_NAMES);
    const tts = r.actions.find((a) => a.command === 'vgwActSetTTSConfig');
    assert.deepEqual(tts?.parameters, { config: { voice: 'en-US_AllisonVoice' }, updateMethod: 'mergeOnce' });
  });

  it('reports each invalid command with its name and the parameter at fault, and keeps the valid ones', () => {
    const r = parseActions({
      vgwActionSequence: [
        { command: 'vgwActCollectDTMF', parameters: { dtmfTermKey: '##' } },
        { command: 'vgwActCollectDTMF', parameters: { dtmfCount: 4, dtmfMaxCount: 6 } },
        { command: 'vgwActTransfer', parameters: { transferTarget: 'http://evil' } },
        { command: 'vgwActTransfer', parameters: { transferTarget: 'sip:a@b', transferHeaders: [{ name: 'X-Id', value: 'x\r\nVia: forged' }] } },
        { command: 'vgwActTransfer', parameters: { transferMethod: 'FAX' } },
        { command: 'vgwActSendDTMF', parameters: { digits: '12x' } },
        { command: 'vgwActAddCustomCDRData', parameters: {} },
        { command: 'vgwActDanceALittle' },
        { nocommand: true },
        { command: 'vgwActHangup' },
      ],
    });
    assert.equal(r.actions.length, 1);
    const msgs = r.errors.map((e) => e.message);
    assert.match(msgs[0]!, /^vgwActCollectDTMF: dtmfTermKey: must be one DTMF key/);
    assert.match(msgs[1]!, /^vgwActCollectDTMF: dtmfCount: use either dtmfCount or/);
    assert.match(msgs[2]!, /^vgwActTransfer: transferTarget: must be a sip:, sips: or tel: URI/);
    assert.match(msgs[3]!, /^vgwActTransfer: transferHeaders\.0\.value: must not contain CR, LF or NUL/);
    assert.match(msgs[4]!, /^vgwActTransfer: transferMethod: /);
    assert.match(msgs[5]!, /^vgwActSendDTMF: digits: /);
    assert.match(msgs[6]!, /^vgwActAddCustomCDRData: must hold at least one field/);
    assert.equal(msgs[7], 'unknown action command "vgwActDanceALittle"');
    assert.equal(r.errors[7]!.command, 'vgwActDanceALittle');
    assert.match(msgs[8]!, /"command"/);
  });

  it('answers vgwActSendSMS and vgwActSetWVAConfig with a not-supported warning, and warns of unknown parameters', () => {
    const r = parseActions({ vgwActionSequence: [{ command: 'vgwActSendSMS', parameters: { message: 'hi' } }, { command: 'vgwActSetWVAConfig' }, { command: 'vgwActHangup', parameters: { reason: 'x' } }] });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, ['vgwActSendSMS is not supported by Hushgate; ignored', 'vgwActSetWVAConfig is not supported by Hushgate; ignored', 'vgwActHangup: ignored unknown parameter(s) reason']);
  });

  it('a non-array sequence is an error; no output is no actions', () => {
    assert.equal(parseActions({ vgwActionSequence: { command: 'vgwActHangup' } }).errors.length, 1);
    assert.deepEqual(parseActions(undefined), { actions: [], errors: [], warnings: [] });
  });
});

describe('responseFromOutput', () => {
  it('speaks text first, or at a bare vgwActPlayText', () => {
    const plain = responseFromOutput({ text: ['a', 'b'], vgwAction: { command: 'vgwActHangup' } }, {});
    assert.deepEqual(plain.text, ['a', 'b']);
    const placed = responseFromOutput({ text: 'a', vgwActionSequence: [{ command: 'vgwActPauseSTT' }, { command: 'vgwActPlayText' }, { command: 'vgwActPlayText', parameters: { text: ['own'] } }] }, {});
    assert.deepEqual(placed.text, []);
    assert.deepEqual(placed.actions[1], { command: 'vgwActPlayText', parameters: { text: ['a'] } });
    assert.deepEqual(placed.actions[2], { command: 'vgwActPlayText', parameters: { text: ['own'] } });
  });

  it('maps generic text, option, user_defined and connect_to_agent; invalid actions become warnings', () => {
    const r = responseFromOutput(
      {
        generic: [
          { response_type: 'text', text: 'Hi.' },
          { response_type: 'option', title: 'Pick one.', options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }] },
          { response_type: 'user_defined', user_defined: { vgwAction: { command: 'vgwActExcludeFromTTSCache' } } },
          { response_type: 'connect_to_agent', transfer_info: { target: { service_desk: { sip: { uri: 'sip:desk@example.com' } } } } },
        ],
        vgwActionSequence: [{ command: 'vgwActTransfer', parameters: { transferTarget: 'bad target' } }],
      },
      { c: 1 },
    );
    assert.deepEqual(r.text, ['Hi.', 'Pick one. You can say: A, B or C.']);
    assert.deepEqual(r.actions, [{ command: 'vgwActExcludeFromTTSCache', parameters: {} }, { command: 'vgwActTransfer', parameters: { transferTarget: 'sip:desk@example.com' } }]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /^action #0: vgwActTransfer: transferTarget/);
    assert.deepEqual(r.context, { c: 1 });
  });
});

describe('context variables', () => {
  it('gatewayContext writes the vgw* variables and clears stale per-turn ones', () => {
    const base = { sessionId: 's1', sipCallId: 'c@h', sipRequestUri: 'sip:100@gw', sipFromUri: 'sip:+1555@t', sipToUri: 'sip:100@gw' };
    const first = gatewayContext({ mine: 1 }, { ...base, isDtmf: true, dtmfCollectionSucceeded: true, callTransferFailed: true, transferReason: '486', completedActions: [{ command: 'vgwActTransfer' }] });
    assert.equal(first['vgwIsDTMF'], true);
    assert.equal(first['vgwCallTransferFailed'], true);
    assert.equal(first['mine'], 1);
    const next = gatewayContext(first, { ...base, sttResponse: { result_index: 0, results: [{ final: true, alternatives: [{ transcript: 'hi', confidence: 0.9 }] }] } });
    assert.equal(next['vgwIsDTMF'], false);
    assert.equal(next['vgwBargeInOccurred'], false);
    for (const k of ['vgwDTMFCollectionSucceeded', 'vgwCallTransferFailed', 'vgwTransferReason', 'vgwCompletedActions']) assert.equal(k in next, false, k);
    assert.equal((next['vgwSTTResponse'] as { results: unknown[] }).results.length, 1);
    assert.equal(next['vgwSIPFromURI'], 'sip:+1555@t');
    assert.equal(next['vgwTranscriptionConfidence'], 0.9);
    assert.equal('vgwTranscriptionConfidence' in first, false);
    const dtmfTurn = gatewayContext(next, { ...base, isDtmf: true });
    assert.equal('vgwTranscriptionConfidence' in dtmfTurn, false, 'no stale confidence on a DTMF turn');
  });

  it('readDialogSettings parses each variable on its own', () => {
    const { settings, errors } = readDialogSettings({
      vgwPostResponseTimeoutCount: '7000',
      vgwDisconnectCallOnTransferFailure: 'true',
      vgwTransferTarget: 'tel:+15550100',
      vgwConversationResponseTimeout: -1,
      vgwTransferFailedMessage: 'sorry',
      other: 'ignored',
    });
    assert.deepEqual(settings, { vgwPostResponseTimeoutCount: 7000, vgwDisconnectCallOnTransferFailure: true, vgwTransferTarget: 'tel:+15550100', vgwTransferFailedMessage: 'sorry' });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^vgwConversationResponseTimeout: /);
  });
});

describe('signature', () => {
  it('signs timestamp.body and verifies; rejects tampering, staleness, wrong secret; supports rotation', () => {
    const now = 1_700_000_000_000;
    const body = '{"input":{"text":"hi"}}';
    const h = signRequest('secret-a', body, now);
    assert.equal(h['X-Hushgate-Timestamp'], '1700000000');
    assert.match(h['X-Hushgate-Signature']!, /^v1=[0-9a-f]{64}$/);
    const ts = h['X-Hushgate-Timestamp'], sig = h['X-Hushgate-Signature'];
    assert.deepEqual(verifySignature('secret-a', body, ts, sig, now), { ok: true });
    assert.deepEqual(verifySignature('secret-a', body + ' ', ts, sig, now), { ok: false, error: 'mismatch' });
    assert.deepEqual(verifySignature('secret-b', body, ts, sig, now), { ok: false, error: 'mismatch' });
    assert.deepEqual(verifySignature('secret-a', body, ts, sig, now + 301_000), { ok: false, error: 'stale' });
    assert.deepEqual(verifySignature('secret-a', body, undefined, sig, now), { ok: false, error: 'missing' });
    const rotated = `${signRequest('secret-b', body, now)['X-Hushgate-Signature']}, ${sig}`;
    assert.deepEqual(verifySignature('secret-a', body, ts, rotated, now), { ok: true });
  });
});
