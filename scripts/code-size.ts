// Prints the largest source files and the longest functions under src/ as JSON,
// so a refactoring can state its before/after from the same measurement.
// Usage: npx tsx scripts/code-size.ts [top=10]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');
const top = Number(process.argv[2] ?? 10);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

interface FunctionSize { file: string; name: string; lines: number }

function functionName(node: ts.Node, file: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  if (ts.isVariableDeclaration(node.parent)) return node.parent.name.getText(file);
  if (ts.isPropertyAssignment(node.parent)) return node.parent.name.getText(file);
  return '<anonymous>';
}

const files = sourceFiles(join(root, 'src'));
const fileSizes = files.map((path) => ({ file: relative(root, path), lines: readFileSync(path, 'utf8').split('\n').length }));
const functions: FunctionSize[] = [];
for (const path of files) {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ file: relative(root, path), name: functionName(node, file), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}
fileSizes.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
console.log(JSON.stringify({
  date: new Date().toISOString(),
  files: files.length,
  totalLines: fileSizes.reduce((sum, f) => sum + f.lines, 0),
  largestFiles: fileSizes.slice(0, top),
  longestFunctions: functions.slice(0, top),
}, null, 1));
