/**
 * The process's one pool of warm flite helpers, shared by every `FliteTts` (each application's
 * voice, voices switched mid-call): started by the first one that speaks, closed with the last.
 * Two workers by default — the embedded engines are sized for a small machine, and a sentence
 * costs tens of milliseconds of one core. `undefined` when the helper cannot be built or started
 * (no C compiler or flite libraries): `FliteTts` then runs the `flite` command per sentence.
 */
import { buildHelper, sourceNextTo } from '../native-helper.js';
import { FlitePool } from './flite-pool.js';

const VOICE_LIBS = ['slt', 'kal', 'kal16', 'awb', 'rms'].map((v) => `-l:libflite_cmu_us_${v}.so.1`);
/** By soname: Debian's libflite1 has no unversioned .so links without flite1-dev. */
const FLAGS = ['-ffp-contract=off', ...VOICE_LIBS, '-l:libflite_usenglish.so.1', '-l:libflite_cmulex.so.1', '-l:libflite.so.1', '-lm'];

interface Shared {
  pool: Promise<FlitePool | undefined>;
  users: number;
  up?: FlitePool;
}

let shared: Shared | undefined;

/** The helper binary (built once per source version into the private cache directory). */
export function buildFliteHelper(): ReturnType<typeof buildHelper> {
  return buildHelper({ name: 'flite-helper', source: sourceNextTo(import.meta.url, 'flite', 'flite-helper.c'), flags: async () => FLAGS, needs: 'libflite1' });
}

async function startPool(size: number): Promise<FlitePool | undefined> {
  const built = await buildFliteHelper();
  if (!built.ok) return undefined;
  const pool = new FlitePool({ helperPath: built.path, size });
  if (await pool.ready()) return pool;
  await pool.close();
  return undefined;
}

export interface FlitePoolHandle {
  pool: Promise<FlitePool | undefined>;
  /** The pool if it is up now (a synthesis does not wait for it to start). */
  readonly up: FlitePool | undefined;
  release(): Promise<void>;
}

/** A handle on the shared pool; `release()` once, when the user closes. */
export function acquireFlitePool(size = 2): FlitePoolHandle {
  if (!shared) {
    const s: Shared = { pool: startPool(size), users: 0 };
    void s.pool.then((p) => (s.up = p));
    shared = s;
  }
  const mine = shared;
  mine.users++;
  let released = false;
  return {
    pool: mine.pool,
    get up() {
      return released ? undefined : mine.up;
    },
    async release() {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      if (shared === mine) shared = undefined;
      await (await mine.pool)?.close();
    },
  };
}
