/**
 * Credentials stored through the admin API are sealed at rest (issue 13). Against the built gateway
 * (`node dist/cli/main.js start`), once on SQLite and once on PostgreSQL:
 *  1. an application with a webhook dialog (Basic password) and a Splunk HEC sink (token) is created
 *     over HTTP with a key made by `hushgate keys create --local`;
 *  2. the API shows both masked; neither value is in any byte of the data directory (region store,
 *     its -wal and -shm, outbox, keys) nor in any row of any PostgreSQL table;
 *  3. a real call (our softphone, SIP/RTP on loopback) makes the gateway call the dialog and deliver
 *     the call's events: a local HTTP server checks the Basic and Splunk values it receives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startGateway, REPO, type RunningGateway } from '../helpers/gateway-process.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { waitFor } from '../helpers/wait.js';
import { freeUdpRange } from '../helpers/ports.js';
import { createTempDatabase } from '../store/pg-helper.js';
import { Softphone } from '../../src/softphone/softphone.js';

const run = promisify(execFile);

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Files under `dir` whose raw bytes contain `needle` (UTF-8 or UTF-16LE, in case a page holds either). */
export function filesContaining(dir: string, needle: string): string[] {
  const forms = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')];
  return filesUnder(dir).filter((f) => {
    const b = readFileSync(f);
    return forms.some((n) => b.includes(n));
  });
}

/** Every row of every table in the database, as text, that contains `needle`. */
async function pgRowsContaining(url: string, needle: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = (await c.query<{ t: string }>("SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = 'public'")).rows;
    assert.ok(tables.some((t) => t.t === 'tenancy_applications'));
    const hits: string[] = [];
    for (const { t } of tables) {
      for (const r of (await c.query<{ row: string }>(`SELECT x::text AS row FROM ${t} x`)).rows) if (r.row.includes(needle)) hits.push(`${t}: ${r.row.slice(0, 80)}`);
    }
    return hits;
  } finally {
    await c.end();
  }
}

/** The dialog engine (Watson v1 message shape) and the Splunk HEC collector, recording what auth they got. */
function remoteServices(): Promise<RecordingServer> {
  return startRecordingServer((req) => (req.url.startsWith('/v1/workspaces/') ? { json: { output: { text: ['Hello.'] }, context: { n: 1 } } } : { json: { text: 'Success', code: 0 } }));
}

async function adminKey(gw: RunningGateway): Promise<string> {
  const r = await run(process.execPath, [join(REPO, 'dist/cli/main.js'), 'keys', 'create', '--local', '-c', join(gw.dir, 'config.yaml'), '--name', 'ops', '--scopes', 'all']);
  return r.stdout.trim();
}

async function scenario(region: Record<string, unknown>, pgUrl?: string): Promise<void> {
  const DIALOG_PASSWORD = `dlg-${randomBytes(12).toString('hex')}`;
  const SINK_TOKEN = `hec-${randomBytes(12).toString('hex')}`;
  const remote = await remoteServices();
  const gw = await startGateway({
    regions: { eu: region },
    accounts: [{ id: 'acme', applications: [] }],
    events: { delivery: { lingerMs: 0, idlePollMs: 100 } },
  });
  const base = await freeUdpRange(20);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19 });
  try {
    const token = await adminKey(gw);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${gw.adminPort}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const created = await api('POST', '/v1/accounts/acme/applications', {
      id: 'desk', region: 'eu', numbers: ['desk'], mode: 'agent',
      dialog: { provider: 'webhook', url: remote.url, workspaceId: 'ws1', auth: { type: 'basic', username: 'hushgate', password: DIALOG_PASSWORD }, allowInsecure: true },
      // A remote recogniser the call never reaches: cheap to build.
      speech: { stt: { engine: 'openai', url: `${remote.url}/v1`, allowInsecure: true } },
      forwarding: { enabled: true, sinks: [{ type: 'splunk-hec', name: 'hec', url: remote.url, token: SINK_TOKEN, allowInsecure: true, timeoutMs: 2000 }] },
    });
    assert.equal(created.status, 201, await created.clone().text());

    const shown = (await (await api('GET', '/v1/applications/desk')).json()) as { dialog: { auth: { password: string } }; forwarding: { sinks: { token: string }[] } };
    assert.equal(shown.dialog.auth.password, '********');
    assert.equal(shown.forwarding.sinks[0]!.token, '********');

    const dataDir = join(gw.dir, 'data');
    const leaks = async () => ({
      files: [...filesContaining(dataDir, DIALOG_PASSWORD), ...filesContaining(dataDir, SINK_TOKEN)],
      rows: pgUrl ? [...(await pgRowsContaining(pgUrl, DIALOG_PASSWORD)), ...(await pgRowsContaining(pgUrl, SINK_TOKEN))] : [],
    });
    if (!pgUrl) assert.ok(filesUnder(dataDir).some((f) => f.endsWith('eu.sqlite-wal')), 'the WAL is among the files searched');
    assert.deepEqual(await leaks(), { files: [], rows: [] }, 'a credential is stored in clear');

    // The gateway opens them for use: the dialog gets Basic, the sink gets its Splunk token.
    const call = await phone.dial(`sip:desk@127.0.0.1:${gw.sipPort}`);
    await call.nextUtterance(15_000);
    await call.hangup();
    const dialogAuth = await waitFor('the dialog request', () => remote.requests.find((s) => s.url.startsWith('/v1/workspaces/ws1/message')));
    assert.equal(dialogAuth.headers.authorization, `Basic ${Buffer.from(`hushgate:${DIALOG_PASSWORD}`).toString('base64')}`);
    const hec = await waitFor('the events at the collector', () => remote.requests.find((s) => s.url === '/services/collector/event'));
    assert.equal(hec.headers.authorization, `Splunk ${SINK_TOKEN}`);
    assert.deepEqual(await leaks(), { files: [], rows: [] }, 'a credential reached the disk during the call');
  } finally {
    await phone.close();
    await gw.stop();
    await remote.close();
  }
}

test('SQLite: credentials set through the API are in no byte of the data directory and still work', { timeout: 90_000 }, async () => {
  await scenario({});
});

test('PostgreSQL: credentials set through the API are in no row of any table and still work', { timeout: 90_000 }, async () => {
  const db = await createTempDatabase();
  try {
    await scenario({ store: { kind: 'postgres', url: db.url } }, db.url);
  } finally {
    await db.drop();
  }
});
