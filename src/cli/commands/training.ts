/**
 * `hushgate training …`:
 *   export --account A --application P --region R [--since T] [--out FILE]
 *       decrypted JSON lines to stdout (or FILE), a progress bar on stderr; audited.
 *   rotate-keys --region R     new KEK for the region, every data key re-wrapped (payloads untouched).
 *   sweep                      run the retention sweep once now.
 * Exit codes: 0 done, 2 bad arguments or configuration, 1 failure (a record that fails to open included).
 */
import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { loadConfig } from '../../config/load.js';
import { TamperedError } from '../../training/envelope.js';
import { exportTraining, progressBar } from '../../training/export.js';
import { openTraining, type TrainingService } from '../../training/service.js';
import type { CliIo, ConfigLoader } from './erase.js';

export interface ExportArgs {
  account: string;
  application: string;
  region: string;
  since?: string;
  out?: string;
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
  return withTraining(args.config, load, io, async (t) => {
    if (!t.stores.has(args.region)) {
      io.stderr.write(`hushgate training export: region "${args.region}" has no store configured\n`);
      return 2;
    }
    const out = args.out ? createWriteStream(args.out, { mode: 0o600 }) : io.stdout;
    try {
      const r = await exportTraining(t.stores.get(args.region), t.reader, { accountId: args.account, applicationId: args.application, since: since.value, actor: 'cli' }, out, {
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
  training
    .command('export')
    .description('stream decrypted records as JSON lines (audited)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--application <id>', 'application id')
    .requiredOption('--region <name>', 'region store to read')
    .option('--since <time>', 'only records captured at or after this time (ISO 8601 or epoch ms)')
    .option('-o, --out <file>', 'write to this file (mode 0600) instead of stdout')
    .option('-c, --config <file>', 'YAML configuration file (default: $HUSHGATE_CONFIG)')
    .action(async (opts: ExportArgs) => {
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
