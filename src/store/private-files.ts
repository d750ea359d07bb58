/**
 * Everything the gateway keeps on disk is readable by its own user only: directories 0700, files
 * 0600. Two lines of defence: explicit modes when a file or directory is created (here), and a
 * process umask of 077 set once by the CLI (`PRIVATE_UMASK`), so a file created without an explicit
 * mode (a library's temporary file, SQLite's -wal/-shm) is private too. Data left by an older version
 * (0644 stores, 0755 directories) is tightened at start by `tightenTree`.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_UMASK = 0o077;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) 0700, and refuses an existing `dir` that group or others can
 * enter: it may be shared (`/tmp`, `/var/cache`), so it is not ours to chmod, nor a place for our files.
 */
export function requirePrivateDir(dir: string, what: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) throw new Error(`${what} ${dir} has mode ${mode.toString(8)}: give it a directory of its own, readable by this user only (chmod 700)`);
}

/**
 * Makes sure `path` exists as a 0600 file before a library opens it. SQLite gives its -wal and -shm
 * the mode of the database file, so creating the (empty) database file 0600 first makes all three
 * private whatever the umask. An existing file open to group/others is tightened.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  tighten(path);
}

/** Tightens one path if group or others have any access; returns whether it changed. */
export function tighten(path: string): boolean {
  const st = statSync(path);
  if ((st.mode & 0o077) === 0) return false;
  chmodSync(path, st.mode & 0o700);
  return true;
}

/** SQLite's companions of a database file (they exist only while it is open or after a crash). */
export function sqliteCompanions(path: string): string[] {
  return [`${path}-wal`, `${path}-shm`, `${path}-journal`];
}

/** Tightens the companions of a SQLite file that exist (left 0644 by an older version). */
export function tightenSqliteCompanions(path: string): string[] {
  const changed: string[] = [];
  for (const p of sqliteCompanions(path)) {
    try {
      if (tighten(p)) changed.push(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return changed;
}

/**
 * Walks `root` (not following symbolic links) and removes group/other access from every directory and
 * file in it. Returns the paths it changed, for the caller to log; a missing `root` is nothing to do.
 * Files for which `leaveFile` says true are not touched: key files, whose store refuses loose ones
 * itself (a key that others could read must be rotated, not quietly chmodded).
 */
export function tightenTree(root: string, leaveFile: (path: string) => boolean = () => false): string[] {
  const changed: string[] = [];
  const walk = (path: string): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077 && (st.isDirectory() || !leaveFile(path))) {
      chmodSync(path, st.mode & 0o700);
      changed.push(path);
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return changed;
}
