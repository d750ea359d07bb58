/**
 * `hushgate import ibm-tenants FILE --account A [--region R] [--out FILE] [--apply --url … --key …]`
 * Reads an IBM Voice Gateway multi-tenant JSON file and maps each tenant to an application. Prints the
 * configuration (`accounts:` YAML) to stdout or `--out` (mode 0600: it holds the tenants' credentials),
 * or with `--apply` creates the applications through the admin API. The report of what could not be
 * mapped (JSON paths, never values) goes to stderr. Exit codes: 0 done, 2 unreadable or invalid input,
 * 1 refused or nothing imported (every tenant skipped).
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { ensurePrivateFile } from '../../store/index.js';
import { stringify } from 'yaml';
import { importIbmTenants, formatImportReport } from '../../tenancy/index.js';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo } from './erase.js';

export interface ImportArgs extends ApiOptions {
  account: string;
  region?: string;
  out?: string;
  apply?: boolean;
}

export async function runImportIbm(file: string, args: ImportArgs, io: CliIo): Promise<number> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return (io.stderr.write(`hushgate import: cannot read ${file}: ${(e as Error).message}\n`), 2);
  }
  const r = importIbmTenants(json, { region: args.region });
  if (!r.ok) return (io.stderr.write(`hushgate import: ${r.error}\n`), 2);
  io.stderr.write(formatImportReport(r.value.reports));
  if (r.value.inputs.length === 0) return (io.stderr.write(`hushgate import: nothing imported (${r.value.reports.length} tenant(s), all skipped)\n`), 1);
  if (!args.apply) {
    const yaml = stringify({ accounts: [{ id: args.account, applications: r.value.inputs }] });
    if (args.out) (ensurePrivateFile(args.out), writeFileSync(args.out, yaml, { mode: 0o600 })); // 0600 even if it existed looser
    else io.stdout.write(yaml);
    return 0;
  }
  const client = new ApiClient(args);
  const acc = await client.call('GET', `/v1/accounts/${encodeURIComponent(args.account)}`);
  if (!acc.ok && acc.status === 404) {
    const made = await client.call('POST', '/v1/accounts', { id: args.account });
    if (!made.ok) return (io.stderr.write(`hushgate import: account ${args.account}: ${describeError(made)}\n`), 1);
  } else if (!acc.ok) return (io.stderr.write(`hushgate import: ${describeError(acc)}\n`), 1);
  let failed = 0;
  for (const app of r.value.inputs) {
    const res = await client.call('POST', `/v1/accounts/${encodeURIComponent(args.account)}/applications`, app);
    if (res.ok) io.stderr.write(`created application ${String(app.id)}\n`);
    else (failed++, io.stderr.write(`application ${String(app.id)}: ${describeError(res)}\n`));
  }
  return failed ? 1 : 0;
}

export function registerImportCommand(program: Command): void {
  const imp = program.command('import').description('import configuration from other gateways');
  const ibm = imp
    .command('ibm-tenants <file>')
    .description('map an IBM Voice Gateway multi-tenant JSON file to applications and report what could not be mapped')
    .requiredOption('--account <id>', 'the account the applications go into')
    .option('--region <name>', 'region for every imported application')
    .option('-o, --out <file>', 'write the YAML here (mode 0600) instead of stdout')
    .option('--apply', 'create the applications through the admin API instead of printing YAML');
  apiOptionHelp(ibm);
  ibm.action(async (file: string, opts: ImportArgs) => {
    process.exitCode = await runImportIbm(file, opts, { stdout: process.stdout, stderr: process.stderr });
  });
}
