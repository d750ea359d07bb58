/**
 * `hushgate import ibm-tenants` on tenant files of every form IBM published: the current Watson
 * Assistant form (`assistantID` + `bearerToken`), a Cloud Pak v1 form (`workspaceID` + `bearerToken`),
 * MRCPv2 speech providers, templates full of empty and `{…}` placeholders (with SMS and WVA blocks),
 * an invalid file, and one where nothing can be imported. Placeholders and what we cannot honour are
 * reported; the rest of each tenant imports; the exit code says whether anything was imported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { runImportIbm } from '../../src/cli/commands/import.js';
import { applicationSchema } from '../../src/tenancy/index.js';

const dir = join(import.meta.dirname, 'fixtures/ibm');

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function importFile(name: string): Promise<{ code: number; apps: Record<string, any>[]; report: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runImportIbm(join(dir, name), { account: 'acme' }, { stdout, stderr } as never);
  const yaml = stdout.text ? (parse(stdout.text) as { accounts: { applications: Record<string, any>[] }[] }) : undefined;
  return { code, apps: yaml?.accounts[0]!.applications ?? [], report: stderr.text };
}

test('the current Watson Assistant form: assistantID + bearerToken → watson-assistant v2 with bearer auth; customisations kept', async () => {
  const { code, apps, report } = await importFile('assistant-bearer.json');
  assert.equal(code, 0);
  const [live, draft] = apps;
  assert.deepEqual(live!.dialog, { provider: 'watson-assistant', apiVersion: 'v2', url: 'https://cpd.example.com/assistant/api', assistantId: '7f3c2a10-live-env', auth: { type: 'bearer', token: 'cpd-bearer-token-1' } });
  assert.equal(live!.mode, 'agent');
  assert.deepEqual(live!.speech.stt, {
    engine: 'watson', url: 'https://cpd.example.com/speech-to-text/api', auth: { kind: 'bearer', token: 'cpd-bearer-token-2' }, model: 'en-US_Telephony',
    options: { language_customization_id: 'cust-lm-1', acoustic_customization_id: 'cust-am-1', customization_weight: 0.4 },
  });
  // JSON keeps the last of two "tts" keys, as IBM's parser did.
  assert.deepEqual(live!.speech.tts, { engine: 'watson', url: 'https://cpd.example.com/text-to-speech/api', auth: { kind: 'bearer', token: 'cpd-bearer-token-3' }, voice: 'en-US_AllisonExpressive', options: { customization_id: 'cust-voice-1' } });
  assert.ok(!/not mapped: .*bearerToken/.test(report), 'bearerToken is supported, not unmapped');
  // The draft tenant is IBM's template: {…} placeholders, reported, and the tenant still imports.
  assert.equal(draft!.mode, 'hold');
  assert.equal(draft!.dialog, undefined);
  assert.equal(draft!.speech?.tts, undefined, 'a placeholder credential leaves the embedded engine');
  for (const p of ['tenants.1.conversation.url', 'tenants.1.conversation.assistantID', 'tenants.1.conversation.bearerToken', 'tenants.1.stt.credentials.url', 'tenants.1.tts.credentials.bearerToken']) {
    assert.ok(report.includes(`placeholder, fill in: ${p}`), `report names ${p}:\n${report}`);
  }
  for (const secret of ['cpd-bearer-token-1', 'cpd-bearer-token-2']) assert.ok(!report.includes(secret), 'the report never prints values');
  for (const a of apps) assert.ok(applicationSchema.safeParse(a).success, `${a.id} is a valid application`);
});

test('a Cloud Pak v1 form: workspaceID + bearerToken; an empty STT credential is reported, TTS still imports', async () => {
  const { code, apps, report } = await importFile('workspace-bearer.json');
  assert.equal(code, 0);
  assert.deepEqual(apps[0]!.dialog, { provider: 'watson-assistant', apiVersion: 'v1', url: 'https://cpd.example.com/assistant/instances/9/api', workspaceId: 'ws-9', auth: { type: 'bearer', token: 'cpd-token-9' } });
  assert.deepEqual(apps[0]!.numbers, ['watson']);
  assert.equal(apps[0]!.speech.stt, undefined);
  assert.equal(apps[0]!.speech.tts.voice, 'en-US_AllisonV3Voice');
  assert.match(report, /placeholder, fill in: tenants\.0\.stt\.credentials\.url/);
  assert.match(report, /placeholder, fill in: tenants\.0\.stt\.credentials\.bearerToken/);
});

test('MRCPv2 providers are reported as unmapped while the rest of the tenant imports', async () => {
  const { code, apps, report } = await importFile('mrcp.json');
  assert.equal(code, 0, report);
  assert.equal(apps.length, 1);
  assert.deepEqual(apps[0]!.numbers, ['3125550142']);
  assert.equal(apps[0]!.speech, undefined, 'embedded speech stands in');
  assert.match(report, /not mapped: tenants\.0\.stt$/m);
  assert.match(report, /not mapped: tenants\.0\.tts$/m);
  assert.match(report, /note: tenants\.0\.stt: provider "mrcpv2" is not supported/);
  assert.match(report, /placeholder, fill in: tenants\.0\.conversation\.workspaceID/);
  assert.match(report, /placeholder, fill in: tenants\.0\.conversation\.password/);
});

test('an all-placeholder template with SMS and WVA: placeholders and unmapped blocks reported, both tenants imported', async () => {
  const { code, apps, report } = await importFile('template.json');
  assert.equal(code, 0);
  assert.deepEqual(apps.map((a) => [a.id, a.mode, a.dialog?.provider]), [['voice-gateway-demo-us-1', 'hold', undefined], ['soe-tenant', 'agent', 'webhook']]);
  assert.deepEqual(apps[1]!.dialog.auth, { type: 'basic', username: 'soe-user', password: 'soe-pw' });
  assert.match(report, /not mapped: tenants\.0\.smsPipe$/m);
  assert.match(report, /not mapped: tenants\.0\.wva$/m);
  assert.match(report, /placeholder, fill in: tenants\.0\.conversation\.url/);
  assert.match(report, /placeholder, fill in: tenants\.1\.stt\.credentials\.username/);
});

test('exit codes: an invalid file is 2, a file where nothing imports is 1', async () => {
  const invalid = await importFile('invalid.json');
  assert.equal(invalid.code, 2);
  assert.match(invalid.report, /cannot read/);
  const nothing = await importFile('nothing.json');
  assert.equal(nothing.code, 1);
  assert.match(nothing.report, /nothing imported/);
  assert.equal(nothing.apps.length, 0, 'no YAML is printed');
});
