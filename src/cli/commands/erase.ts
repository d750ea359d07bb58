/**
 * `hushgate erase --account A --application P --number +44… [--request-id ID] [--config FILE]`
 * Erases a caller's training records (and data keys) in every region store, plus what the erasure
 * participants hold, and prints the receipt as JSON. The number itself is never printed or logged.
 * Exit codes: 0 done, 2 bad arguments or configuration, 1 failure.
 */
import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import { loadConfig } from '../../config/load.js';
import { openTraining, type TrainingServiceConfig } from '../../training/service.js';
import type { ErasureParticipant } from '../../training/erasure.js';

export type ConfigLoader = (file: string | undefined) => TrainingServiceConfig;

export interface EraseArgs {
  account: string;
  application: string;
  number: string;
  requestId?: string;
  config?: string;
}

export interface CliIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

/** The command's body, callable directly (tests, the admin API). Resolves to the exit code. */
export async function runErase(args: EraseArgs, load: ConfigLoader, io: CliIo, participants: ErasureParticipant[] = []): Promise<number> {
  let cfg: TrainingServiceConfig;
  try {
    cfg = load(args.config ?? process.env.HUSHGATE_CONFIG);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const training = await openTraining(cfg, { participants, actor: 'cli' });
  try {
    const out = await training.eraser.erase({ accountId: args.account, applicationId: args.application, phoneNumber: args.number, requestId: args.requestId, actor: 'cli' });
    if (!out.ok) {
      io.stderr.write(`hushgate erase: ${out.error}\n`);
      return 2;
    }
    io.stdout.write(JSON.stringify(out.receipt) + '\n');
    return 0;
  } finally {
    await training.close();
  }
}

export function registerEraseCommand(program: Command, load: ConfigLoader = loadConfig, participants: () => ErasureParticipant[] = () => []): void {
  program
    .command('erase')
    .description("erase a caller's training records and pending events (GDPR Art. 17) and print the receipt")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--application <id>', 'application id')
    .requiredOption('--number <phone>', 'the phone number to erase (E.164 or national)')
    .option('--request-id <id>', 'request id to record on the receipt (default: generated)')
    .option('-c, --config <file>', 'YAML configuration file (default: $HUSHGATE_CONFIG)')
    .action(async (opts: EraseArgs) => {
      process.exitCode = await runErase(opts, load, { stdout: process.stdout, stderr: process.stderr }, participants());
    });
}
