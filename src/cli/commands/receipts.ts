/**
 * `hushgate receipts …`:
 *   verify --region R [--public-key FILE] [--head SEQ:HASH] [-c FILE]
 *       checks the region's chain offline: reads the region store and the region's public key
 *       (`<dataDir>/keys/receipts/<R>.pub`, or an auditor's copy), no gateway and no private key.
 *       Prints the verdict as JSON (the head to pass next time with `--head`). Exit 0 valid, 1 not.
 *   show CALL_ID       one call's receipt, through the admin API (`receipts:read`), or `--local`.
 * Exit 2: bad arguments or configuration.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { RegionStores } from '../../store/index.js';
import { ReceiptStore } from '../../receipts/index.js';
import { regionPublicKey } from '../../receipts/index.js';
import { verifyChain } from '../../receipts/index.js';
import type { StoredReceipt } from '../../receipts/index.js';
import { ApiClient, apiOptionHelp, describeError, type ApiOptions } from '../api-client.js';
import type { CliIo, ConfigLoader } from './erase.js';

export interface VerifyArgs {
  region: string;
  publicKey?: string;
  head?: string;
  config?: string;
}

async function withChains<T>(configFile: string | undefined, load: ConfigLoader, io: CliIo, fn: (chains: Map<string, ReceiptStore>, dataDir: string) => Promise<T>): Promise<T | number> {
  let stores: RegionStores;
  let dataDir: string;
  try {
    const cfg = load(configFile ?? process.env.HUSHGATE_CONFIG);
    dataDir = cfg.dataDir;
    stores = await RegionStores.open(cfg.regions, cfg.dataDir);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    const chains = new Map<string, ReceiptStore>();
    for (const region of stores.regions()) chains.set(region, await ReceiptStore.open(stores.get(region)));
    return await fn(chains, dataDir);
  } finally {
    await stores.close();
  }
}

export async function runVerify(args: VerifyArgs, load: ConfigLoader, io: CliIo): Promise<number> {
  let head: { seq: number; hash: string } | undefined;
  if (args.head !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(args.head);
    if (!m) return (io.stderr.write('hushgate receipts verify: --head must be SEQ:HASH (as printed by an earlier verification)\n'), 2);
    head = { seq: Number(m[1]), hash: m[2]! };
  }
  const r = await withChains(args.config, load, io, async (chains, dataDir) => {
    const chain = chains.get(args.region);
    if (!chain) return (io.stderr.write(`hushgate receipts verify: region "${args.region}" has no store configured\n`), 2);
    let key;
    try {
      key = regionPublicKey(dataDir, args.region, args.publicKey);
    } catch (e) {
      return (io.stderr.write(`hushgate receipts verify: ${(e as Error).message}\n`), 2);
    }
    const v = await verifyChain(args.region, chain.all(), key, head);
    io.stdout.write(JSON.stringify(v, null, 2) + '\n');
    if (!v.ok) io.stderr.write(`receipt chain of region ${args.region} does NOT verify: ${v.problems.length} problem(s)\n`);
    return v.ok ? 0 : 1;
  });
  return r;
}

export interface ShowArgs extends ApiOptions {
  local?: boolean;
  config?: string;
}

function render(r: StoredReceipt) {
  return { ...r, body: JSON.parse(r.body) as unknown, createdAt: new Date(r.createdAt).toISOString() };
}

export async function runShow(callId: string, args: ShowArgs, load: ConfigLoader, io: CliIo): Promise<number> {
  if (args.local) {
    return withChains(args.config, load, io, async (chains) => {
      for (const chain of chains.values()) {
        const r = (await chain.forSubject(callId)).find((x) => x.kind === 'call');
        if (r) return (io.stdout.write(JSON.stringify(render(r), null, 2) + '\n'), 0);
      }
      io.stderr.write(`hushgate receipts show: no receipt for call "${callId}"\n`);
      return 1;
    });
  }
  const r = await new ApiClient(args).call('GET', `/v1/receipts/calls/${encodeURIComponent(callId)}`);
  if (!r.ok) return (io.stderr.write(`hushgate receipts show: ${describeError(r)}\n`), r.status === 400 ? 2 : 1);
  io.stdout.write(JSON.stringify(r.body, null, 2) + '\n');
  return 0;
}

export function registerReceiptsCommand(program: Command, load: ConfigLoader = loadConfig): void {
  const io = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });
  const receipts = program.command('receipts').description('signed privacy receipts: one per call, hash-chained per region');
  receipts
    .command('verify')
    .description("check a region's receipt chain offline (positions, links, hashes, Ed25519 signatures)")
    .requiredOption('--region <name>', 'region whose chain to check')
    .option('--public-key <file>', "the region's public key (PEM); default <dataDir>/keys/receipts/<region>.pub")
    .option('--head <seq:hash>', 'a head printed by an earlier verification: receipts cut off the end are then detected too')
    .option('-c, --config <file>', 'YAML configuration file (default: $HUSHGATE_CONFIG)')
    .action(async (opts: VerifyArgs) => {
      process.exitCode = await runVerify(opts, load, io());
    });
  const show = receipts
    .command('show <callId>')
    .description("print one call's receipt")
    .option('--local', "read the region stores directly instead of calling the API (a stopped gateway's host)")
    .option('-c, --config <file>', 'with --local: YAML configuration file (default: $HUSHGATE_CONFIG)');
  apiOptionHelp(show);
  show.action(async (callId: string, opts: ShowArgs) => {
    process.exitCode = await runShow(callId, opts, load, io());
  });
}
