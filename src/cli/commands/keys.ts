/**
 * `hushgate keys create --name N --scopes a,b [--account A] [--rate-per-minute R]` (through the API), or
 * with `--local [-c config]` written straight into the control region's store: the bootstrap path,
 * since the first key cannot be created with a key. The token is printed once, on stdout.
 * `hushgate keys list`, `hushgate keys revoke ID`. Exit codes: 0 done, 2 bad arguments, 1 failure.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import type { Config } from '../../config/index.js';
import { openStore } from '../../store/index.js';
import { ApiKeyStore } from '../../admin/index.js';
import { isScope, SCOPES, type Scope } from '../../admin/index.js';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo } from './erase.js';

export interface KeyCreateArgs extends ApiOptions {
  name: string;
  scopes: string;
  account?: string;
  ratePerMinute?: string;
  local?: boolean;
  config?: string;
}

function parseScopes(s: string): { ok: true; value: Scope[] } | { ok: false; error: string } {
  const list = s === 'all' ? [...SCOPES] : s.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.filter((x) => !isScope(x));
  if (bad.length || !list.length) return { ok: false, error: `unknown scope(s): ${bad.join(', ') || '(none)'}; choose from ${SCOPES.join(', ')} or "all"` };
  return { ok: true, value: list as Scope[] };
}

/** Opens the control region's store of a configuration (the first region unless `tenancy.region`). */
export async function openControlStore(cfg: Config) {
  const region = cfg.tenancy.region ?? Object.keys(cfg.regions)[0]!;
  return openStore(region, cfg.regions[region]!.store, cfg.dataDir);
}

export async function runKeyCreate(args: KeyCreateArgs, io: CliIo, load: (f: string | undefined) => Config = loadConfig): Promise<number> {
  const scopes = parseScopes(args.scopes);
  if (!scopes.ok) return (io.stderr.write(`hushgate keys create: ${scopes.error}\n`), 2);
  const rate = args.ratePerMinute ? Number(args.ratePerMinute) : undefined;
  if (rate !== undefined && !(Number.isInteger(rate) && rate > 0)) return (io.stderr.write('hushgate keys create: --rate-per-minute must be a positive integer\n'), 2);
  if (args.local) {
    let cfg: Config;
    try {
      cfg = load(args.config ?? process.env.HUSHGATE_CONFIG);
    } catch (e) {
      return (io.stderr.write(`${(e as Error).message}\n`), 2);
    }
    const store = await openControlStore(cfg);
    try {
      const keys = await ApiKeyStore.open(store);
      const { key, token } = await keys.create({ name: args.name, scopes: scopes.value, accountId: args.account ?? null, ratePerMinute: rate ?? null });
      await store.audit({ actor: 'cli-local', action: 'createKey', target: `/v1/keys/${key.id}`, details: { scopes: key.scopes, accountId: key.accountId } });
      io.stdout.write(`${token}\n`);
      io.stderr.write(`created key ${key.id} (${key.scopes.join(', ')}); the token above is not shown again\n`);
      return 0;
    } finally {
      await store.close();
    }
  }
  const r = await new ApiClient(args).call<{ key: { id: string; scopes: string[] }; token: string }>('POST', '/v1/keys', {
    name: args.name, scopes: scopes.value, ...(args.account ? { accountId: args.account } : {}), ...(rate ? { ratePerMinute: rate } : {}),
  });
  if (!r.ok) return (io.stderr.write(`hushgate keys create: ${describeError(r)}\n`), 1);
  io.stdout.write(`${r.body.token}\n`);
  io.stderr.write(`created key ${r.body.key.id} (${r.body.key.scopes.join(', ')}); the token above is not shown again\n`);
  return 0;
}

export function registerKeysCommand(program: Command): void {
  const io = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });
  const keys = program.command('keys').description('admin API keys');
  const create = keys
    .command('create')
    .description('create an API key and print its token once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}; or "all"`)
    .option('--account <id>', 'restrict the key to one account')
    .option('--rate-per-minute <n>', 'requests per minute for this key')
    .option('--local', 'write to the store directly (bootstrap: no key needed; run on the gateway host)')
    .option('-c, --config <file>', 'with --local: YAML configuration file (default: $HUSHGATE_CONFIG)');
  apiOptionHelp(create);
  create.action(async (opts: KeyCreateArgs) => {
    process.exitCode = await runKeyCreate(opts, io());
  });
  const list = keys.command('list').description('list keys (never their tokens)');
  apiOptionHelp(list);
  list.action(async (opts: ApiOptions) => {
    const r = await new ApiClient(opts).call<unknown[]>('GET', '/v1/keys');
    if (!r.ok) return void ((process.exitCode = 1), process.stderr.write(`hushgate keys list: ${describeError(r)}\n`));
    process.stdout.write(JSON.stringify(r.body, null, 2) + '\n');
  });
  const revoke = keys.command('revoke <id>').description('revoke a key at once');
  apiOptionHelp(revoke);
  revoke.action(async (id: string, opts: ApiOptions) => {
    const r = await new ApiClient(opts).call('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
    if (!r.ok) return void ((process.exitCode = 1), process.stderr.write(`hushgate keys revoke: ${describeError(r)}\n`));
    process.stderr.write(`revoked ${id}\n`);
  });
}
