import { createHash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

interface Status {
  id: string;
  text: string;
  mediaIds: string[];
  visibility: string;
  createdAt: string;
  /** The status it replies to (a first comment), if any. */
  inReplyToId?: string;
}

/**
 * A Mastodon server as its REST API documents it (docs.joinmastodon.org/methods/statuses,
 * /methods/media): media uploads that process asynchronously (202, then 206 while polled),
 * statuses with Idempotency-Key and replies (`in_reply_to_id`), `{ "error": … }` bodies, rate
 * limits with X-RateLimit-Reset.
 */
export class MastodonFake extends FakePlatform {
  /** Every status, replies included (`inReplyToId`). */
  readonly statuses: Status[] = [];
  /** Counts the Status entity shows (`favourites_count`, `replies_count`, …), by status id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  /** Uploaded media: processing left, type, size and SHA-256 (hex) of the file, its description. */
  readonly media = new Map<
    string,
    { pollsLeft: number; contentType: string; bytes: number; sha256: string; description?: string }
  >();
  private readonly idempotency = new Map<string, Status>();

  constructor() {
    super('mastodon');
    this.routes.push(...this.endpoints());
  }

  /** A status the account posts elsewhere (another app), a reply to `inReplyToId` if given. */
  chatter(text: string, inReplyToId?: string): void {
    this.statuses.push({
      id: this.nextId(),
      text,
      mediaIds: [],
      visibility: 'public',
      createdAt: new Date().toISOString(),
      ...(inReplyToId ? { inReplyToId } : {}),
    });
  }

  /** An account's credentials on this server. */
  credentials(): Record<string, string> {
    const token = `mst_${this.nextId()}`;
    this.accessTokens.add(token);
    return { instance_url: this.url, access_token: token };
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse =>
        req.bearer && this.accessTokens.has(req.bearer)
          ? handle(req, params)
          : { status: 401, body: { error: 'The access token is invalid' } };
    return [
      {
        method: 'POST',
        path: '/api/v2/media',
        handle: authed((req) => {
          const file = req.body.file as { contentType?: string; data: Buffer } | undefined;
          if (!file || !file.data.length)
            return { status: 422, body: { error: "Validation failed: File can't be blank" } };
          const id = this.nextId();
          const video = String(file.contentType).startsWith('video/');
          // Images are ready at once (200); videos are processed (202, url null, polled).
          this.media.set(id, {
            pollsLeft: video ? 1 : 0,
            contentType: String(file.contentType),
            bytes: file.data.length,
            sha256: createHash('sha256').update(file.data).digest('hex'),
            ...(typeof req.body.description === 'string' ? { description: req.body.description } : {}),
          });
          return {
            status: video ? 202 : 200,
            body: { id, type: video ? 'video' : 'image', url: video ? null : `${this.url}/media/${id}` },
          };
        }),
      },
      {
        method: 'GET',
        path: /^\/api\/v1\/media\/(?<id>[^/]+)$/,
        handle: authed((_req, { id }) => {
          const item = this.media.get(id!);
          if (!item) return { status: 404, body: { error: 'Record not found' } };
          if (item.pollsLeft > 0) {
            item.pollsLeft -= 1;
            return { status: 206, body: { id, url: null } };
          }
          return { status: 200, body: { id, url: `${this.url}/media/${id}` } };
        }),
      },
      {
        method: 'POST',
        path: '/api/v1/statuses',
        handle: authed((req) => {
          const key = String(req.headers['idempotency-key'] ?? '');
          const seen = key && this.idempotency.get(key);
          if (seen) return { status: 200, body: this.entity(seen) };
          const text = String(req.body.status ?? '');
          const mediaIds: string[] = Array.isArray(req.body.media_ids) ? req.body.media_ids.map(String) : [];
          if (!text && mediaIds.length === 0)
            return { status: 422, body: { error: "Validation failed: Text can't be blank" } };
          if ([...text].length > 500)
            return {
              status: 422,
              body: { error: 'Validation failed: Text character limit of 500 exceeded' },
            };
          const inReplyToId = req.body.in_reply_to_id ? String(req.body.in_reply_to_id) : undefined;
          if (inReplyToId && !this.statuses.some((s) => s.id === inReplyToId))
            return { status: 404, body: { error: 'Record not found' } };
          const unknown = mediaIds.find((id) => !this.media.has(id) || this.media.get(id)!.pollsLeft > 0);
          if (unknown)
            return { status: 422, body: { error: 'Cannot attach files that have not finished processing' } };
          const status: Status = {
            id: this.nextId(),
            text,
            mediaIds,
            visibility: String(req.body.visibility ?? 'public'),
            createdAt: new Date().toISOString(),
            ...(inReplyToId ? { inReplyToId } : {}),
          };
          this.statuses.push(status);
          if (key) this.idempotency.set(key, status);
          return { status: 200, body: this.entity(status) };
        }),
      },
      {
        method: 'GET',
        path: '/api/v1/accounts/verify_credentials',
        handle: authed(() => ({
          status: 200,
          body: {
            id: '1',
            username: 'postflow',
            acct: 'postflow',
            display_name: 'Postflow Test',
            avatar: `${this.url}/avatars/original/missing.png`,
          },
        })),
      },
      {
        method: 'GET',
        path: /^\/api\/v1\/accounts\/1\/statuses$/,
        handle: authed((req) => {
          const limit = Math.min(Number(req.query.get('limit') ?? 20), 40);
          const withReplies = req.query.get('exclude_replies') !== 'true';
          // Ids rise with time; max_id and since_id are exclusive bounds.
          const at = (id: string | null) => (id ? this.statuses.findIndex((s) => s.id === id) : -1);
          const maxAt = at(req.query.get('max_id'));
          const sinceAt = at(req.query.get('since_id'));
          const page = this.statuses
            .filter((s, i) => (maxAt < 0 || i < maxAt) && i > sinceAt && (withReplies || !s.inReplyToId))
            .reverse()
            .slice(0, limit);
          // Mastodon's Link header: the next (older) page by max_id, the previous by min_id.
          const base = `${this.url}/api/v1/accounts/1/statuses?limit=${limit}`;
          const link = page.length
            ? `<${base}&max_id=${page.at(-1)!.id}>; rel="next", <${base}&min_id=${page[0]!.id}>; rel="prev"`
            : undefined;
          return {
            status: 200,
            body: page.map((s) => this.entity(s)),
            ...(link ? { headers: { link } } : {}),
          };
        }),
      },
      {
        method: 'GET',
        path: /^\/api\/v1\/statuses\/(?<id>[^/]+)$/,
        handle: authed((_req, { id }) => {
          const status = this.statuses.find((s) => s.id === id);
          return status
            ? { status: 200, body: this.entity(status) }
            : { status: 404, body: { error: 'Record not found' } };
        }),
      },
      {
        method: 'DELETE',
        path: /^\/api\/v1\/statuses\/(?<id>[^/]+)$/,
        handle: authed((_req, { id }) => {
          const i = this.statuses.findIndex((s) => s.id === id);
          if (i < 0) return { status: 404, body: { error: 'Record not found' } };
          const [status] = this.statuses.splice(i, 1);
          return { status: 200, body: this.entity(status!) };
        }),
      },
    ];
  }

  /** The Status entity, with its content as HTML like Mastodon renders it. */
  private entity(s: Status) {
    const html = s.text
      .split(/\n{2,}/)
      .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br />')}</p>`)
      .join('');
    return {
      id: s.id,
      created_at: s.createdAt,
      visibility: s.visibility,
      in_reply_to_id: s.inReplyToId ?? null,
      uri: `${this.url}/users/postflow/statuses/${s.id}`,
      url: `${this.url}/@postflow/${s.id}`,
      content: html,
      ...{ favourites_count: 0, replies_count: 0, reblogs_count: 0 },
      ...this.engagement.get(s.id),
      media_attachments: s.mediaIds.map((id) => ({
        id,
        type: this.media.get(id)?.contentType.split('/')[0],
      })),
    };
  }
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
