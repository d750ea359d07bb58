/**
 * A fleet on loopback for the tests in test/fleet: a throw-away PostgreSQL database
 * (`hushgate_fleet_<random>`, dropped after), N gateway processes sharing it and one key directory,
 * and Kamailio with the shipped `deploy/kamailio/kamailio.cfg` dispatching over them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, startGateway, type RunningGateway } from './gateway-process.js';
import { freePort, freeUdpRange } from './ports.js';
import { startKamailio, type RunningKamailio } from './kamailio.js';
import { createTempDatabase, type TempDatabase } from '../store/pg-helper.js';
import { parseConfig } from '../../src/config/load.js';
import { runKeyCreate } from '../../src/cli/commands/keys.js';
import { Writable } from 'node:stream';

export interface FleetOptions {
  nodes: number;
  /** Accounts (the config file's, seeded by every node). */
  accounts: unknown[];
  /** Extra config for every node (merged over the fleet's). */
  config?: Record<string, unknown>;
  /** Start Kamailio in front (default true). */
  front?: boolean;
  /** RTP ports per node (two a call; default 400). */
  rtpPorts?: number;
}

export interface RunningFleet {
  db: TempDatabase;
  keysDir: string;
  nodes: RunningGateway[];
  nodeIds: string[];
  front?: RunningKamailio;
  /** An admin API key with every scope (created straight in the shared store, as `keys create --local`). */
  adminKey(): Promise<string>;
  /** `GET`/`POST` against a node's admin API with the fleet's key. */
  api(node: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

function sink() {
  let text = '';
  return { w: new Writable({ write(c, _e, cb) { text += String(c); cb(); } }), text: () => text };
}

export async function startFleet(o: FleetOptions): Promise<RunningFleet> {
  const db = await createTempDatabase('hushgate_fleet');
  const keysDir = mkdtempSync(join(tmpdir(), 'hushgate-fleet-keys-'));
  const nodes: RunningGateway[] = [];
  const nodeIds: string[] = [];
  const base = {
    keysDir,
    regions: { default: { store: { kind: 'postgres', url: db.url } } },
    fleet: { heartbeatSeconds: 0.5, erasureWaitSeconds: 5 },
    accounts: o.accounts,
    ...o.config,
  };
  let front: RunningKamailio | undefined;
  const listDir = mkdtempSync(join(tmpdir(), 'hushgate-fleet-ds-'));
  try {
    // One after the other: the first creates the schema and the key files the others then share.
    for (let i = 0; i < o.nodes; i++) {
      const id = `node-${String.fromCharCode(97 + i)}`;
      // Room for 200 calls per node (two ports a call): the 40-port default would refuse calls with 503 under load.
      const ports = o.rtpPorts ?? 400;
      const rtp = await freeUdpRange(ports);
      nodes.push(await startGateway({ ...base, node: { id }, media: { rtpPortMin: rtp, rtpPortMax: rtp + ports - 1 } }));
      nodeIds.push(id);
    }
    if (o.front !== false) {
      const list = nodes.map((n, i) => `1 sip:127.0.0.1:${n.sipPort};transport=tcp 0 0 duid=${nodeIds[i]}`).join('\n') + '\n';
      writeFileSync(join(listDir, 'dispatcher.list'), list);
      front = await startKamailio(join(REPO, 'deploy/kamailio/kamailio.cfg'), {}, {
        port: await freePort(), // UDP and TCP
        defines: { DS_LIST: `"${join(listDir, 'dispatcher.list')}"`, DS_PING_INTERVAL: 1, CHILDREN: 2, FR_TIMEOUT_MS: 1500 },
      });
    }
  } catch (e) {
    for (const n of nodes) await n.stop('SIGKILL');
    await db.drop();
    throw e;
  }
  let key: string | undefined;
  const fleet: RunningFleet = {
    db, keysDir, nodes, nodeIds, front,
    async adminKey() {
      if (key) return key;
      const cfg = parseConfig({ ...base, dataDir: mkdtempSync(join(tmpdir(), 'hushgate-fleet-cli-')) });
      const out = sink();
      const err = sink();
      const code = await runKeyCreate({ name: 'fleet-test', scopes: 'all', local: true }, { stdout: out.w, stderr: err.w }, () => cfg);
      if (code !== 0) throw new Error(`keys create --local failed: ${err.text()}`);
      key = out.text().trim();
      return key;
    },
    async api(node, method, path, body) {
      const k = await fleet.adminKey();
      const r = await fetch(`http://127.0.0.1:${nodes[node]!.adminPort}${path}`, {
        method, headers: { authorization: `Bearer ${k}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, body: parsed };
    },
    async stop() {
      await front?.stop();
      for (const n of nodes) await n.stop('SIGTERM', 20_000).catch(() => undefined);
      rmSync(listDir, { recursive: true, force: true });
      rmSync(keysDir, { recursive: true, force: true });
      await db.drop();
    },
  };
  return fleet;
}

export interface CallOutcome {
  callId: string;
  /** When SIPp first sent the INVITE (ms since the epoch). */
  invitedAt: number;
  /** The SIP port of the node whose 200 OK answered it (its Contact), when one did. */
  nodePort?: number;
  ok: boolean;
  /** Final responses other than 200 (e.g. 503, 408). */
  failures: string[];
}

/**
 * Per call, from SIPp's message trace (`-trace_msg`): when its INVITE left, which node answered it
 * (the 200's Contact port) and whether its BYE got 200 (the call completed).
 */
export function callOutcomes(messages: string): CallOutcome[] {
  const calls = new Map<string, CallOutcome>();
  const blocks = messages.split(/^-{20,}\s*/m).filter((b) => b.trim());
  for (const block of blocks) {
    const ts = /^(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2}(?:\.\d+)?)/.exec(block);
    const at = ts ? new Date(`${ts[1]}T${ts[2]!.slice(0, 12)}`).getTime() : NaN;
    const sent = /message sent/i.test(block.slice(0, 200));
    const callId = /^Call-ID:\s*(\S+)/im.exec(block)?.[1];
    const cseq = /^CSeq:\s*\d+\s+(\w+)/im.exec(block)?.[1];
    if (!callId) continue;
    let c = calls.get(callId);
    if (!c) {
      c = { callId, invitedAt: NaN, ok: false, failures: [] };
      calls.set(callId, c);
    }
    const status = /^SIP\/2\.0 (\d{3})/m.exec(block)?.[1];
    if (sent && !status && cseq === 'INVITE' && Number.isNaN(c.invitedAt)) c.invitedAt = at;
    if (!sent && status) {
      if (cseq === 'INVITE' && status === '200') {
        const contact = /^(?:Contact|m):[^\n]*?:(\d+)[;>]/im.exec(block);
        if (contact) c.nodePort = Number(contact[1]);
      }
      if (cseq === 'BYE' && status === '200') c.ok = true;
      if (Number(status) >= 300) c.failures.push(`${cseq} ${status}`);
    }
  }
  return [...calls.values()];
}
