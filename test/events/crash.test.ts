/**
 * kill -9 of a gateway mid-delivery: a child process appends N events to its outbox and
 * delivers them to pouchdb-server; it is SIGKILLed while batches are in flight, a new child
 * opens the same outbox file and drains it. The database must then hold exactly the N expected
 * documents, each byte-for-byte the gated event (nothing lost, nothing duplicated, nothing
 * re-sent under a new id).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReportEvent } from '../../src/events/schemas.js';
import { defaultEventGate } from '../../src/events/gate.js';
import { cdrEvent, dtmfEvent, repoRoot, startPouchServer, waitFor, type PouchServer } from './helpers.js';

let pouch: PouchServer;
let dir: string;
const children: ChildProcess[] = [];
/**
 * Between the gateway and pouchdb-server: passes everything through, except that it holds back
 * the response to the `holdAt`-th `_bulk_docs` request *after* the server has stored the batch —
 * the exact window where a crash leaves the sink ahead of the outbox.
 */
let proxy: http.Server;
let proxyUrl = '';
let bulkCount = 0;
let holdAt = 8;
let heldResolve: () => void = () => {};
const held = new Promise<void>((r) => (heldResolve = r));
before(async () => {
  pouch = await startPouchServer();
  dir = mkdtempSync(join(tmpdir(), 'hg-crash-'));
  proxy = http.createServer((req, res) => {
    const isBulk = req.url?.endsWith('/_bulk_docs') ?? false;
    const n = isBulk ? ++bulkCount : 0;
    const up = http.request(pouch.url + req.url, { method: req.method, headers: req.headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        if (n === holdAt) return heldResolve(); // stored upstream, never answered
        res.writeHead(r.statusCode ?? 502, r.headers).end(Buffer.concat(chunks));
      });
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  proxy?.closeAllConnections();
  proxy?.close();
  await pouch?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runChild(eventsFile: string): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/events/fixtures/outbox-child.ts'), join(dir, 'data'), proxyUrl, eventsFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exited };
}

async function docCount(): Promise<number> {
  const r = await fetch(`${pouch.url}/events_crash`);
  if (!r.ok) return 0;
  return ((await r.json()) as { doc_count: number }).doc_count;
}

test('SIGKILL mid-delivery, restart on the same outbox: exactly N documents, unchanged', { timeout: 90_000 }, async (t) => {
  const N = 3000;
  const events = Array.from({ length: N }, (_, i) => (i % 5 === 0 ? cdrEvent({ callId: `call-${i % 400}` }) : dtmfEvent({ callId: `call-${i % 400}` })));
  const eventsFile = join(dir, 'events.json');
  writeFileSync(eventsFile, JSON.stringify(events));

  const first = runChild(eventsFile);
  await waitFor('first child appended', () => first.lines.includes('appended'), 60_000);
  await held; // the 8th batch is stored at the server, its acknowledgement not yet received
  first.child.kill('SIGKILL');
  holdAt = -1;
  await first.exited;
  const atKill = await docCount();
  assert.ok(atKill < N, `killed too late (${atKill} of ${N} already delivered)`);

  const second = runChild('-');
  const code = await second.exited;
  assert.equal(code, 0);
  const drained = second.lines.find((l) => l.startsWith('drained'));
  assert.ok(drained, 'second child drained the outbox');

  const all = (await (await fetch(`${pouch.url}/events_crash/_all_docs?include_docs=true`)).json()) as { total_rows: number; rows: { id: string; doc: Record<string, unknown> }[] };
  assert.equal(all.rows.length, N);
  const expected = new Map<string, unknown>();
  for (const e of events) {
    const p = parseReportEvent(e);
    assert.ok(p.ok);
    const gated = defaultEventGate(p.value)!;
    expected.set(gated.eventId, JSON.parse(JSON.stringify(gated)));
  }
  for (const r of all.rows) {
    const { _id, _rev, ...doc } = r.doc;
    assert.equal(_id, r.id);
    assert.ok(expected.has(r.id), `unexpected document id ${r.id}`);
    assert.deepEqual(doc, expected.get(r.id));
  }
  assert.equal(new Set(all.rows.map((r) => r.id)).size, N);
  // The batch in flight at the kill was stored but not acknowledged: the restart resent it
  // under the same ids and CouchDB answered `conflict`, which counts as delivered.
  assert.equal(Number(drained!.split(' ')[1]), 25);
  t.diagnostic(`documents counted at kill: ${atKill}; redelivered as conflicts: ${drained!.split(' ')[1]}`);
});
