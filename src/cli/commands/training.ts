/**
 * `hushgate training …`:
 *   export --account A --application P --region R [--since T] [--out FILE]
 *       decrypted JSON lines to stdout (or FILE, mode 0600), streamed from the running gateway's
 *       admin API (`GET /v1/training/export`, scope `training:export`; `--url`, `--key`, `--ca`) and
 *       audited there under the key; `--local [-c FILE]` reads the region store directly (a stopped
 *       gateway's host; needs the key files) with a progress bar on stderr, audited as `cli`.
 *   rotate-keys --region R     new KEK for the region, every data key re-wrapped (payloads untouched).
 *   sweep                      run the retention sweep once now.
 *   (rotate-keys and sweep are host operations on the key files and stores: always local.)
 * Exit codes: 0 done, 2 bad arguments or configuration, 1 failure (a record that fails to open included).
 */
import type { Command } from 'commander';
import { createWriteStream, type WriteStream } from 'node:fs';
import { ensurePrivateFile } from '../../store/index.js';
import { Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { loadConfig } from '../../config/index.js';
import { TamperedError } from '../../training/index.js';
import { exportTraining, progressBar } from '../../training/index.js';
import { openTraining, type TrainingService } from '../../training/index.js';
import { ApiClient, apiOptionHelp, apiTrainingExport, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo, ConfigLoader } from './erase.js';

export interface ExportArgs extends ApiOptions {
  account: string;
  application: string;
  region: string;
  since?: string;
  out?: string;
  /** Read the region store directly instead of calling the API. */
  local?: boolean;
  config?: string;
}

/** `--since` accepts an ISO time (`2026-01-31`, `2026-01-31T10:00:00Z`) or epoch milliseconds. */
export function parseSince(s: string | undefined): { ok: true; value: number | undefined } | { ok: false; error: string } {
  if (s === undefined) return { ok: true, value: undefined };
  const v = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, error: `--since "${s}" is not a time (ISO 8601 or epoch ms)` };
}

async function withTraining(configFile: string | undefined, load: ConfigLoader, io: CliIo, fn: (t: TrainingService) => Promise<number>): Promise<number> {
  let training: TrainingService;
  try {
    training = await openTraining(load(configFile ?? process.env.HUSHGATE_CONFIG), { actor: 'cli' });
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    return await fn(training);
  } finally {
    await training.close();
  }
}

export async function runExport(args: ExportArgs, load: ConfigLoader, io: CliIo): Promise<number> {
  const since = parseSince(args.since);
  if (!since.ok) {
    io.stderr.write(`hushgate training export: ${since.error}\n`);
    return 2;
  }
  return args.local ? exportLocally(args, since.value, load, io) : exportThroughApi(args, since.value, io);
}

/** Counts the JSON lines passing through, so the command can say how many records it wrote. */
class LineCounter extends Transform {
  lines = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) this.lines++;
    cb(null, chunk);
  }
}

async function exportThroughApi(args: ExportArgs, since: number | undefined, io: CliIo): Promise<number> {
  const counter = new LineCounter();
  const out = args.out ? privateWriteStream(args.out) : io.stdout;
  counter.pipe(out, { end: false });
  try {
    const r = await apiTrainingExport(new ApiClient(args), { accountId: args.account, applicationId: args.application, region: args.region, since }, counter);
    if (!r.ok) {
      io.stderr.write(`hushgate training export: ${describeError(r)}\n`);
      return r.status === 400 ? 2 : 1;
    }
    io.stderr.write(`exported ${counter.lines} record(s)\n`);
    return 0;
  } catch (e) {
    // The gateway ends the stream early when a record fails to open (tampering): never a silent partial file.
    io.stderr.write(`hushgate training export: ABORTED after ${counter.lines} record(s): ${(e as Error).message}; see the audit log\n`);
    return 1;
  } finally {
    counter.end();
    await finished(counter).catch(() => undefined); // destroyed with the aborted response: nothing more to flush
    if (args.out) {
      out.end();
      await finished(out);
    }
  }
}

async function exportLocally(args: ExportArgs, since: number | undefined, load: ConfigLoader, io: CliIo): Promise<number> {
  return withTraining(args.config, load, io, async (t) => {
    if (!t.stores.has(args.region)) {
      io.stderr.write(`hushgate training export: region "${args.region}" has no store configured\n`);
      return 2;
    }
    const out = args.out ? privateWriteStream(args.out) : io.stdout;
    try {
      const r = await exportTraining(t.stores.get(args.region), t.reader, { accountId: args.account, applicationId: args.application, since, actor: 'cli' }, out, {
        onProgress: progressBar(io.stderr),
      });
      io.stderr.write(`exported ${r.exported} record(s)\n`);
      return 0;
    } catch (e) {
      if (e instanceof TamperedError) {
        io.stderr.write(`hushgate training export: ABORTED: ${e.message}; the incident is in the audit log\n`);
        return 1;
      }
      throw e;
    } finally {
      if (args.out) {
        out.end();
        await finished(out);
      }
    }
  });
}

export async function runRotateKeys(args: { region: string; config?: string }, load: ConfigLoader, io: CliIo): Promise<number> {
  return withTraining(args.config, load, io, async (t) => {
    if (!t.stores.has(args.region)) {
      io.stderr.write(`hushgate training rotate-keys: region "${args.region}" has no store configured\n`);
      return 2;
    }
    const store = t.stores.get(args.region);
    const r = await t.ring.rotate(store);
    await store.audit({ actor: 'cli', action: 'training.rotate_keys', target: args.region, details: r });
    io.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  });
}

export async function runSweep(args: { config?: string }, load: ConfigLoader, io: CliIo): Promise<number> {
  return withTraining(args.config, load, io, async (t) => {
    io.stdout.write(JSON.stringify(await t.sweeper.sweepOnce()) + '\n');
    return 0;
  });
}

export function registerTrainingCommand(program: Command, load: ConfigLoader = loadConfig): void {
  const io = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });
  const training = program.command('training').description('AI-training data: export, key rotation, retention');
  const exp = training
    .command('export')
    .description('stream decrypted records as JSON lines through the admin API (audited)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--application <id>', 'application id')
    .requiredOption('--region <name>', 'region store to read')
    .option('--since <time>', 'only records captured at or after this time (ISO 8601 or epoch ms)')
    .option('-o, --out <file>', 'write to this file (mode 0600) instead of stdout')
    .option('--local', "read the region store directly instead of calling the API (a stopped gateway's host)")
    .option('-c, --config <file>', 'with --local: YAML configuration file (default: $HUSHGATE_CONFIG)');
  apiOptionHelp(exp);
  exp.action(async (opts: ExportArgs) => {
    process.exitCode = await runExport(opts, load, io());
  });
  training
    .command('rotate-keys')
    .description("make a new key-encryption key current for a region and re-wrap its data keys")
    .requiredOption('--region <name>', 'region')
    .option('-c, --config <file>', 'YAML configuration file (default: $HUSHGATE_CONFIG)')
    .action(async (opts: { region: string; config?: string }) => {
      process.exitCode = await runRotateKeys(opts, load, io());
    });
  training
    .command('sweep')
    .description('delete expired training records now')
    .option('-c, --config <file>', 'YAML configuration file (default: $HUSHGATE_CONFIG)')
    .action(async (opts: { config?: string }) => {
      process.exitCode = await runSweep(opts, load, io());
    });
}

/** The export file is 0600, also when it already existed with a looser mode (createWriteStream keeps that). */
function privateWriteStream(path: string): WriteStream {
  ensurePrivateFile(path);
  return createWriteStream(path, { mode: 0o600 });
}
