import type { FakeRequest, FakeResponse, Route } from '../kit/fake-platform';
import { MetaGraphFake } from './fake-graph';

export interface GraphComment {
  id: string;
  /** The post (media) it is under. */
  objectId: string;
  text: string;
  time: string;
  from: Record<string, string>;
}

/** How one fake lists its comments, as the platform documents the comment's fields. */
export interface CommentShape {
  /** Instagram `text`/`timestamp`, Facebook `message`/`created_time`. */
  textField: string;
  timeField: string;
  /** The objects taking comments; an answer instead of the comment for those that refuse it. */
  refusal(objectId: string): FakeResponse | undefined;
  /** Who comments through the API: the account (Instagram user, Facebook Page). */
  author(): Record<string, string>;
  /** The new comment's id from a fresh number (Facebook: `<post>_<comment>`); the number otherwise. */
  commentId?(objectId: string, fresh: string): string;
}

/**
 * The Graph `/{object-id}/comments` edge the Instagram and Facebook fakes share: `POST` with
 * `message` answers `{ id }`; `GET` lists `{ data, paging }` oldest first, or newest first with
 * `order=reverse_chronological` (Facebook), a page at a time (`limit`, `after`). The comments are the fake's ledger.
 */
export class GraphComments {
  readonly comments: GraphComment[] = [];

  constructor(
    private readonly fake: MetaGraphFake,
    private readonly shape: CommentShape,
  ) {}

  /** The comments under one post, as the contract suite reads them. */
  under(objectId: string): Array<{ id: string; text: string }> {
    return this.comments.filter((c) => c.objectId === objectId).map((c) => ({ id: c.id, text: c.text }));
  }

  /** A comment someone else (a follower, not the account) makes under `objectId`. */
  chatter(objectId: string, text: string): void {
    const fresh = this.fake.nextId('1787');
    this.comments.push({
      id: this.shape.commentId?.(objectId, fresh) ?? fresh,
      objectId,
      text,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'),
      from: { id: '90000000001', name: 'A follower' },
    });
  }

  /** The edge's routes, under the fake's version path and token check. */
  routes(at: (pattern: string) => RegExp, idPattern: string): Route[] {
    const path = at(`/(?<id>${idPattern})/comments`);
    const authed =
      (handle: (req: FakeRequest, id: string) => FakeResponse): Route['handle'] =>
      (req, p) =>
        req.bearer && this.fake.accessTokens.has(req.bearer)
          ? (this.shape.refusal(p.id!) ?? handle(req, p.id!))
          : MetaGraphFake.invalidToken;
    return [
      { method: 'POST', path, handle: authed((req, id) => this.create(req, id)) },
      { method: 'GET', path, handle: authed((req, id) => this.list(req, id)) },
    ];
  }

  private create(req: FakeRequest, objectId: string): FakeResponse {
    const message = String((req.body as Record<string, string>).message ?? req.query.get('message') ?? '');
    if (!message) return MetaGraphFake.error(400, 100, '(#100) The parameter message is required');
    const fresh = this.fake.nextId('1787');
    const comment: GraphComment = {
      id: this.shape.commentId?.(objectId, fresh) ?? fresh,
      objectId,
      text: message,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'),
      from: this.shape.author(),
    };
    this.comments.push(comment);
    return { status: 200, body: { id: comment.id } };
  }

  private list(req: FakeRequest, objectId: string): FakeResponse {
    const under = this.comments.filter((c) => c.objectId === objectId);
    if (req.query.get('order') === 'reverse_chronological') under.reverse();
    const data = under.map((c) => ({
      id: c.id,
      [this.shape.textField]: c.text,
      [this.shape.timeField]: c.time,
      from: c.from,
    }));
    return this.fake.page(req, data);
  }
}
