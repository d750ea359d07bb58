/**
 * Builds the warm-decoder helper (`ps-helper.c`) with the system C compiler against
 * libpocketsphinx, once per source version, into a private cache directory (mode 0700, owned
 * by us). Production may instead ship a prebuilt binary and pass its path (`helperPath`).
 * Compilation runs in a child process, never on the event loop; concurrent builders race
 * safely (compile to a unique temp name, then rename).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type HelperBuild = { ok: true; path: string; built: boolean; buildMs: number } | { ok: false; error: string };

/** The C source: next to this module in `src/`, or found from `dist/` via the repository layout. */
export function helperSourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'ps-helper.c'), join(here, '..', '..', '..', 'src', 'speech', 'pocketsphinx', 'ps-helper.c')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

export function defaultHelperCacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `hushgate-speech-${uid}`);
}

async function ensurePrivateDir(dir: string): Promise<string | undefined> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (st.uid !== uid) return `cache directory ${dir} is not owned by this user`;
  if ((st.mode & 0o022) !== 0) return `cache directory ${dir} is group/world writable`;
  return undefined;
}

let inFlight = new Map<string, Promise<HelperBuild>>();

export function buildPsHelper(opts: { cacheDir?: string; compiler?: string } = {}): Promise<HelperBuild> {
  const cacheDir = opts.cacheDir ?? defaultHelperCacheDir();
  const key = `${cacheDir}\0${opts.compiler ?? ''}`;
  let p = inFlight.get(key);
  if (!p) {
    p = doBuild(cacheDir, opts.compiler ?? process.env['CC'] ?? 'cc');
    inFlight.set(key, p);
    p.then((r) => { if (!r.ok) inFlight.delete(key); });
  }
  return p;
}

async function doBuild(cacheDir: string, compiler: string): Promise<HelperBuild> {
  const t0 = performance.now();
  let source: Buffer;
  try {
    source = await readFile(helperSourcePath());
  } catch {
    return { ok: false, error: `ps-helper.c not found at ${helperSourcePath()}` };
  }
  const dirProblem = await ensurePrivateDir(cacheDir).catch((e: Error) => e.message);
  if (dirProblem) return { ok: false, error: dirProblem };
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const target = join(cacheDir, `ps-helper-${digest}`);
  if (existsSync(target)) return { ok: true, path: target, built: false, buildMs: performance.now() - t0 };

  let flags: string[];
  try {
    const { stdout } = await run('pkg-config', ['--cflags', '--libs', 'pocketsphinx', 'sphinxbase']);
    flags = stdout.trim().split(/\s+/);
  } catch {
    flags = ['-I/usr/include/pocketsphinx', '-I/usr/include/sphinxbase', '-I/usr/include/x86_64-linux-gnu/sphinxbase', '-lpocketsphinx', '-lsphinxbase'];
  }
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await run(compiler, ['-O2', '-o', tmp, helperSourcePath(), ...flags], { timeout: 120_000 });
    await chmod(tmp, 0o700);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const msg = (e as { stderr?: string }).stderr?.split('\n').slice(0, 3).join(' ') ?? String(e);
    return { ok: false, error: `cannot build ps-helper (need a C compiler and libpocketsphinx-dev): ${msg}` };
  }
  return { ok: true, path: target, built: true, buildMs: performance.now() - t0 };
}

/** For tests: forget memoised builds. */
export function resetHelperBuildCache(): void {
  inFlight = new Map();
}
