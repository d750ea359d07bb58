/**
 * The layer map of `src/` and the rules the architecture test enforces, over source text only (no
 * compilation, no sockets). A module is a directory directly under `src/`; its `index.ts` is its
 * public surface.
 *
 *   layer      an import goes to a module of a LOWER layer only (not up, not sideways)
 *   cycle      no chain of imports between modules returns to where it started
 *   surface    another module is imported through its `index.ts`, never a file inside it
 *   unmapped   every module has a place in the map
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** Bottom first. Derived from the imports as they were when the map was written; keep it a DAG. */
export const LAYERS: readonly (readonly string[])[] = [
  ['time', 'result', 'log'], //                 0 foundation: one Clock, one Result, the logger
  ['http', 'store', 'privacy'], //              1 infrastructure: outbound HTTP, storage, PII engine
  ['sip', 'sdp', 'media'], //                   2 protocols: signalling, session description, RTP/SRTP
  ['dialog', 'speech', 'events'], //            3 services: dialog providers, STT/TTS, event forwarding
  ['training', 'receipts'], //                  4 data lifecycle: capture, retention, erasure; privacy receipts
  ['tenancy', 'fleet', 'recordings'], //        5 accounts, applications, numbers → routes; a node's part in a fleet; call recordings at rest
  ['call', 'config'], //                        6 the call, the configuration
  ['admin'], //                                 7 the admin API (reads calls' stories and media figures)
  ['gateway', 'softphone'], //                  8 composition: the gateway process, the test phone
  ['cli'], //                                   9 the command line
];

export interface Violation {
  rule: 'layer' | 'cycle' | 'surface' | 'unmapped';
  file: string;
  specifier: string;
  message: string;
}

export interface ImportEdge {
  /** Path relative to src/, posix separators. */
  file: string;
  specifier: string;
  /** Resolved target relative to src/. */
  target: string;
}

const layerOf = new Map(LAYERS.flatMap((mods, i) => mods.map((m) => [m, i] as const)));
export const moduleOf = (path: string): string => path.split('/')[0]!;

/** Relative imports of one file: import/export … from, `import('…')` calls and type queries. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const edges: ImportEdge[] = [];
  const add = (spec: string): void => {
    if (!spec.startsWith('.')) return;
    const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
    edges.push({ file, specifier: spec, target });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) add(node.argument.literal.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) add(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** Every rule over a set of files (path relative to src/ → text). */
export function checkLayers(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  const moduleEdges = new Map<string, Map<string, ImportEdge>>(); // from → to → first edge
  const unmapped = new Set<string>();
  for (const [file, text] of files) {
    const from = moduleOf(file);
    if (!file.includes('/')) continue; // a file directly in src/ belongs to no module
    if (!layerOf.has(from) && !unmapped.has(from)) {
      unmapped.add(from);
      violations.push({ rule: 'unmapped', file, specifier: '', message: `src/${file}: module "${from}" has no layer in test/helpers/layer-rules.ts LAYERS (rule: every module has a place in the map)` });
    }
    for (const edge of importsOf(file, text)) {
      const to = moduleOf(edge.target);
      if (to === from || edge.target.startsWith('..')) continue;
      const byTarget = moduleEdges.get(from) ?? new Map<string, ImportEdge>();
      if (!byTarget.has(to)) byTarget.set(to, edge);
      moduleEdges.set(from, byTarget);
      const where = `src/${file} imports '${edge.specifier}'`;
      if (edge.target !== `${to}/index.ts`) {
        violations.push({ rule: 'surface', ...edge, message: `${where}: a file inside ${to}/ (rule: import another module through its index.ts, '${posix.relative(posix.dirname(file), `${to}/index.js`).replace(/^(?!\.)/, './')}')` });
      }
      const lf = layerOf.get(from);
      const lt = layerOf.get(to);
      if (lf !== undefined && lt !== undefined && lt >= lf) {
        violations.push({ rule: 'layer', ...edge, message: `${where}: ${from} (layer ${lf}) may not import ${to} (layer ${lt}) (rule: imports go to a lower layer only)` });
      }
      if (lt === undefined && !unmapped.has(to)) {
        unmapped.add(to);
        violations.push({ rule: 'unmapped', ...edge, message: `${where}: module "${to}" has no layer in LAYERS (rule: every module has a place in the map)` });
      }
    }
  }
  for (const cycle of moduleCycles(moduleEdges)) {
    const edges = cycle.map((m, i) => moduleEdges.get(m)!.get(cycle[(i + 1) % cycle.length]!)!);
    violations.push({
      rule: 'cycle',
      file: edges[0]!.file,
      specifier: edges[0]!.specifier,
      message: `modules import each other in a cycle ${[...cycle, cycle[0]].join(' → ')}: ${edges.map((e) => `src/${e.file} imports '${e.specifier}'`).join('; ')} (rule: no cycles between modules)`,
    });
  }
  return violations;
}

/** One cycle per strongly connected component of two or more modules (Tarjan). */
function moduleCycles(edges: Map<string, Map<string, unknown>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(pathWithin(new Set(component), v, edges));
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
  return cycles;
}

/** A concrete cycle through `start` inside one component (breadth-first back to start). */
function pathWithin(component: Set<string>, start: string, edges: Map<string, Map<string, unknown>>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** The TypeScript sources under `srcDir`, keyed by path relative to it (posix). */
export function readSources(srcDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.set(relative(srcDir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(srcDir);
  return out;
}
