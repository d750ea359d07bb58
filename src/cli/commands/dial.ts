/**
 * `hushgate dial --account A --application P TARGET`: place an outbound call through the admin API
 * (POST /v1/calls, scope `calls:write`). Prints the call id; with `--wait` follows the call
 * (GET /v1/calls/{id}) and prints each state until it is over. Exit codes: 0 placed (with `--wait`:
 * answered), 2 bad arguments, 1 refused (destination, trunk, caller ID, limits) or not answered.
 */
import type { Command } from 'commander';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo } from './erase.js';

export interface DialArgs extends ApiOptions {
  account: string;
  application: string;
  from?: string;
  trunk?: string;
  timeout?: string;
  var?: string[];
  wait?: boolean;
}

const FINAL = new Set(['ended', 'busy', 'no-answer', 'failed', 'cancelled']);
const POLL_MS = 500;

export async function runDial(target: string, args: DialArgs, io: CliIo, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<number> {
  const variables: Record<string, string> = {};
  for (const kv of args.var ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) return (io.stderr.write(`hushgate dial: --var takes name=value, got "${kv}"\n`), 2);
    variables[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const timeoutSeconds = args.timeout === undefined ? undefined : Number(args.timeout);
  if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds > 0)) return (io.stderr.write('hushgate dial: --timeout takes whole seconds\n'), 2);
  const client = new ApiClient(args);
  const body = {
    accountId: args.account, applicationId: args.application, to: target,
    ...(args.from ? { from: args.from } : {}), ...(args.trunk ? { trunk: args.trunk } : {}),
    ...(timeoutSeconds ? { timeoutSeconds } : {}), ...(Object.keys(variables).length ? { variables } : {}),
  };
  const r = await client.call<{ callId: string }>('POST', '/v1/calls', body);
  if (!r.ok) return (io.stderr.write(`hushgate dial: ${describeError(r)}\n`), 1);
  io.stdout.write(`${r.body.callId}\n`);
  if (!args.wait) return 0;
  let last = '';
  let answered = false;
  for (;;) {
    const s = await client.call<{ state: string; sipStatus: number | null }>('GET', `/v1/calls/${encodeURIComponent(r.body.callId)}`);
    if (!s.ok) return (io.stderr.write(`hushgate dial: ${describeError(s)}\n`), 1);
    const line = `${s.body.state}${s.body.sipStatus ? ` ${s.body.sipStatus}` : ''}`;
    if (line !== last) io.stdout.write(`${line}\n`);
    last = line;
    if (s.body.state === 'answered') answered = true;
    if (FINAL.has(s.body.state)) return answered || s.body.state === 'ended' ? 0 : 1;
    await sleep(POLL_MS);
  }
}

export function registerDialCommand(program: Command): void {
  const dial = program
    .command('dial')
    .description('place an outbound call through a trunk; the application runs when it is answered')
    .argument('<target>', 'sip:number@trunk-host, tel:+number or +E164')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--application <id>', 'application to run when answered')
    .option('--from <number>', "caller ID (E.164) the trunk's callerId rules allow")
    .option('--trunk <name>', 'trunk to use (default: the first the account may use)')
    .option('--timeout <seconds>', 'ring time before the call counts as not answered (default 60)')
    .option('--var <name=value...>', "variables for the application's dialog")
    .option('--wait', 'follow the call and print its states until it is over');
  apiOptionHelp(dial);
  dial.action(async (target: string, opts: DialArgs) => {
    process.exitCode = await runDial(target, opts, { stdout: process.stdout, stderr: process.stderr });
  });
}
