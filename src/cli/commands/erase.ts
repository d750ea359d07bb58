/**
 * `hushgate erase --account A --application P --number +44… [--request-id ID]`
 * Erases a caller's training records (crypto-shredding their data keys) in every region store and
 * their unsent events, and prints the receipt as JSON. The number itself is never printed or logged.
 *
 * By default it calls the running gateway's admin API (`POST /v1/erasures`, scope `erasure:write`;
 * `--url`, `--key` / `$HUSHGATE_API_KEY`, `--ca`), so the gateway's event outboxes are erased too and
 * the request is in the admin audit log under the key that made it. `--local [-c FILE]` opens the
 * stores named in the configuration directly: for a gateway that is stopped (run it on the gateway
 * host; it needs the region key files). It reaches the event outboxes too: each configured region's
 * outbox file is opened, and one that cannot be opened makes the erasure incomplete (exit 1, named).
 * Exit codes: 0 done, 2 bad arguments or configuration, 1 refused, failed or incomplete (the receipt is
 * still printed: it says which part was not done, in `failed`).
 */
import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import { loadConfig } from '../../config/index.js';
import { openTraining, type TrainingServiceConfig } from '../../training/index.js';
import type { ErasureParticipant } from '../../training/index.js';
import { DataKeyEventCipher } from '../../training/index.js';
import { openOutboxesForErasure, type LocalOutboxConfig } from '../../events/index.js';
import type { EventsConfig } from '../../events/index.js';
import { ApiClient, apiErase, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';

export type ConfigLoader = (file: string | undefined) => TrainingServiceConfig & { events?: EventsConfig };

export interface EraseArgs extends ApiOptions {
  account: string;
  application: string;
  number: string;
  requestId?: string;
  /** Open the stores directly instead of calling the API. */
  local?: boolean;
  config?: string;
}

export interface CliIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

/** The command's body, callable directly (tests). Resolves to the exit code. */
export async function runErase(args: EraseArgs, load: ConfigLoader, io: CliIo, participants: ErasureParticipant[] = []): Promise<number> {
  return args.local ? eraseLocally(args, load, io, participants) : eraseThroughApi(args, io);
}

async function eraseThroughApi(args: EraseArgs, io: CliIo): Promise<number> {
  let r;
  try {
    r = await apiErase(new ApiClient(args), {
      accountId: args.account, applicationId: args.application, phoneNumber: args.number, ...(args.requestId ? { requestId: args.requestId } : {}),
    });
  } catch (e) {
    io.stderr.write(`hushgate erase: ${(e as Error).message} (is the gateway running? --local erases on a stopped gateway's host)\n`);
    return 1;
  }
  if (!r.ok) {
    io.stderr.write(`hushgate erase: ${describeError(r)}\n`);
    return r.status === 400 ? 2 : 1;
  }
  io.stdout.write(JSON.stringify(r.body) + '\n');
  return 0;
}

/** A receipt with failed parts is not success: print it (it is the record) and say what was not done. */
function incomplete(io: CliIo, failed: readonly string[] | undefined): number {
  if (!failed?.length) return 0;
  io.stderr.write(`hushgate erase: INCOMPLETE, not erased: ${failed.join('; ')}\n`);
  return 1;
}

async function eraseLocally(args: EraseArgs, load: ConfigLoader, io: CliIo, participants: ErasureParticipant[]): Promise<number> {
  let cfg: TrainingServiceConfig;
  try {
    cfg = load(args.config ?? process.env.HUSHGATE_CONFIG);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const training = await openTraining(cfg, { participants, actor: 'cli' });
  // The event outboxes of every configured region, sealed under the same data keys.
  const outboxes = openOutboxesForErasure(cfg as unknown as LocalOutboxConfig, new DataKeyEventCipher(training.stores, training.ring));
  for (const p of outboxes.participants) training.eraser.register(p);
  try {
    const out = await training.eraser.erase({ accountId: args.account, applicationId: args.application, phoneNumber: args.number, requestId: args.requestId, actor: 'cli' });
    if (!out.ok) {
      io.stderr.write(`hushgate erase: ${out.error}\n`);
      return 2;
    }
    // The same shape the API returns, so scripts read either.
    const r = out.receipt;
    io.stdout.write(JSON.stringify({ ...r, requestedAt: new Date(r.requestedAt).toISOString(), completedAt: new Date(r.completedAt).toISOString() }) + '\n');
    return incomplete(io, r.failed);
  } finally {
    await outboxes.close();
    await training.close();
  }
}

export function registerEraseCommand(program: Command, load: ConfigLoader = loadConfig, participants: () => ErasureParticipant[] = () => []): void {
  const cmd = program
    .command('erase')
    .description("erase a caller's training records and pending events (GDPR Art. 17) and print the receipt")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--application <id>', 'application id')
    .requiredOption('--number <phone>', 'the phone number to erase (E.164 or national)')
    .option('--request-id <id>', 'request id to record on the receipt (default: generated)')
    .option('--local', "open the stores directly instead of calling the API (a stopped gateway's host)")
    .option('-c, --config <file>', 'with --local: YAML configuration file (default: $HUSHGATE_CONFIG)');
  apiOptionHelp(cmd);
  cmd.action(async (opts: EraseArgs) => {
    process.exitCode = await runErase(opts, load, { stdout: process.stdout, stderr: process.stderr }, participants());
  });
}
