/**
 * Export: streams an application's unexpired records of one region as decrypted JSON lines, reports
 * progress, and audits every export (who, what, how many, whether it completed; never content).
 * A record that fails to open aborts the export loudly (after auditing both the tamper and the
 * aborted export): a partial file is never mistaken for a complete one.
 */
import type { Writable } from 'node:stream';
import type { Store } from '../store/index.js';
import { type Clock, systemClock } from '../time/index.js';
import type { TrainingReader } from './reader.js';

export interface ExportRequest {
  accountId: string;
  applicationId: string;
  since?: number;
  actor: string;
}

export interface ExportResult {
  exported: number;
  total: number;
}

export async function exportTraining(
  store: Store,
  reader: TrainingReader,
  req: ExportRequest,
  out: Writable,
  opts: { clock?: Clock; onProgress?: (done: number, total: number) => void } = {},
): Promise<ExportResult> {
  const now = (opts.clock ?? systemClock).epochMs();
  const total = await store.countTrainingRecords({ accountId: req.accountId, applicationId: req.applicationId, now, since: req.since });
  const target = `${req.accountId}/${req.applicationId}`;
  let exported = 0;
  try {
    for await (const rec of reader.records(store, { accountId: req.accountId, applicationId: req.applicationId, now, since: req.since })) {
      if (!out.write(JSON.stringify(rec) + '\n')) await new Promise<void>((r) => out.once('drain', r));
      exported++;
      if (opts.onProgress && (exported % 200 === 0 || exported === total)) opts.onProgress(exported, total);
    }
  } catch (e) {
    await store.audit({ actor: req.actor, action: 'training.export', target, details: { region: store.region, since: req.since ?? null, exported, total, completed: false } }, now);
    throw e;
  }
  opts.onProgress?.(exported, Math.max(total, exported));
  await store.audit({ actor: req.actor, action: 'training.export', target, details: { region: store.region, since: req.since ?? null, exported, total, completed: true } }, now);
  return { exported, total };
}

/** A one-line progress bar for a terminal (`\r`-rewritten); plain lines when not a TTY. */
export function progressBar(stream: NodeJS.WriteStream | Writable & { isTTY?: boolean }, label = 'export'): (done: number, total: number) => void {
  let lastPct = -1;
  return (done, total) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct === lastPct) return;
    lastPct = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${done}/${total}`;
    if (stream.isTTY) stream.write(`\r${line}${done >= total ? '\n' : ''}`);
    else if (pct % 25 === 0 || done >= total) stream.write(line + '\n');
  };
}
