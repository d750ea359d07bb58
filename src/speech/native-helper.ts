/**
 * Builds a speech engine's warm helper (a small C program next to its TypeScript: ps-helper.c,
 * flite-helper.c) with the system C compiler, once per source version, into a private cache
 * directory (mode 0700, owned by us). Production may instead ship prebuilt binaries and pass their
 * paths. Compilation runs in a child process, never on the event loop; concurrent builders race
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

export interface HelperSpec {
  /** Binary name prefix in the cache (`ps-helper`). */
  name: string;
  /** The C source's path (see `sourceNextTo`). */
  source: string;
  /** Compiler and linker flags (after the source). */
  flags: () => Promise<string[]>;
  /** Appended to a build failure: what the build needs (`libpocketsphinx-dev`). */
  needs: string;
}

/** A C source next to the calling module in `src/`, or found from `dist/` via the repository layout. */
export function sourceNextTo(moduleUrl: string, subdir: string, file: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, file), join(here, '..', '..', '..', 'src', 'speech', subdir, file)];
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

export function buildHelper(spec: HelperSpec, opts: { cacheDir?: string; compiler?: string } = {}): Promise<HelperBuild> {
  const cacheDir = opts.cacheDir ?? defaultHelperCacheDir();
  const key = `${spec.name}\0${cacheDir}\0${opts.compiler ?? ''}`;
  let p = inFlight.get(key);
  if (!p) {
    p = doBuild(spec, cacheDir, opts.compiler ?? process.env['CC'] ?? 'cc');
    inFlight.set(key, p);
    p.then((r) => { if (!r.ok) inFlight.delete(key); });
  }
  return p;
}

async function doBuild(spec: HelperSpec, cacheDir: string, compiler: string): Promise<HelperBuild> {
  const t0 = performance.now();
  let source: Buffer;
  try {
    source = await readFile(spec.source);
  } catch {
    return { ok: false, error: `${spec.name}.c not found at ${spec.source}` };
  }
  const dirProblem = await ensurePrivateDir(cacheDir).catch((e: Error) => e.message);
  if (dirProblem) return { ok: false, error: dirProblem };
  const flags = await spec.flags();
  const digest = createHash('sha256').update(source).update(flags.join(' ')).digest('hex').slice(0, 16);
  const target = join(cacheDir, `${spec.name}-${digest}`);
  if (existsSync(target)) return { ok: true, path: target, built: false, buildMs: performance.now() - t0 };
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await run(compiler, ['-O2', '-o', tmp, spec.source, ...flags], { timeout: 120_000 });
    await chmod(tmp, 0o700);
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const msg = (e as { stderr?: string }).stderr?.split('\n').slice(0, 3).join(' ') ?? String(e);
    return { ok: false, error: `cannot build ${spec.name} (need a C compiler and ${spec.needs}): ${msg}` };
  }
  return { ok: true, path: target, built: true, buildMs: performance.now() - t0 };
}

/** For tests: forget memoised builds. */
export function resetHelperBuildCache(): void {
  inFlight = new Map();
}
