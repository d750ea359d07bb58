/**
 * Routes cross-module deep imports through the module's public surface: in src/, an import of
 * `../sip/invite-session.js` from another module becomes `../sip/index.js`, and `src/sip/index.ts`
 * gains the exports that import needs (`export type` for types, `export` for values — decided by
 * the type checker, so the emitted ES modules never re-export a type at run time). Imports inside a
 * module stay relative; a module never imports its own index.
 *
 *   npx tsx scripts/route-imports.ts           rewrite files, print what changed (JSON lines)
 *   npx tsx scripts/route-imports.ts --check   change nothing; exit 1 when anything would change
 *
 * Idempotent: a second run finds nothing to do. When a module's index already exports a different
 * thing under a needed name, the import is left deep, reported, and the run exits 1 (rename one of
 * them). Static imports, `export … from` and `import('…')` type queries are handled.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const srcDir = join(root, 'src');
const check = process.argv.includes('--check');

/** `src/sip/transport/udp.ts` → `sip`; undefined outside src/ or for files directly in src/. */
export function moduleOf(file: string): string | undefined {
  const rel = relative(srcDir, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

const indexOf = (module: string) => join(srcDir, module, 'index.ts');
const specifierFor = (from: string, to: string) => {
  const rel = relative(dirname(from), to).split(sep).join('/').replace(/\.ts$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
};

function loadProgram(): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  return ts.createProgram(config.fileNames, { ...config.options, noEmit: true });
}

interface Rewrite { file: string; start: number; end: number; text: string }
interface NeededExport { name: string; from: string; value: boolean; symbol: ts.Symbol }

function run(): number {
  const program = loadProgram();
  const checker = program.getTypeChecker();
  const resolveAlias = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const rewrites: Rewrite[] = [];
  const needed = new Map<string, Map<string, NeededExport>>(); // index file → name → export
  const problems: string[] = [];

  const targetOf = (file: ts.SourceFile, spec: string): string | undefined => {
    const r = ts.resolveModuleName(spec, file.fileName, program.getCompilerOptions(), ts.sys).resolvedModule;
    return r && !r.isExternalLibraryImport ? resolve(r.resolvedFileName) : undefined;
  };

  const need = (index: string, name: string, target: ts.SourceFile, where: string): boolean => {
    const moduleSymbol = checker.getSymbolAtLocation(target);
    const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
    if (!exported) {
      problems.push(`${where}: ${name} is not exported by ${relative(root, target.fileName)}`);
      return false;
    }
    const symbol = resolveAlias(exported);
    const value = (symbol.flags & ts.SymbolFlags.Value) !== 0;
    const byIndex = needed.get(index) ?? new Map<string, NeededExport>();
    const prior = byIndex.get(name);
    if (prior && prior.symbol !== symbol) {
      problems.push(`${where}: ${name} would be exported by ${relative(root, index)} from both ${relative(root, prior.from)} and ${relative(root, target.fileName)}`);
      return false;
    }
    byIndex.set(name, { name, from: target.fileName, value, symbol });
    needed.set(index, byIndex);
    return true;
  };

  for (const file of program.getSourceFiles()) {
    const fromModule = moduleOf(file.fileName);
    if (!fromModule || file.isDeclarationFile) continue;
    const visit = (node: ts.Node): void => {
      let spec: ts.StringLiteral | undefined;
      let names: string[] = [];
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        spec = node.moduleSpecifier;
        if (ts.isImportDeclaration(node)) {
          const clause = node.importClause;
          if (clause?.name) names.push('default');
          const bindings = clause?.namedBindings;
          if (bindings && ts.isNamedImports(bindings)) names.push(...bindings.elements.map((e) => (e.propertyName ?? e.name).text));
          if (bindings && ts.isNamespaceImport(bindings)) names = ['*'];
          if (!clause) names = ['*']; // side-effect import: the module must be loaded as a whole
        } else {
          const clause = node.exportClause;
          names = clause && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : ['*'];
        }
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        spec = node.argument.literal;
        let q = node.qualifier;
        while (q && ts.isQualifiedName(q)) q = q.left;
        names = q ? [q.text] : ['*'];
      }
      if (spec && spec.text.startsWith('.')) {
        const target = targetOf(file, spec.text);
        const toModule = target && moduleOf(target);
        if (target && toModule && toModule !== fromModule && target !== indexOf(toModule)) {
          const where = `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(spec.getStart(file)).line + 1}`;
          const targetFile = program.getSourceFile(target)!;
          if (names.includes('*') || names.includes('default')) {
            problems.push(`${where}: ${names.includes('*') ? 'namespace or side-effect' : 'default'} import of ${spec.text} cannot be routed through an index`);
          } else if (names.map((n) => need(indexOf(toModule), n, targetFile, where)).every(Boolean)) {
            rewrites.push({ file: file.fileName, start: spec.getStart(file) + 1, end: spec.getEnd() - 1, text: specifierFor(file.fileName, indexOf(toModule)) });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  // What each index must add: names it does not already export as the same thing.
  const indexAdditions = new Map<string, string>();
  for (const [index, exports] of needed) {
    const indexFile = program.getSourceFile(index);
    const indexSymbol = indexFile && checker.getSymbolAtLocation(indexFile);
    const existing = new Map((indexSymbol ? checker.getExportsOfModule(indexSymbol) : []).map((s) => [s.name, resolveAlias(s)]));
    const byFile = new Map<string, { values: string[]; types: string[] }>();
    for (const e of [...exports.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const current = existing.get(e.name);
      if (current === e.symbol) continue;
      if (current) {
        problems.push(`${relative(root, index)} already exports a different ${e.name}; imports of ${relative(root, e.from)}'s ${e.name} stay deep`);
        for (let i = rewrites.length - 1; i >= 0; i--) if (rewrites[i]!.text.endsWith('/index.js') && resolve(dirname(rewrites[i]!.file), rewrites[i]!.text.replace(/\.js$/, '.ts')) === index) rewrites.splice(i, 1);
        continue;
      }
      const entry = byFile.get(e.from) ?? { values: [], types: [] };
      (e.value ? entry.values : entry.types).push(e.name);
      byFile.set(e.from, entry);
    }
    const lines: string[] = [];
    for (const [from, { values, types }] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
      const spec = specifierFor(index, from);
      if (values.length) lines.push(`export { ${values.join(', ')} } from '${spec}';`);
      if (types.length) lines.push(`export type { ${types.join(', ')} } from '${spec}';`);
    }
    if (lines.length) indexAdditions.set(index, lines.join('\n'));
  }

  const changed: object[] = [];
  for (const [index, text] of indexAdditions) {
    const module = moduleOf(index)!;
    const before = existsSync(index) ? readFileSync(index, 'utf8') : `/** The public surface of \`src/${module}/\`: other modules import from here, never from its files. */\n`;
    changed.push({ file: relative(root, index), added: text.split('\n').length });
    if (!check) writeFileSync(index, `${before.replace(/\n*$/, '\n')}${text}\n`);
  }
  const byFile = new Map<string, Rewrite[]>();
  for (const r of rewrites) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  for (const [file, list] of byFile) {
    let text = readFileSync(file, 'utf8');
    for (const r of list.sort((a, b) => b.start - a.start)) text = text.slice(0, r.start) + r.text + text.slice(r.end);
    changed.push({ file: relative(root, file), rewritten: list.length });
    if (!check) writeFileSync(file, text);
  }
  for (const c of changed) console.log(JSON.stringify(c));
  for (const p of problems) console.error(`route-imports: ${p}`);
  console.log(JSON.stringify({ indexes: indexAdditions.size, files: byFile.size, imports: rewrites.length, problems: problems.length, check }));
  return problems.length || (check && changed.length) ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('route-imports.ts')) process.exitCode = run();
