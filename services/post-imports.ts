import { ulid } from 'ulid';
import { ApiError, type Issue } from '../api/errors';
import { normaliseParsedPost, parseCreatePost } from '../api/normalise';
import { postIdForKey } from '../api/post-id';
import {
  countRows,
  csvRows,
  type ImportReport,
  type ImportRow,
  type ImportRowResult,
  importRowKey,
  jsonRows,
} from '../api/post-import';
import type { PostSpec } from '../api/types';
import { issuesOf } from '../api/validate';
import type { PostGateway } from '../gateway';
import type { PostImport, Store } from '../store/types';
import { PostInputs } from './post-inputs';

/** An import's rows: a CSV file's text, or the parsed JSON body (an array of post bodies). */
export type ImportSource = { csv: string } | { json: unknown };

export interface ImportOptions {
  /** Check every row and report; create nothing. @default false */
  dryRun?: boolean;
  /** The API key importing: the author of the posts, for a brand's `approval_by_other_key`. */
  authorKeyId?: string;
}

/** How many "does this post exist" lookups run at once for the rows that fail their checks. */
const PARALLEL_LOOKUPS = 16;

/** A row after its checks: its post id (derived from its content), and its spec or its problems. */
interface CheckedRow {
  row: number;
  postId: string;
  spec?: PostSpec;
  problems: Issue[];
  /** Its post exists already (the same row imported before). */
  exists?: boolean;
}

/**
 * Bulk imports (`POST /v1/posts/import`): every row is checked exactly as `POST /v1/posts` checks
 * a body (the same parser, lookups and normaliser), every problem reported with its row; the
 * valid rows' posts are then started by a durable import workflow (workflows/import-posts.ts),
 * which a worker crash neither stops nor makes start a post twice. Each row's post id is derived
 * from the caller and the row's content, so importing a row again creates nothing new.
 */
export class PostImportsService {
  constructor(
    private readonly deps: { store: Store; gateway: PostGateway; options?: { allowPrivateUrls?: boolean } },
  ) {}

  async import(
    userId: string,
    source: ImportSource,
    { dryRun = false, authorKeyId }: ImportOptions = {},
  ): Promise<ImportReport> {
    const rows = 'csv' in source ? csvRows(source.csv) : jsonRows(source.json);
    const now = new Date();
    const inputs = new PostInputs({
      store: this.deps.store,
      allowPrivateUrls: this.deps.options?.allowPrivateUrls ?? false,
      memo: true,
    });
    const checked: CheckedRow[] = [];
    const seen = new Set<string>();
    for (const [i, row] of rows.entries()) {
      const result = await this.check(userId, i + 1, row, inputs, now, authorKeyId);
      // The same row twice in one file is one post: the later one is its duplicate.
      if (!result.problems.length && seen.has(result.postId)) result.exists = true;
      seen.add(result.postId);
      checked.push(result);
    }
    await this.markExisting(checked.filter((r) => r.problems.length));

    if (dryRun) {
      const results = checked.map((r): ImportRowResult =>
        r.exists
          ? { row: r.row, status: 'duplicate', post_id: r.postId, errors: [] }
          : r.problems.length
            ? { row: r.row, status: 'failed', post_id: null, errors: withRow(r.row, r.problems) }
            : { row: r.row, status: 'valid', post_id: r.postId, errors: [] },
      );
      return report({ id: null, status: 'done', dryRun: true, createdAt: now.toISOString(), rows: results });
    }

    const id = `imp_${ulid()}`;
    const imports = this.deps.gateway.imports;
    await this.deps.store.imports.create({
      id,
      userId,
      createdAt: now.toISOString(),
      rows: checked.map((r) =>
        r.exists
          ? { row: r.row, postId: r.postId, outcome: 'duplicate', problems: [] }
          : r.spec && !r.problems.length
            ? { row: r.row, postId: r.postId, outcome: 'pending', problems: [], spec: imports.routed(r.spec) }
            : { row: r.row, postId: null, outcome: 'failed', problems: r.problems },
      ),
    });
    await imports.start(id);
    return this.get(userId, id);
  }

  /**
   * The import's report as it is now. A running import's workflow is started again (a no-op when
   * it runs or ran), so an API process stopped between storing an import and starting its
   * workflow leaves nothing behind: the next look resumes it. While the Temporal server is down
   * the report is still the store's (after the client's retries, about 20 s).
   */
  async get(userId: string, id: string): Promise<ImportReport> {
    const found = id.startsWith('imp_') ? await this.deps.store.imports.get(id, userId) : undefined;
    if (!found) {
      throw new ApiError(404, 'import.not_found', `No import with id ${id}.`, { resource: 'import', id });
    }
    if (found.status === 'running') await this.deps.gateway.imports.resume(id);
    return storedReport(found);
  }

  /** One row through the checks of `POST /v1/posts`, plus the file's own problems with it. */
  private async check(
    userId: string,
    row: number,
    { body, problems }: ImportRow,
    inputs: PostInputs,
    now: Date,
    authorKeyId: string | undefined,
  ): Promise<CheckedRow> {
    const postId = postIdForKey(userId, importRowKey(body));
    const found: Issue[] = [...problems];
    if (body.callback_url !== undefined) {
      found.push({
        field: 'callback_url',
        code: 'validation.field_invalid',
        message: 'is not taken in an import; follow the posts with a webhook (POST /v1/webhooks).',
      });
    }
    const parsed = parseCreatePost(body);
    try {
      const spec = normaliseParsedPost(parsed, {
        id: postId,
        userId,
        now,
        account: await inputs.accounts(userId, parsed),
        media: await inputs.media(userId, parsed),
        ...(authorKeyId ? { authorKeyId } : {}),
      });
      return { row, postId, spec, problems: found };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { row, postId, problems: [...found, ...issuesOf(err)] };
    }
  }

  /**
   * A row that fails its checks now but whose post exists (imported when its schedule was still
   * ahead, or its account still connected) is that post, not a failure.
   */
  private async markExisting(rows: CheckedRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += PARALLEL_LOOKUPS) {
      await Promise.all(
        rows.slice(start, start + PARALLEL_LOOKUPS).map(async (r) => {
          r.exists = await this.deps.gateway.workflows.exists(r.postId);
        }),
      );
    }
  }
}

function withRow(row: number, issues: Issue[]) {
  return issues.map((i) => ({ row, field: i.field, code: i.code, message: i.message }));
}

function storedReport(found: PostImport): ImportReport {
  return report({
    id: found.id,
    status: found.status,
    dryRun: false,
    createdAt: found.createdAt,
    rows: found.rows.map((r) => ({
      row: r.row,
      status: r.outcome,
      post_id: r.postId,
      errors: withRow(r.row, r.problems),
    })),
  });
}

function report(input: {
  id: string | null;
  status: ImportReport['status'];
  dryRun: boolean;
  createdAt: string;
  rows: ImportRowResult[];
}): ImportReport {
  return {
    id: input.id,
    status: input.status,
    dry_run: input.dryRun,
    created_at: input.createdAt,
    counts: countRows(input.rows),
    rows: input.rows,
    errors: input.rows.flatMap((r) => r.errors),
  };
}
