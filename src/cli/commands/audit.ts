/**
 * `hushgate audit tail [--since SEQ] [--action NAME] [--follow]`: prints the admin audit log as
 * JSON lines through the API (`audit:read`); `--follow` polls every `--interval` seconds until stopped.
 */
import type { Command } from 'commander';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo } from './erase.js';

export interface AuditTailArgs extends ApiOptions {
  since?: string;
  action?: string;
  follow?: boolean;
  interval?: string;
  limit?: string;
}

export async function runAuditTail(args: AuditTailArgs, io: CliIo, shouldStop: () => boolean = () => false): Promise<number> {
  const client = new ApiClient(args);
  let since = Number(args.since ?? 0);
  const intervalMs = Math.max(0.2, Number(args.interval ?? 2)) * 1000;
  for (;;) {
    const q = new URLSearchParams({ sinceSeq: String(since), limit: args.limit ?? '1000', ...(args.action ? { action: args.action } : {}) });
    const r = await client.call<{ seq: number }[]>('GET', `/v1/audit?${q}`);
    if (!r.ok) return (io.stderr.write(`hushgate audit tail: ${describeError(r)}\n`), 1);
    for (const e of r.body) {
      io.stdout.write(JSON.stringify(e) + '\n');
      since = Math.max(since, e.seq);
    }
    if (!args.follow || shouldStop()) return 0;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the admin audit log');
  const tail = audit
    .command('tail')
    .description('print audit entries as JSON lines')
    .option('--since <seq>', 'only entries after this sequence number', '0')
    .option('--action <name>', 'only this action (operation id, e.g. createErasure)')
    .option('--limit <n>', 'entries per request', '1000')
    .option('-f, --follow', 'keep polling for new entries')
    .option('--interval <seconds>', 'poll interval with --follow', '2');
  apiOptionHelp(tail);
  tail.action(async (opts: AuditTailArgs) => {
    process.exitCode = await runAuditTail(opts, { stdout: process.stdout, stderr: process.stderr });
  });
}
