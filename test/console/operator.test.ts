/**
 * The operator console in a real browser (Debian's Chromium driven by playwright-core), against a
 * real gateway taking a real call (SIP and RTP on loopback; flite speaks for the caller, PocketSphinx
 * recognises on the gateway), used with the keyboard only:
 * sign in → the call appears live → its story (turns, a DTMF key count, the caller's spoken e-mail
 * address redacted as the application's policy says) → hang it up from the console (confirmed) → it
 * shows as ended → erase the caller (confirmed) → the receipt counts the erased story → change the
 * application's training retention (confirmed) → the API and the audit log show the change → switch
 * event forwarding on (confirmed) → create an API key with one scope (confirmed; the token works, is
 * limited to its scope) and revoke it (confirmed; it gets 401) → the audit log has each act by the
 * operator's key → the Fleet tab says "single node".
 * Throughout: no console error, no failed request, no 4xx/5xx; the caller's number never appears in
 * the page, nor any transcript span the policy redacts. Screenshots: test-artifacts/console/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';
import { launchChromium, pageText, tabTo } from '../helpers/browser.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { detect } from '../../src/privacy/detect.js';
import { prepareCallNumbers } from '../../src/privacy/phone.js';

const FLOW = join(REPO, 'test/console/fixtures/console-flow.yaml');
const CALLER = '+442079460958';
const DIALLED = '+12025550100';
/** Every way the caller's number could be written into the page. */
const CALLER_FORMS = /2079460958|20 ?7946 ?0958|207 ?946 ?0958|79460958/;

async function say(call: PhoneCall, text: string): Promise<void> {
  const tts = new FliteTts({ voice: 'slt' });
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000); // trailing silence ends the utterance
  let o = 0;
  for (const c of chunks) (pcm.set(c, o), (o += c.length));
  await call.play({ kind: 'pcm', samples: pcm });
}

test('the console over a real call, keyboard only: live call, story, hang-up, erasure receipt, retention and forwarding switches, API key created and revoked, fleet (single node); no errors, no PII', { timeout: 90_000 }, async () => {
  const started = Date.now();
  const gw = await startInProcessGateway({ regions: { eu: {} }, accounts: [] });
  const base = `http://127.0.0.1:${gw.gw.adminPort}`;
  const { token } = await gw.gw.apiKeys.create({ name: 'operator', scopes: ['config:read', 'config:write', 'calls:read', 'calls:write', 'events:read', 'training:export', 'erasure:write', 'audit:read'] });
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
  };
  // The application is the API's (file-managed ones are read-only there), as an operator would make it.
  assert.equal((await api('POST', '/v1/accounts', { id: 'acme' })).status, 201);
  const created = await api('POST', '/v1/accounts/acme/applications', {
    id: 'line', region: 'eu', numbers: [DIALLED], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, training: { enabled: true },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await gw.gw.settled();

  const rtp = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: rtp, rtpPortMax: rtp + 9, endpointer: { silenceHangoverMs: 500 } });
  const b = await launchChromium('console');
  const { page } = b;
  const seen: string[] = [];
  const checkPage = async (step: string) => {
    const text = await pageText(page);
    seen.push(text);
    assert.doesNotMatch(text, CALLER_FORMS, `the caller's number is in the page (${step})`);
    assert.deepEqual(b.problems, [], `page problems (${step})`);
  };
  try {
    // Sign in with the keyboard.
    await page.goto(`${base}/console`);
    await tabTo(page, '#key');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('svg.chart').first().waitFor();
    assert.ok((await page.locator('svg.chart').count()) >= 10, 'the overview draws its charts');
    await checkPage('overview');

    // A real call from a UK number: the agent greets, the caller presses 1 (balance) and then says
    // an e-mail address — the story must count the key and show the address redacted.
    const call = await phone.dial(`sip:${DIALLED}@127.0.0.1:${gw.sipPort}`, [], CALLER);
    const callId = call.session.callId;
    const hear = (what: string) => call.nextUtterance(20_000).catch((e: Error) => {
      throw new Error(`${what}: ${e.message}; the call's events: ${gw.events.filter((x) => x.callId === callId).map((x) => `${x.type}@${x.time - started}${x.type === 'transcription' ? `:${String(x['transcript'])}` : ''}${x.type === 'turn.completed' ? `:${String(x['error'] ?? '')}` : ''}`).join(', ')}; now ${Date.now() - started}`);
    });
    await hear('the welcome prompt');

    // Calls tab, keyboard: from the Overview tab, ArrowRight.
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('ArrowRight');
    await page.getByRole('cell', { name: 'live', exact: true }).waitFor({ timeout: 10_000 });
    await b.screenshot('1-call-live');

    await call.sendDigits('1');
    await hear('"your balance is ten dollars"');
    await say(call, 'my email is john at example dot com');
    const spoken = await gw.waitForEvent((e) => e.type === 'transcription' && e.callId === callId, 20_000).catch((e: Error) => {
      throw new Error(`${e.message}; logs: ${gw.logs.filter((l) => /recogn|utterance|turn|stt|warn|error/i.test(l)).slice(-8).join(' | ')}`);
    });
    await hear('the answer to the e-mail address');

    // Open the story with the keyboard.
    await tabTo(page, 'button', 'Story of the call');
    await page.keyboard.press('Enter');
    const storyBox = page.locator('#story');
    const timeline = storyBox.getByRole('region', { name: 'Timeline' });
    await timeline.getByRole('cell', { name: 'keys pressed' }).waitFor({ timeout: 10_000 });
    // the story refreshes every 5 s while the call is live: wait for the caller's turn to be in it
    await timeline.getByText(/caller, turn/).first().waitFor({ timeout: 10_000 });
    const storyText = (await storyBox.textContent()) ?? '';
    assert.match(storyText, /1 key\(s\)/, 'the DTMF key is counted, never shown');
    // Every span the policy redacts from what the caller said stays out of the page.
    const transcript = String(spoken['transcript']);
    const spans = detect(transcript, { callNumbers: prepareCallNumbers([CALLER, DIALLED], 'US') });
    for (const s of spans) assert.ok(!storyText.includes(transcript.slice(s.start, s.end)), `redacted span "${s.type}" shown`);
    assert.ok(spans.length > 0, `the spoken e-mail address was recognised as "${transcript}" and nothing in it is redacted`);
    assert.ok(!storyText.includes('john at example'), 'the address is shown');
    assert.match(storyText, /redacted: /);
    // The redaction is counted per destination: the operator's view (logs) and the training capture.
    const metricsText = await fetch(`${base}/metrics`).then((r) => r.text());
    for (const destination of ['logs', 'training']) {
      for (const type of new Set(spans.map((x) => x.type))) assert.match(metricsText, new RegExp(`hushgate_redactions_total\\{type="${type}",destination="${destination}"\\} [1-9]`), `${type} in ${destination}`);
    }
    await b.screenshot('2-story');
    await checkPage('story');

    // Hang the call up from the console: confirm in the dialog with the keyboard.
    await tabTo(page, 'button', 'Hang up the call');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await b.screenshot('3-confirm-hangup');
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    await call.waitForEnd(10_000); // the gateway's BYE reached the phone
    await page.locator('#story').getByRole('cell', { name: 'call ended' }).waitFor({ timeout: 10_000 });
    await page.getByRole('cell', { name: 'ended', exact: true }).first().waitFor({ timeout: 10_000 });
    await checkPage('ended');

    // Erase the caller: number in, receipt out (the story is among what was erased).
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('ArrowRight'); // Applications
    await page.keyboard.press('ArrowRight'); // Erasure
    await page.locator('#erase-number').waitFor();
    await tabTo(page, '#erase-number');
    await page.keyboard.type(CALLER);
    await tabTo(page, 'button', 'Erase caller');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    const receipt = page.locator('#receipt');
    await receipt.getByText('Erasure receipt').waitFor({ timeout: 15_000 });
    assert.match((await receipt.textContent()) ?? '', /callStories 1/);
    assert.equal((await api('GET', `/v1/calls/${encodeURIComponent(callId)}/story`)).status, 404, 'the story is gone');
    await b.screenshot('4-erasure-receipt');
    await checkPage('erasure');

    // Change the application's training retention.
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('ArrowLeft'); // Applications
    await tabTo(page, 'button', 'Privacy switches of line');
    await page.keyboard.press('Enter');
    await tabTo(page, '#sw-days');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('7');
    await tabTo(page, 'button', 'Save switches');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    await page.getByText('line saved').waitFor({ timeout: 10_000 });
    const app = await api('GET', '/v1/applications/line');
    assert.equal(app.body.training.retentionDays, 7);
    assert.equal(app.body.training.enabled, true);
    const retention = await api('GET', '/v1/retention');
    assert.equal(retention.body[0].applications[0].retentionDays, 7);
    await page.getByRole('cell', { name: '7', exact: true }).waitFor({ timeout: 10_000 });
    await b.screenshot('5-retention');
    const audit = await api('GET', '/v1/audit?limit=1000');
    const actions = (audit.body as { action: string }[]).map((a) => a.action);
    for (const a of ['hangUpCall', 'createErasure', 'replaceApplication', 'getCallStory']) assert.ok(actions.includes(a), `audited: ${a}`);

    // The forwarding switch: on, confirmed; the API has it and the audit log has a second replace.
    const replacesBefore = actions.filter((a) => a === 'replaceApplication').length;
    await tabTo(page, 'button', 'Privacy switches of line');
    await page.keyboard.press('Enter');
    await tabTo(page, '#sw-forwarding');
    assert.equal(await page.locator('#sw-forwarding').isChecked(), false);
    await page.keyboard.press('Space');
    await tabTo(page, 'button', 'Save switches');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    assert.match((await page.locator('#confirm-text').textContent()) ?? '', /forwarding on/);
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    await page.getByText(/line saved: .*forwarding on/).waitFor({ timeout: 10_000 });
    const forwarded = await api('GET', '/v1/applications/line');
    assert.equal(forwarded.body.forwarding.enabled, true, 'forwarding switched on');
    assert.equal(forwarded.body.training.retentionDays, 7, 'the other switches kept');
    await b.screenshot('6-forwarding');
    await checkPage('forwarding');

    // API keys: create one (name, one scope; confirmed), the token works once shown; revoke it (confirmed), it stops working.
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('ArrowRight'); // Erasure
    await page.keyboard.press('ArrowRight'); // API keys
    await page.locator('#key-name').waitFor();
    await tabTo(page, '#key-name');
    await page.keyboard.type('dashboard reader');
    await tabTo(page, 'input[data-scope="calls:read"]');
    await page.keyboard.press('Space');
    await tabTo(page, 'button', 'Create key');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    assert.match((await page.locator('#confirm-text').textContent()) ?? '', /"dashboard reader" with calls:read\?/);
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    const shown = ((await page.locator('#token').textContent({ timeout: 10_000 })) ?? '').trim();
    const keyId = /^hg_([0-9a-f]{12})_/.exec(shown)?.[1];
    assert.ok(keyId, `a token is shown once: ${shown.slice(0, 16)}…`);
    const asNewKey = (path: string) => fetch(base + path, { headers: { authorization: `Bearer ${shown}` } }).then((r) => r.status);
    assert.equal(await asNewKey('/v1/calls'), 200, 'the new key reads calls');
    assert.equal(await asNewKey('/v1/keys'), 403, 'and nothing beyond its scope');
    await page.getByRole('cell', { name: 'dashboard reader', exact: true }).waitFor();
    await b.screenshot('7-key-created');
    await tabTo(page, 'button', `Revoke key ${keyId}`);
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    assert.match((await page.locator('#confirm-text').textContent()) ?? '', new RegExp(`Revoke the key ${keyId}`));
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    await page.getByText(`Key ${keyId} revoked.`).waitFor({ timeout: 10_000 });
    assert.equal(await asNewKey('/v1/calls'), 401, 'a revoked key stops working at once');
    const listed = await api('GET', '/v1/keys');
    assert.ok((listed.body as { id: string; revokedAt?: string }[]).find((k) => k.id === keyId)?.revokedAt, 'the API lists it revoked');
    await b.screenshot('8-key-revoked');
    await checkPage('keys');

    // Every act is in the audit log, by the operator's key.
    const operatorId = /^hg_([0-9a-f]{12})_/.exec(token)![1];
    const entries = (await api('GET', '/v1/audit?limit=1000')).body as { actor: string; action: string; target: string; details: Record<string, unknown> }[];
    const created = entries.find((e) => e.action === 'createKey' && JSON.stringify(e.details).includes(keyId!));
    assert.ok(created, 'key creation audited with the new key id');
    assert.equal(created.actor, operatorId);
    const revoked = entries.find((e) => e.action === 'revokeKey' && e.target.includes(keyId!));
    assert.ok(revoked, 'key revocation audited');
    assert.equal(revoked.actor, operatorId);
    const replaces = entries.filter((e) => e.action === 'replaceApplication' && e.target.includes('line'));
    assert.equal(replaces.length, replacesBefore + 1, 'the forwarding change audited');
    assert.ok(!JSON.stringify(entries).includes(shown.split('_')[2]!), 'no token secret in the audit log');

    // Fleet: this gateway runs alone, and the tab says so (no 503 asked for, no error).
    assert.deepEqual((await api('GET', '/v1/node')).body, { nodeId: gw.gw.nodeId, fleet: false, state: 'serving' });
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('End');
    assert.equal(await page.locator('#tab-fleet').getAttribute('aria-selected'), 'true');
    await page.locator('#single-node').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#single-node').textContent()) ?? '', /^Single node: .* runs alone \(not part of a fleet\) and is serving\./);
    await b.screenshot('9-fleet-single-node');
    await checkPage('fleet');

    // Back to the overview: the chart of MOS per ended call has the call.
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('Home');
    await page.locator('svg.chart').first().waitFor();
    await b.screenshot('0-overview');
    await checkPage('overview again');
    assert.ok(Date.now() - started < 75_000, `the browser test took ${Date.now() - started} ms`);
  } finally {
    const bounded = (what: string, p: Promise<unknown>) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what} did not close in 10 s`)), 10_000).unref())]);
    await bounded('the browser', b.close()).catch((e) => console.error(e));
    await bounded('the softphone', phone.close()).catch((e) => console.error(e));
    await bounded('the gateway', gw.stop()).catch((e) => console.error(e));
  }
});
