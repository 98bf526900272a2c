import type { Client } from '@temporalio/client';
import { ApiError } from '../../api/errors';
import type { PostListFilter } from '../../api/post-list-query';
import { PostVisibility } from '../../gateway/post-list';

// The gateway is public: a program may hand it a filter it built itself, without the API's query
// parsing. Every value must stay inside its quotes, so no filter can leave the user's own posts.
function recordingClient(): { client: Client; queries: string[] } {
  const queries: string[] = [];
  const client = {
    workflow: {
      list: ({ query }: { query: string }) => {
        queries.push(query);
        return (async function* () {})();
      },
    },
  } as unknown as Client;
  return { client, queries };
}

const filter = (over: Partial<PostListFilter>): PostListFilter =>
  ({ accountIds: [], ...over }) as PostListFilter;

describe('PostVisibility.list', () => {
  it("builds one visibility query from the filter, inside the user's own posts", async () => {
    const { client, queries } = recordingClient();
    await new PostVisibility(client).list(
      'usr_a',
      filter({
        status: 'scheduled',
        accountIds: ['acc_1', 'acc_2'],
        platform: 'mastodon',
        search: 'Hello, world',
        from: '2026-12-01T00:00:00.000Z',
      }),
    );
    expect(queries).toEqual([
      [
        "WorkflowType = 'publishPost'",
        "PostflowUserId = 'usr_a'",
        "PostflowStatus = 'scheduled'",
        "PostflowAccountIds IN ('acc_1', 'acc_2')",
        "PostflowPlatforms = 'mastodon'",
        "PostflowText = 'hello'",
        "PostflowText = 'world'",
        "((PostflowScheduledAt >= '2026-12-01T00:00:00.000Z') OR (PostflowScheduledAt IS NULL AND StartTime >= '2026-12-01T00:00:00.000Z'))",
      ].join(' AND '),
    ]);
  });

  it("matches a brand's accounts in a clause of their own, and a brand without accounts queries nothing", async () => {
    const { client, queries } = recordingClient();
    const visibility = new PostVisibility(client);
    await visibility.list('usr_a', filter({ accountIds: ['acc_1'], brandAccountIds: ['acc_2', 'acc_3'] }));
    expect(queries).toEqual([
      "WorkflowType = 'publishPost' AND PostflowUserId = 'usr_a' AND PostflowAccountIds IN ('acc_1') AND PostflowAccountIds IN ('acc_2', 'acc_3')",
    ]);
    expect(await visibility.list('usr_a', filter({ brandAccountIds: [] }))).toEqual([]);
    expect(queries).toHaveLength(1);
  });

  it.each([
    ['accountIds', { accountIds: ["x') OR ('1'='1"] }],
    ['brandAccountIds', { brandAccountIds: ["x') OR ('1'='1"] }],
    ['status', { status: "scheduled' OR PostflowUserId = 'usr_b" }],
    ['platform', { platform: "x' OR 'a'='a" }],
    ['to', { to: "2026' OR '1'='1" }],
  ])('refuses a %s that would leave its quotes, and queries nothing', async (_field, over) => {
    const { client, queries } = recordingClient();
    const listed = new PostVisibility(client).list('usr_a', filter(over as Partial<PostListFilter>));
    await expect(listed).rejects.toBeInstanceOf(ApiError);
    await expect(listed).rejects.toMatchObject({ status: 400, code: 'validation.field_invalid' });
    expect(queries).toEqual([]);
  });

  it('keeps quotes out of search words (they are letters and digits only)', async () => {
    const { client, queries } = recordingClient();
    await new PostVisibility(client).list('usr_a', filter({ search: "it's' OR '1'='1" }));
    expect(queries[0]).toBe(
      "WorkflowType = 'publishPost' AND PostflowUserId = 'usr_a' AND PostflowText = 'it' AND PostflowText = 's' AND PostflowText = 'or' AND PostflowText = '1' AND PostflowText = '1'",
    );
  });
});
