/**
 * The warm-decoder helper (`ps-helper.c`) built against libpocketsphinx by the speech module's
 * helper builder (../native-helper.ts: once per source version, into a private cache directory).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildHelper, sourceNextTo, type HelperBuild } from '../native-helper.js';

export { defaultHelperCacheDir, resetHelperBuildCache, type HelperBuild } from '../native-helper.js';

const run = promisify(execFile);

export function helperSourcePath(): string {
  return sourceNextTo(import.meta.url, 'pocketsphinx', 'ps-helper.c');
}

async function flags(): Promise<string[]> {
  try {
    const { stdout } = await run('pkg-config', ['--cflags', '--libs', 'pocketsphinx', 'sphinxbase']);
    return stdout.trim().split(/\s+/);
  } catch {
    return ['-I/usr/include/pocketsphinx', '-I/usr/include/sphinxbase', '-I/usr/include/x86_64-linux-gnu/sphinxbase', '-lpocketsphinx', '-lsphinxbase'];
  }
}

export function buildPsHelper(opts: { cacheDir?: string; compiler?: string } = {}): Promise<HelperBuild> {
  return buildHelper({ name: 'ps-helper', source: helperSourcePath(), flags, needs: 'libpocketsphinx-dev' }, opts);
}
