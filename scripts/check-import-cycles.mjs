// Fails when the TypeScript sources import each other in a circle (issue #15: layers run one
// way, 0 cycles). Usage: `node scripts/check-import-cycles.mjs [folder]`, the project by default.
// Reads every import and re-export, type-only ones included: a type cycle still ties two
// modules' designs together. Prints the files of each cycle.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const skip = new Set(['node_modules', 'dist', 'nodes', '.tools', '.postflow', 'coverage', '.git']);

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    if (skip.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found = [];
  for (const node of source.statements) {
    const spec = (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier;
    if (spec && ts.isStringLiteral(spec)) {
      const target = resolveImport(file, spec.text);
      if (target) found.push(target);
    }
  }
  return found;
}

const graph = new Map(sources(root).map((file) => [file, importsOf(file)]));

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function visit(file) {
  const node = { index, low: index, onStack: true };
  index += 1;
  state.set(file, node);
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    const seen = state.get(next);
    if (!seen) {
      visit(next);
      node.low = Math.min(node.low, state.get(next).low);
    } else if (seen.onStack) node.low = Math.min(node.low, seen.index);
  }
  if (node.low !== node.index) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    state.get(member).onStack = false;
    component.push(member);
  } while (member !== file);
  if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component);
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (cycles.length === 0) {
  console.log(`import cycles: none among ${graph.size} TypeScript files`);
} else {
  for (const cycle of cycles) {
    console.error(
      `import cycle among ${cycle.length} files:\n  ${cycle
        .map((f) => relative(root, f))
        .sort()
        .join('\n  ')}`,
    );
  }
  console.error(`${cycles.length} import cycle(s): break them by moving the shared piece down a layer.`);
  process.exit(1);
}
