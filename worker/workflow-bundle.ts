import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * The workflow code a worker runs: Temporal bundles `workflows/` with webpack when a worker
 * starts (5–15 s on two cores), or loads a bundle made ahead of time. `npm run build` makes the
 * bundles of the usual configurations (docs/deploy.md), so a worker that crashed is back within a
 * second or two; any other configuration, or a build without bundles, is bundled at start.
 */
export interface WorkflowCodeNeeds {
  /** Workflow interceptor modules, in order (they go into the bundle). */
  interceptorModules: string[];
  /** The data converter's failure converter module (payload encryption), if any. */
  failureConverterPath?: string;
}

const WORKFLOWS_PATH = require.resolve('../workflows');
/** Postflow's own workflow interceptors (logs, delivery metrics); tracing's come before them. */
export const POSTFLOW_WORKFLOW_INTERCEPTORS = require.resolve('../workflows/observability-interceptors');
/** Next to the compiled code: `dist/workflow-bundles/` when running from `dist/`. */
const BUNDLES_DIR = join(__dirname, '..', 'workflow-bundles');
const ROOT = join(__dirname, '..');

/** A bundle's file name: what went into it, so a bundle is never used for another configuration. */
function bundleFile(needs: WorkflowCodeNeeds): string {
  const key = JSON.stringify({
    interceptors: needs.interceptorModules.map((m) => relative(ROOT, m)),
    failure: needs.failureConverterPath ? relative(ROOT, needs.failureConverterPath) : null,
  });
  return join(BUNDLES_DIR, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.js`);
}

/** The newest modification time of the compiled code the bundle was made from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== BUNDLES_DIR && entry.name !== 'node_modules')
        newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `Worker.create` options for the workflow code: the prebuilt bundle of this configuration when
 * there is one at least as new as every compiled file (a rebuild without bundles must not run
 * old workflow code), else the workflows' path, bundled at start.
 */
export function workflowCodeOptions(
  needs: WorkflowCodeNeeds,
): { workflowBundle: { codePath: string } } | { workflowsPath: string; workflowModules: string[] } {
  // Only compiled code has bundles (tests that run the TypeScript sources bundle them at start).
  const compiled = __filename.endsWith('.js');
  const file = bundleFile(needs);
  if (compiled && existsSync(file) && statSync(file).mtimeMs >= newestSource(ROOT)) {
    return { workflowBundle: { codePath: file } };
  }
  return { workflowsPath: WORKFLOWS_PATH, workflowModules: needs.interceptorModules };
}

/** Makes the bundle of one configuration (`npm run build` calls it for the usual ones). */
export async function writeWorkflowBundle(needs: WorkflowCodeNeeds): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: needs.interceptorModules,
    ...(needs.failureConverterPath ? { failureConverterPath: needs.failureConverterPath } : {}),
  });
  const file = bundleFile(needs);
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and renamed: a worker starting meanwhile never reads half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return file;
}
