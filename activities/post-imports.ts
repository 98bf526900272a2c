import type { PostSpec } from '../api/types';
import type { Store } from '../store/types';

/** The store's side of the import workflow (workflows/import-posts.ts): each call is idempotent. */
export function createImportActivities({ store }: { store: Store }) {
  return {
    /** The next rows whose post is not started yet, with their specs. */
    async pendingImportRows(
      importId: string,
      afterRow: number,
      limit: number,
    ): Promise<Array<{ row: number; spec: PostSpec }>> {
      return store.imports.pending(importId, afterRow, limit);
    },
    async settleImportRows(
      importId: string,
      outcomes: Array<{ row: number; outcome: 'created' | 'duplicate' }>,
    ): Promise<void> {
      await store.imports.settle(importId, outcomes);
    },
    async finishImport(importId: string): Promise<void> {
      await store.imports.finish(importId);
    },
  };
}
