import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import { startPost } from './start-post';

/** What `importPosts` runs on: the import's id in the store, and how posts are started. */
export interface ImportJob {
  importId: string;
  /** Start posts with Postflow's search attributes (the gateway's setting). */
  searchAttributes: boolean;
  /** Index the post's text (`PostflowText`); off with payload encryption. */
  indexText: boolean;
  /** Rows up to this one are settled (a run continued as new carries it over). @default 0 */
  afterRow?: number;
}

/** The store's import rows: reads and idempotent writes, retried freely. */
const { pendingImportRows, settleImportRows, finishImport } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Rows started per step: one workflow task issues a page's starts together. */
const PAGE = 100;
/** Pages per run before continuing as new, to keep the history well under Temporal's limits. */
const PAGES_PER_RUN = 20;

/**
 * A bulk import's posts, durably: one post workflow per valid row, started as an abandoned child
 * whose workflow id is the row's post id (derived from the caller and the row's content). A worker
 * killed mid-import loses nothing: the run resumes from its history, and rows are marked started
 * in the store only after their start is in that history. Nothing is doubled: a start whose id
 * exists (the same row imported before, or this row before a crash) is refused by Temporal and
 * counts as a duplicate.
 */
export async function importPosts(job: ImportJob): Promise<void> {
  let after = job.afterRow ?? 0;
  for (let page = 0; ; page++) {
    if (page === PAGES_PER_RUN) await continueAsNew<typeof importPosts>({ ...job, afterRow: after });
    const rows = await pendingImportRows(job.importId, after, PAGE);
    if (rows.length === 0) break;
    const outcomes = await Promise.all(
      rows.map(async ({ row, spec }) => ({ row, outcome: await startPost(spec, job) })),
    );
    await settleImportRows(job.importId, outcomes);
    after = rows[rows.length - 1]!.row;
  }
  await finishImport(job.importId);
}
