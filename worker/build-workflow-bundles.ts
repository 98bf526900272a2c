import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { POSTFLOW_WORKFLOW_INTERCEPTORS, writeWorkflowBundle } from './workflow-bundle';

/**
 * `npm run build`'s last step: the workflow bundles of the usual configurations (payload
 * encryption off and on, tracing off), so workers start without bundling (worker/workflow-bundle.ts).
 */
async function main(): Promise<void> {
  for (const failureConverterPath of [undefined, FAILURE_CONVERTER_PATH]) {
    const file = await writeWorkflowBundle({
      interceptorModules: [POSTFLOW_WORKFLOW_INTERCEPTORS],
      failureConverterPath,
    });
    console.log(`Workflow bundle${failureConverterPath ? ' (payload encryption)' : ''}: ${file}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
