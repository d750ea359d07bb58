/** Runs SIPp (Debian `sip-tester`) against the gateway and reports what it saw. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';

export const SCENARIOS = resolve(import.meta.dirname, '../sipp/scenarios');

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Contents of the -trace_msg file (every message sent and received). */
  messages: string;
  errors: string;
  /** Successful/failed call counts from the final statistics. */
  successful: number;
  failed: number;
}

export interface SippOptions {
  /** Built-in scenario name (`uac`) or an XML file in test/sipp/scenarios. */
  scenario: string;
  target: string;
  service?: string;
  calls?: number;
  rate?: number;
  transport?: 'u1' | 'un' | 't1' | 'tn';
  extra?: string[];
  timeoutSec?: number;
  /** Port SIPp listens on (a UAS the gateway calls must be known before it starts); default a free one. */
  localPort?: number;
}

/** A UAC scenario that plays RTP captures into the call (`play_pcap_audio`), then hangs up. */
export function pcapScenario(pcaps: { file: string; pauseAfterMs: number }[]): string {
  const plays = pcaps
    .map((p) => `  <nop><action><exec play_pcap_audio="${p.file}"/></action></nop>\n  <pause milliseconds="${p.pauseAfterMs}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="play pcap audio">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [auto_media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
${plays}
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
`;
}

export async function runSipp(o: SippOptions): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const localPort = o.localPort ?? (await freePort());
  const args = [
    ...(o.scenario.endsWith('.xml') ? ['-sf', o.scenario.startsWith('/') ? o.scenario : join(SCENARIOS, o.scenario)] : ['-sn', o.scenario]),
    o.target,
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-m', String(o.calls ?? 1),
    '-r', String(o.rate ?? 10),
    '-t', o.transport ?? 'u1',
    '-timeout', `${o.timeoutSec ?? 30}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_msg', '-message_file', join(dir, 'messages.log'),
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    '-trace_stat', '-stf', join(dir, 'stat.csv'),
    ...(o.service ? ['-s', o.service] : []),
    ...(o.extra ?? []),
  ];
  const proc = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  const read = (f: string) => { try { return readFileSync(join(dir, f), 'utf8'); } catch { return ''; } };
  const statFile = readdirSync(dir).find((f) => f.endsWith('.csv'));
  let successful = 0;
  let failed = 0;
  if (statFile) {
    const lines = read(statFile).trim().split('\n');
    const header = lines[0]!.split(';');
    const last = lines[lines.length - 1]!.split(';');
    successful = Number(last[header.indexOf('SuccessfulCall(C)')]);
    failed = Number(last[header.indexOf('FailedCall(C)')]);
  }
  const result = { code, stdout, stderr, messages: read('messages.log'), errors: read('errors.log'), successful, failed };
  rmSync(dir, { recursive: true, force: true });
  return result;
}
