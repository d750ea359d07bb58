/**
 * `hushgate apps list [--account A]` and `hushgate apps add --account A (--file app.yaml | --id ID --number N…)`
 * through the admin API. `--file` takes an application exactly as under `accounts[].applications[]`
 * in the configuration file (YAML or JSON). Exit codes: 0 done, 2 bad arguments, 1 refused or failed.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo } from './erase.js';

export interface AppsAddArgs extends ApiOptions {
  account: string;
  file?: string;
  id?: string;
  number?: string[];
  mode?: string;
  region?: string;
}

export async function runAppsList(args: ApiOptions & { account?: string }, io: CliIo): Promise<number> {
  const r = await new ApiClient(args).call<{ id: string; accountId: string; mode: string; region: string; numbers: string[]; source: string }[]>(
    'GET', `/v1/applications${args.account ? `?accountId=${encodeURIComponent(args.account)}` : ''}`,
  );
  if (!r.ok) return (io.stderr.write(`hushgate apps list: ${describeError(r)}\n`), 1);
  for (const a of r.body) io.stdout.write(`${a.accountId}\t${a.id}\t${a.mode}\t${a.region}\t${a.source}\t${a.numbers.join(',')}\n`);
  return 0;
}

export async function runAppsAdd(args: AppsAddArgs, io: CliIo): Promise<number> {
  let body: Record<string, unknown>;
  if (args.file) {
    try {
      body = parseYaml(readFileSync(args.file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      return (io.stderr.write(`hushgate apps add: cannot read ${args.file}: ${(e as Error).message}\n`), 2);
    }
  } else if (args.id) {
    body = { id: args.id, numbers: args.number ?? [], ...(args.mode ? { mode: args.mode } : {}), ...(args.region ? { region: args.region } : {}) };
  } else {
    return (io.stderr.write('hushgate apps add: give --file or --id\n'), 2);
  }
  const r = await new ApiClient(args).call<{ id: string }>('POST', `/v1/accounts/${encodeURIComponent(args.account)}/applications`, body);
  if (!r.ok) return (io.stderr.write(`hushgate apps add: ${describeError(r)}\n`), 1);
  io.stdout.write(JSON.stringify(r.body, null, 2) + '\n');
  return 0;
}

export function registerAppsCommand(program: Command): void {
  const io = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });
  const apps = program.command('apps').description('applications (through the admin API)');
  const list = apps.command('list').description('list applications: account, id, mode, region, source, numbers').option('--account <id>', 'only this account');
  apiOptionHelp(list);
  list.action(async (opts: ApiOptions & { account?: string }) => {
    process.exitCode = await runAppsList(opts, io());
  });
  const add = apps
    .command('add')
    .description('create an application; the next call to its numbers reaches it')
    .requiredOption('--account <id>', 'account id')
    .option('-f, --file <file>', 'the application as YAML/JSON (as in the configuration file)')
    .option('--id <id>', 'application id (without --file)')
    .option('--number <n...>', 'numbers (without --file)')
    .option('--mode <mode>', 'hold | loopback | agent (without --file)')
    .option('--region <name>', 'region (without --file)');
  apiOptionHelp(add);
  add.action(async (opts: AppsAddArgs) => {
    process.exitCode = await runAppsAdd(opts, io());
  });
}
