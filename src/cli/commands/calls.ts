/**
 * `hushgate calls recent | story CALL_ID | hangup CALL_ID`: the console's Calls view from a terminal,
 * through the same admin API routes (`calls:read`; hang-up needs `calls:write` and is audited).
 * Output is JSON (one call per line for `recent`); numbers come obfuscated and transcripts redacted
 * by the API. Exit codes: 0 done, 1 refused or unreachable (the reason on stderr).
 */
import type { Command } from 'commander';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo } from './erase.js';

export type CallsArgs = ApiOptions & { limit?: string };

export async function runCalls(what: 'recent' | 'story' | 'hangup', callId: string | undefined, args: CallsArgs, io: CliIo): Promise<number> {
  const client = new ApiClient(args);
  const id = encodeURIComponent(callId ?? '');
  const r =
    what === 'recent' ? await client.call<unknown[]>('GET', `/v1/calls/recent?limit=${encodeURIComponent(args.limit ?? '50')}`)
    : what === 'story' ? await client.call('GET', `/v1/calls/${id}/story`)
    : await client.call('POST', `/v1/calls/${id}/hangup`);
  if (!r.ok) return (io.stderr.write(`hushgate calls ${what}: ${describeError(r)}\n`), 1);
  if (what === 'recent') for (const c of r.body as unknown[]) io.stdout.write(JSON.stringify(c) + '\n');
  else io.stdout.write(JSON.stringify(r.body, null, 2) + '\n');
  return 0;
}

export function registerCallsCommand(program: Command): void {
  const calls = program.command('calls').description('live and recent calls (the console\'s Calls view)');
  const io = () => ({ stdout: process.stdout, stderr: process.stderr });
  const recent = calls.command('recent').description('live and recently ended calls, newest first, one JSON line each').option('--limit <n>', 'at most this many', '50');
  apiOptionHelp(recent);
  recent.action(async (opts: CallsArgs) => void (process.exitCode = await runCalls('recent', undefined, opts, io())));
  const story = calls.command('story <callId>').description('a call\'s timeline: turns with redacted transcripts, key counts, transfers, media quality');
  apiOptionHelp(story);
  story.action(async (callId: string, opts: CallsArgs) => void (process.exitCode = await runCalls('story', callId, opts, io())));
  const hangup = calls.command('hangup <callId>').description('hang up a live call (BYE from the gateway; audited)');
  apiOptionHelp(hangup);
  hangup.action(async (callId: string, opts: CallsArgs) => void (process.exitCode = await runCalls('hangup', callId, opts, io())));
}
