/**
 * `hushgate recordings …` (through the admin API, scopes `recordings:read`/`recordings:write`, or
 * `--local` on a stopped gateway's host with the key files; every access audited either way):
 *   list [--account A] [--application P] [--region R]   metadata as JSON lines
 *   get ID -o FILE.wav                                   decrypted to WAV (file mode 0600)
 *   delete ID
 * Exit codes: 0 done, 1 failure (not found, shredded by erasure, tampered), 2 bad arguments or configuration.
 */
import type { Command } from 'commander';
import { createWriteStream, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { loadConfig } from '../../config/index.js';
import { openTraining, type TrainingService } from '../../training/index.js';
import { RecordingService } from '../../recordings/index.js';
import { ensurePrivateFile } from '../../store/index.js';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo, ConfigLoader } from './erase.js';

export interface RecordingsArgs extends ApiOptions {
  local?: boolean;
  config?: string;
  account?: string;
  application?: string;
  region?: string;
  out?: string;
}

async function withRecordings(args: RecordingsArgs, load: ConfigLoader, io: CliIo, fn: (r: RecordingService) => Promise<number>): Promise<number> {
  let t: TrainingService;
  let defaultCountry: string;
  try {
    const cfg = load(args.config ?? process.env.HUSHGATE_CONFIG);
    defaultCountry = cfg.defaultCountry;
    t = await openTraining(cfg, { actor: 'cli' });
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    return await fn(await RecordingService.open(t.stores, t.keyStore, t.ring, defaultCountry, Date.now));
  } finally {
    await t.close();
  }
}

function writeWav(path: string, wav: Uint8Array): void {
  ensurePrivateFile(path);
  writeFileSync(path, wav, { mode: 0o600 });
}

export async function runList(args: RecordingsArgs, load: ConfigLoader, io: CliIo): Promise<number> {
  const q = { accountId: args.account, applicationId: args.application, region: args.region };
  if (args.local) {
    return withRecordings(args, load, io, async (r) => {
      for (const v of await r.list({ ...q, limit: 1000 }, 'cli')) io.stdout.write(JSON.stringify(v) + '\n');
      return 0;
    });
  }
  const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined) as [string, string][]);
  const r = await new ApiClient(args).call<unknown[]>('GET', `/v1/recordings?${p}`);
  if (!r.ok) return (io.stderr.write(`hushgate recordings list: ${describeError(r)}\n`), r.status === 400 ? 2 : 1);
  for (const v of r.body) io.stdout.write(JSON.stringify(v) + '\n');
  return 0;
}

export async function runGet(id: string, args: RecordingsArgs, load: ConfigLoader, io: CliIo): Promise<number> {
  if (!args.out) return (io.stderr.write('hushgate recordings get: -o FILE is required (the audio is written there, mode 0600)\n'), 2);
  const out = args.out;
  if (args.local) {
    return withRecordings(args, load, io, async (r) => {
      const got = await r.get(id, 'cli');
      if (!got.ok) return (io.stderr.write(`hushgate recordings get: ${got.reason === 'not-found' ? 'no such recording (or expired)' : got.reason === 'shredded' ? 'its caller was erased: the audio can no longer be opened' : 'the stored recording failed authentication (tampered)'}\n`), 1);
      writeWav(out, got.wav);
      io.stderr.write(`wrote ${got.wav.length} bytes (${got.view.durationMs} ms, ${got.view.channels}) to ${out}\n`);
      return 0;
    });
  }
  ensurePrivateFile(out);
  const file = createWriteStream(out, { mode: 0o600 });
  const r = await new ApiClient(args).stream(`/v1/recordings/${encodeURIComponent(id)}`, file);
  file.end();
  await finished(file);
  if (!r.ok) return (io.stderr.write(`hushgate recordings get: ${describeError(r)}\n`), 1);
  io.stderr.write(`wrote ${out}\n`);
  return 0;
}

export async function runDelete(id: string, args: RecordingsArgs, load: ConfigLoader, io: CliIo): Promise<number> {
  if (args.local) {
    return withRecordings(args, load, io, async (r) => ((await r.delete(id, 'cli')) ? 0 : (io.stderr.write('hushgate recordings delete: no such recording\n'), 1)));
  }
  const r = await new ApiClient(args).call('DELETE', `/v1/recordings/${encodeURIComponent(id)}`);
  if (!r.ok) return (io.stderr.write(`hushgate recordings delete: ${describeError(r)}\n`), 1);
  return 0;
}

export function registerRecordingsCommand(program: Command, load: ConfigLoader = loadConfig): void {
  const io = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });
  const rec = program.command('recordings').description('call recordings (sealed at rest; every access audited)');
  const local = (c: Command) => {
    c.option('--local', "use the region stores directly instead of the API (a stopped gateway's host)").option('-c, --config <file>', 'with --local: YAML configuration file (default: $HUSHGATE_CONFIG)');
    apiOptionHelp(c);
    return c;
  };
  local(rec.command('list').description('list unexpired recordings as JSON lines').option('--account <id>').option('--application <id>').option('--region <name>')).action(async (o: RecordingsArgs) => {
    process.exitCode = await runList(o, load, io());
  });
  local(rec.command('get <id>').description('decrypt one recording to a WAV file').option('-o, --out <file>', 'WAV file to write (mode 0600)')).action(async (id: string, o: RecordingsArgs) => {
    process.exitCode = await runGet(id, o, load, io());
  });
  local(rec.command('delete <id>').description('delete one recording')).action(async (id: string, o: RecordingsArgs) => {
    process.exitCode = await runDelete(id, o, load, io());
  });
}
