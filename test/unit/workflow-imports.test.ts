import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * What the workflow code imports at run time, as its bundle would: the sandbox evaluates every
 * module of the bundle once per cached workflow, so a heavy library reached from the workflow
 * code costs memory per sleeping post (docs/performance.md, "Worker memory": zod alone was about
 * 1 MB a post). Imports only used as types are left out, as TypeScript leaves them out of the
 * JavaScript.
 */
const ROOT = resolve(__dirname, '..', '..');
const ENTRIES = ['workflows/index.ts', 'workflows/observability-interceptors.ts'];

/** The modules a file requires once compiled: relative paths and package names. */
function requiresOf(file: string): string[] {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  return [...outputText.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
}

/** A relative import as the file it names. */
function fileOf(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const found = [`${base}.ts`, join(base, 'index.ts'), base].find((f) => existsSync(f) && f.endsWith('.ts'));
  if (!found) throw new Error(`${relative(ROOT, from)} imports ${spec}, which is not a TypeScript file`);
  return found;
}

/** Every project file and package the entries reach, each with the chain of files that reached it. */
function reach(): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  const queue = ENTRIES.map((entry) => [join(ROOT, entry)]);
  for (let chain = queue.shift(); chain; chain = queue.shift()) {
    const file = chain.at(-1)!;
    for (const spec of requiresOf(file)) {
      const target = spec.startsWith('.') ? fileOf(file, spec) : spec;
      if (chains.has(target)) continue;
      const next = [...chain, target];
      chains.set(
        target,
        next.map((f) => (f.startsWith(ROOT) ? relative(ROOT, f) : f)),
      );
      if (spec.startsWith('.')) queue.push(next);
    }
  }
  return chains;
}

describe("the workflow code's run-time imports", () => {
  const reached = reach();

  test('reach neither zod nor the platform descriptors (the tables in api/platform-steps.ts stand for them)', () => {
    const heavy = [...reached.entries()]
      .filter(([target]) => /^zod(\/|$)/.test(target) || target.endsWith(join('platforms', 'descriptors.ts')))
      .map(([, chain]) => chain.join(' → '));
    expect(heavy).toEqual([]);
  });

  test('are found: the workflows themselves and the SDK', () => {
    expect(reached.has('@temporalio/workflow')).toBe(true);
    expect(reached.has(join(ROOT, 'workflows', 'post.ts'))).toBe(true);
  });
});
