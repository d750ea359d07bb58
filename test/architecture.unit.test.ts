/**
 * The layer map holds (test/helpers/layer-rules.ts): every import in src/ goes down a layer,
 * no modules import each other in a cycle, and other modules are reached through their index.ts.
 * Reads files only. The rules are first shown to fire on a small made-up tree, so a silent checker
 * cannot pass the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkLayers, importsOf, readSources, LAYERS } from './helpers/layer-rules.js';

const src = join(import.meta.dirname, '..', 'src');

test('the rules fire on a made-up tree, each message naming file, import and rule', () => {
  const files = new Map([
    ['sip/stack.ts', "import { Call } from '../call/index.js';\nexport const x = 1;"],
    ['call/index.ts', "export { Call } from './call.js';"],
    ['call/call.ts', "import type { InviteServerSession } from '../sip/invite-session.js';\nexport class Call {}"],
    ['nowhere/thing.ts', "import { x } from '../sip/index.js';"],
  ]);
  const v = checkLayers(files);
  const byRule = (rule: string) => v.filter((x) => x.rule === rule).map((x) => x.message);
  assert.deepEqual(byRule('layer'), ["src/sip/stack.ts imports '../call/index.js': sip (layer 2) may not import call (layer 6) (rule: imports go to a lower layer only)"]);
  assert.deepEqual(byRule('surface'), [
    "src/call/call.ts imports '../sip/invite-session.js': a file inside sip/ (rule: import another module through its index.ts, '../sip/index.js')",
  ]);
  assert.deepEqual(byRule('cycle'), [
    "modules import each other in a cycle call → sip → call: src/call/call.ts imports '../sip/invite-session.js'; src/sip/stack.ts imports '../call/index.js' (rule: no cycles between modules)",
  ]);
  assert.match(byRule('unmapped').join(), /module "nowhere" has no layer/);
});

test('imports are read from the syntax: type queries and dynamic imports count, comments and strings do not', () => {
  const text = [
    "// import { a } from '../media/index.js'",
    "const s = \"from '../store/index.js'\";",
    "import type { A } from '../sdp/index.js';",
    "export { b } from '../sdp/parse.js';",
    "type U = import('../media/vad/endpointer.js').Utterance;",
    "const m = await import('../time/index.js');",
  ].join('\n');
  assert.deepEqual(importsOf('call/x.ts', text).map((e) => e.target), ['sdp/index.ts', 'sdp/parse.ts', 'media/vad/endpointer.ts', 'time/index.ts']);
});

test('src/ keeps the layer map: no upward import, no cycle, no import past a module\'s index.ts', () => {
  const files = readSources(src);
  const modules = new Set([...files.keys()].filter((f) => f.includes('/')).map((f) => f.split('/')[0]));
  assert.deepEqual([...modules].sort(), LAYERS.flat().sort(), 'every module of src/ is in the map, and the map names no module src/ lacks');
  const violations = checkLayers(files);
  assert.equal(violations.length, 0, `\n${violations.map((x) => `  [${x.rule}] ${x.message}`).join('\n')}`);
});
