/**
 * Runs baresip (Debian `baresip-core`, v1.0) headless as a real SIP UAC that nobody here wrote:
 * plays a WAV into the call (`aufile`), records both directions (`sndfile`: `*-enc.wav` is what it
 * sent, `*-dec.wav` what it heard), and prints its SIP trace (`-s`) so tests can see the SDP it
 * offered. The call ends when the WAV is finished (aufile reports end of file and baresip hangs up)
 * or after `seconds`.
 *
 * Config notes: `net_interface 127.0.0.1` keeps it on loopback; the player is ALSA's `null`
 * device; `sip_cafile` is the CA that verifies the gateway's certificate; the account's
 * `mediaenc=srtp-mand` makes it offer RTP/SAVP with SDES keys and refuse plain RTP.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BaresipOptions {
  /** What to dial, e.g. `sip:echo@127.0.0.1:5061;transport=tls`. */
  target: string;
  /** WAV (8 kHz mono 16-bit) played into the call. */
  wav: string;
  /** CA file for verifying the gateway's TLS certificate. */
  caFile?: string;
  /** `srtp-mand` (default), `srtp`, or `none`. */
  mediaenc?: 'srtp-mand' | 'srtp' | 'none';
  transport?: 'tls' | 'udp' | 'tcp';
  seconds?: number;
  /** Digest credentials baresip answers a 401/407 with (`auth_user` / `auth_pass`). */
  auth?: { username: string; password: string };
}

export interface BaresipResult {
  code: number | null;
  output: string;
  /** What baresip sent (after its source) and what it heard, as 16-bit PCM. */
  sent: Int16Array;
  heard: Int16Array;
}

function readPcmWav(path: string): Int16Array {
  const b = readFileSync(path);
  // Find the "data" chunk (sndfile writes a plain 44-byte header, but do not rely on it).
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'data') {
      const n = Math.min(size, b.length - off - 8) >> 1;
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = b.readInt16LE(off + 8 + 2 * i);
      return out;
    }
    off += 8 + size + (size & 1);
  }
  return new Int16Array(0);
}

export async function runBaresip(o: BaresipOptions): Promise<BaresipResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  const rec = join(dir, 'rec');
  mkdirSync(rec);
  const transport = o.transport ?? 'tls';
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      'sip_listen 127.0.0.1:0',
      ...(o.caFile ? [`sip_cafile ${o.caFile}`] : []),
      'net_interface 127.0.0.1',
      'audio_player alsa,null',
      'audio_alert alsa,null',
      `audio_source aufile,${o.wav}`,
      'audio_buffer 20-160',
      'jitter_buffer_delay 1-10',
      'rtp_stats yes',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module alsa.so',
      'module aufile.so',
      'module sndfile.so',
      'module srtp.so',
      'module_tmp account.so',
      'module_app menu.so',
      `snd_path ${rec}`,
      '',
    ].join('\n'),
  );
  const enc = o.mediaenc === 'none' ? '' : `;mediaenc=${o.mediaenc ?? 'srtp-mand'}`;
  const auth = o.auth ? `;auth_user=${o.auth.username};auth_pass=${o.auth.password}` : '';
  writeFileSync(join(dir, 'accounts'), `<sip:tester@127.0.0.1;transport=${transport}>${auth};regint=0;audio_codecs=pcmu${enc}\n`);
  const proc = spawn('baresip', ['-s', '-f', dir, '-t', String(o.seconds ?? 10), '-e', `/dial ${o.target}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const kill = setTimeout(() => proc.kill('SIGKILL'), ((o.seconds ?? 10) + 10) * 1000);
  const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  clearTimeout(kill);
  const files = readdirSync(rec);
  const pick = (suffix: string) => {
    const f = files.find((n) => n.endsWith(suffix));
    return f ? readPcmWav(join(rec, f)) : new Int16Array(0);
  };
  const result = { code, output, sent: pick('-enc.wav'), heard: pick('-dec.wav') };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Every `inline:` SDES key in a text (SDP, SIP trace). */
export function inlineKeys(text: string): string[] {
  return [...text.matchAll(/inline:([A-Za-z0-9+/=]+)/g)].map((m) => m[1]!);
}
