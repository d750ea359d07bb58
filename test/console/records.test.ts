/**
 * The console's Records tab in a real browser (Debian's Chromium) against a real gateway after a real
 * call (SIP and RTP on loopback) to an application that records from the answer (consent none), keyboard
 * only: the region's receipt chain verifies and lists the call's receipt; the call's story shows its
 * receipt; the recording plays through the API (an <audio> element fed a blob: URL, duration > 0) and
 * is deleted (confirmed; gone from the API; the read and the deletion audited). Throughout: no console
 * error, failed request or 4xx/5xx, and the caller's number never appears in the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startInProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';
import { launchChromium, pageText, tabTo } from '../helpers/browser.js';
import { Softphone } from '../../src/softphone/softphone.js';

const FLOW = join(REPO, 'test/console/fixtures/console-flow.yaml');
const CALLER = '+442079460958';
const DIALLED = '+12025550100';
const CALLER_FORMS = /2079460958|20 ?7946 ?0958|207 ?946 ?0958|79460958/;

test('the Records tab: a verified chain with the call receipt, the receipt in the story, a recording played and deleted; no errors, no PII', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const gw = await startInProcessGateway({
    regions: { eu: {} },
    accounts: [{ id: 'acme', applications: [{ id: 'line', region: 'eu', numbers: [DIALLED], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, recording: { enabled: true, consent: 'none', channels: 'stereo' } }] }],
  });
  const base = `http://127.0.0.1:${gw.gw.adminPort}`;
  const { token } = await gw.gw.apiKeys.create({ name: 'records operator', scopes: ['config:read', 'calls:read', 'receipts:read', 'recordings:read', 'recordings:write', 'audit:read'] });
  const api = async (path: string) => {
    const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
  };

  // A real call: the agent greets (recorded on the agent's side), the caller hangs up.
  const rtp = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: rtp, rtpPortMax: rtp + 9 });
  const b = await launchChromium('console-records');
  const { page } = b;
  const checkPage = async (step: string) => {
    assert.doesNotMatch(await pageText(page), CALLER_FORMS, `the caller's number is in the page (${step})`);
    assert.deepEqual(b.problems, [], `page problems (${step})`);
  };
  try {
    const call = await phone.dial(`sip:${DIALLED}@127.0.0.1:${gw.sipPort}`, [], CALLER);
    const callId = call.session.callId;
    await call.nextUtterance(20_000);
    await call.hangup();
    const receipt = await waitFor('the call receipt', async () => {
      const r = await api(`/v1/receipts/calls/${encodeURIComponent(callId)}`);
      return r.status === 200 ? r.body : undefined;
    }, 15_000);
    assert.equal(receipt.body.recording?.recorded, true, JSON.stringify(receipt.body.recording));
    const recs = (await api('/v1/recordings')).body as { id: string; callId: string; durationMs: number }[];
    assert.equal(recs.length, 1);
    const rec = recs[0]!;
    assert.equal(rec.callId, callId);
    assert.ok(rec.durationMs > 0);

    // Sign in; Records is the tab before Fleet (End, then ArrowLeft).
    await page.goto(`${base}/console`);
    await tabTo(page, '#key');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('svg.chart').first().waitFor();
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator('#tab-records').getAttribute('aria-selected'), 'true');

    // The chain verifies; the call's receipt is listed with its counts and the recording.
    const chain = page.getByRole('region', { name: 'Receipt chain of eu: verified' });
    await chain.waitFor({ timeout: 10_000 });
    assert.match((await chain.textContent()) ?? '', /problemsnone/);
    const recent = page.getByRole('region', { name: 'Recent receipts in eu' });
    const row = recent.locator('tbody tr', { hasText: callId.split('@')[0]! }); // the host part is never shown
    assert.equal(await row.count(), 1, 'the call receipt is listed');
    const rowText = (await row.textContent()) ?? '';
    assert.match(rowText, /line/);
    assert.match(rowText, /recorded \(consent none: /);
    const recordings = page.getByRole('region', { name: 'Recordings' });
    assert.equal(await recordings.locator('tbody tr', { hasText: rec.id }).count(), 1, 'the recording is listed');
    await b.screenshot('1-records');
    await checkPage('records');

    // Play: the WAV comes through the API with the key, into an <audio> element as a blob: URL.
    await tabTo(page, 'button', `Play recording ${rec.id}`);
    await page.keyboard.press('Enter');
    const audio = page.locator('#player audio');
    await audio.waitFor({ timeout: 10_000 });
    assert.match((await audio.getAttribute('src')) ?? '', /^blob:/);
    const duration = await waitFor('the audio metadata', async () => {
      const d = await audio.evaluate((a: any) => (a.readyState >= 1 ? a.duration : undefined));
      return typeof d === 'number' && d > 0 ? d : undefined;
    }, 10_000);
    assert.ok(Math.abs(duration - rec.durationMs / 1000) < 0.5, `the audio lasts ${duration} s, the recording ${rec.durationMs} ms`);
    await b.screenshot('2-playing');
    await checkPage('playing');

    // Delete, confirmed with the keyboard.
    await tabTo(page, 'button', `Delete recording ${rec.id}`);
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    assert.match((await page.locator('#confirm-text').textContent()) ?? '', new RegExp(`Delete recording ${rec.id}`));
    await tabTo(page, '#confirm-ok');
    await page.keyboard.press('Enter');
    await page.getByText(`Recording ${rec.id} deleted.`).waitFor({ timeout: 10_000 });
    await recordings.getByText('No recordings.').waitFor({ timeout: 10_000 });
    assert.deepEqual((await api('/v1/recordings')).body, [], 'the API lists no recording');
    const operatorId = /^hg_([0-9a-f]{12})_/.exec(token)![1];
    const audit = (await api('/v1/audit?limit=1000')).body as { actor: string; action: string; details: Record<string, unknown> }[];
    for (const action of ['getRecording', 'deleteRecording', 'verifyReceipts']) {
      const e = audit.find((x) => x.action === action);
      assert.ok(e, `audited: ${action}`);
      assert.equal(e.actor, operatorId);
    }
    assert.equal(audit.find((x) => x.action === 'deleteRecording')!.details['recordingId'], rec.id);
    await b.screenshot('3-deleted');
    await checkPage('deleted');

    // The call's story (Calls tab) shows its receipt.
    await tabTo(page, '[role="tab"][aria-selected="true"]', undefined, { back: true });
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await tabTo(page, 'button', 'Story of the call');
    await page.keyboard.press('Enter');
    const story = page.locator('#story').getByRole('region', { name: 'Privacy receipt' });
    await story.waitFor({ timeout: 10_000 });
    const storyText = (await story.textContent()) ?? '';
    assert.match(storyText, /region, positioneu #1/);
    assert.match(storyText, /recordingrecorded \(consent none: /);
    await b.screenshot('4-story-receipt');
    await checkPage('story');
    assert.ok(Date.now() - started < 60_000, `the browser test took ${Date.now() - started} ms`);
  } finally {
    const bounded = (what: string, p: Promise<unknown>) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what} did not close in 10 s`)), 10_000).unref())]);
    await bounded('the browser', b.close()).catch((e) => console.error(e));
    await bounded('the softphone', phone.close()).catch((e) => console.error(e));
    await bounded('the gateway', gw.stop()).catch((e) => console.error(e));
  }
});
