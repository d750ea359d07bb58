/**
 * One sentence through the `flite` command: the fallback when the warm helper (flite-helper.c)
 * cannot be built, and the first sentences while it starts. A short-lived process per sentence
 * (voices are compiled in: no model load, but a process start and the whole sentence before any
 * audio). Text reaches flite through a file in a private temporary directory (mode 0700, file
 * 0600, removed at once), never on the command line (other local users can read argv); flite's
 * output goes the same way (it hangs writing to a pipe and cannot read Node's stdin socket).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downsample16kTo8k } from '../audio/resample.js';
import { parseWav } from '../audio/wav.js';

export class FliteCommand {
  private workDir: Promise<string> | undefined;
  private seq = 0;

  constructor(
    private readonly binary: string,
    private readonly timeoutMs: number,
  ) {}

  private dir(): Promise<string> {
    this.workDir ??= mkdtemp(join(tmpdir(), 'hushgate-flite-')); // mkdtemp creates mode 0700
    return this.workDir;
  }

  /** One sentence → PCM16 8 kHz. */
  async render(text: string, voice: string, signal?: AbortSignal, stretch?: number): Promise<Int16Array> {
    const dir = await this.dir();
    const base = join(dir, `s${process.pid}-${++this.seq}`);
    const out = `${base}.wav`;
    const input = `${base}.txt`;
    try {
      await writeFile(input, text + '\n', { mode: 0o600 });
      await new Promise<void>((resolve, reject) => {
        const rate = stretch !== undefined && stretch !== 1 ? ['--setf', `duration_stretch=${stretch.toFixed(3)}`] : [];
        const proc = spawn(this.binary, ['-voice', voice, ...rate, '-f', input, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        proc.stderr.setEncoding('utf8');
        proc.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-300)));
        const timer = setTimeout(() => proc.kill('SIGKILL'), this.timeoutMs);
        const onAbort = (): void => void proc.kill('SIGKILL');
        signal?.addEventListener('abort', onAbort, { once: true });
        proc.on('error', (e) => reject(e));
        proc.on('close', (code, sig) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (code === 0) resolve();
          else reject(new Error(`flite failed (${sig ?? code})${/voice/i.test(stderr) ? ': unknown voice' : ''}`));
        });
      });
      const wav = parseWav(await readFile(out));
      if (!wav.ok) throw new Error(`flite output: ${wav.error}`);
      if (wav.sampleRate === 8000) return wav.samples;
      if (wav.sampleRate === 16000) return downsample16kTo8k(wav.samples);
      throw new Error(`flite output at unsupported rate ${wav.sampleRate}`);
    } finally {
      await Promise.all([rm(out, { force: true }), rm(input, { force: true })]);
    }
  }

  async close(): Promise<void> {
    if (this.workDir) await rm(await this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }
}
