/** The IBM Voice Gateway multi-tenant import: each tenant → one valid application, and a report of what was not mapped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importIbmTenants, formatImportReport } from '../../src/tenancy/ibm-import.js';

const sample = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/ibm-tenants.json'), 'utf8')) as unknown;

test('maps tenants to applications: numbers, Watson Assistant or SOE webhook, Watson speech, Splunk HEC forwarding', () => {
  const r = importIbmTenants(sample, { region: 'us' });
  assert.ok(r.ok);
  const [demo, soe] = r.value.applications;
  assert.equal(r.value.applications.length, 2);
  assert.equal(demo!.id, 'voice-gateway-demo-us');
  assert.equal(demo!.name, 'Voice Gateway Demo US');
  assert.deepEqual(demo!.numbers, ['2345556789']);
  assert.equal(demo!.region, 'us');
  assert.equal(demo!.mode, 'agent');
  assert.deepEqual(demo!.dialog, {
    provider: 'watson-assistant', apiVersion: 'v1', url: 'https://api.us-south.assistant.watson.cloud.ibm.com/instances/0a1b2c3d', workspaceId: 'a23de67h-e527-40d5-a867-5c0ce9e72d0d',
    version: '2021-11-27', skillName: 'main skill', auth: { type: 'iam', apiKey: 'conv-apikey-value', iamUrl: 'https://iam.cloud.ibm.com' }, timeoutMs: 5000, retries: 2, backoffMs: 200, allowInsecure: false,
  });
  assert.equal(demo!.speech.stt.engine, 'watson');
  assert.deepEqual(demo!.speech.stt.engine === 'watson' && [demo!.speech.stt.model, demo!.speech.stt.smartFormatting, demo!.speech.stt.auth], ['en-US_NarrowbandModel', true, { kind: 'iam', apiKey: 'stt-apikey-value', iamUrl: 'https://iam.cloud.ibm.com' }]);
  assert.equal(demo!.speech.tts.engine === 'watson' && demo!.speech.tts.voice, 'en-US_AllisonV3Voice');
  assert.equal(demo!.forwarding.enabled, true);
  assert.equal(demo!.forwarding.transcriptionReports, true);
  assert.deepEqual(demo!.forwarding.sinks.map((s) => [s.type, s.url, s.type === 'splunk-hec' && s.token, s.format, s.ibm]), [
    ['splunk-hec', 'https://splunk.example.com:8088/services/collector', 'hec-token-value', 'ibm', { indexes: { cdr: 'cdr', transcription: 'transcription', conv: 'conv' }, sourceTypes: { cdr: 'vgwSessionID' } }],
  ]);
  assert.deepEqual(demo!.speech.stt.engine === 'watson' && demo!.speech.stt.options, { profanity_filter: true }, "Watson's own parameters pass through");

  assert.deepEqual(soe!.numbers, ['2345557890']);
  assert.equal(soe!.dialog?.provider, 'webhook');
  assert.equal(soe!.dialog?.provider === 'webhook' && soe!.dialog.workspaceId, 'support-ws');
  assert.deepEqual(soe!.speech.stt.engine === 'watson' && soe!.speech.stt.auth, { kind: 'basic', username: 'stt-user', password: 'stt-password' });
  assert.equal(soe!.speech.tts.engine, 'embedded', 'no tts in the tenant: the default');
});

test('reports every field it could not map, by path, and skips a tenant without a URI', () => {
  const r = importIbmTenants(sample);
  assert.ok(r.ok);
  const [a, b, c] = r.value.reports;
  assert.deepEqual(a!.unmapped, [
    'tenants.0.putCallerOnHoldOnTransfer', 'tenants.0.stt.bandPreference', 'tenants.0.stt.broadbandConfig', 'tenants.0.whitelistFromUri',
  ]);
  assert.deepEqual(b!.unmapped, ['tenants.1.conversation.1', 'tenants.1.mediaEncryption', 'tenants.1.vgwTransferTarget']);
  assert.match(c!.error!, /tenantURI/);
  const text = formatImportReport(r.value.reports);
  assert.match(text, /tenant 0 → application voice-gateway-demo-us: 4 field\(s\) not mapped/);
  assert.match(text, /tenant 2: SKIPPED/);
  for (const secret of ['conv-apikey-value', 'hec-token-value', 'soe-password', '8765554321']) assert.ok(!text.includes(secret), `report leaks ${secret}`);
});

test('refuses a file that is not a multi-tenant configuration', () => {
  assert.equal(importIbmTenants({ tenant: [] }).ok, false);
  assert.equal(importIbmTenants([]).ok, false);
});
