/**
 * The call layer's shape (issue 15): no file in src/call over 300 lines, and no timer or clock read
 * of its own — every deadline, pause and timestamp goes through the one Clock (src/time/clock.ts),
 * so the unit tests beside this one can drive it with FakeClock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../../helpers/gateway-process.js';

const CALL = join(REPO, 'src/call');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
/** Code only: comments may name what is not used. */
const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

test('no file in src/call is over 300 lines', () => {
  const long = files(CALL).map((f) => [f.slice(REPO.length + 1), readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 300);
  assert.deepEqual(long, []);
});

test('src/call sets no timer and reads no clock except through a Clock', () => {
  const direct = /(^|[^.\w])(setTimeout|setInterval|setImmediate|clearTimeout)\s*\(|AbortSignal\.timeout|performance\.now|Date\.now/;
  const found = files(CALL).filter((f) => code(f).split('\n').some((l) => direct.test(l))).map((f) => f.slice(REPO.length + 1));
  assert.deepEqual(found, []);
});

test('src/call reads no SIP text: no status lines, sipfrag or header parsing of its own', () => {
  const sipText = /SIP\\\/2\\\.0|signal\\s\*=|message\/sipfrag|\.exec\(\s*(contact|req\.body|body)/i;
  const found = files(CALL).filter((f) => sipText.test(code(f))).map((f) => f.slice(REPO.length + 1));
  assert.deepEqual(found, []);
});
