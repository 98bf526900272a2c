import type { FakeRequest, FakeResponse, Route } from '../../kit/fake-platform';
import { type ContainerLife, ContainerRules } from '../fake-containers';
import { MetaGraphFake } from '../fake-graph';
import { insightsAnswer } from '../fake-insights';

/** The media insights metrics Threads documents (`/{threads-media-id}/insights`). */
const MEDIA_METRICS = ['views', 'likes', 'replies', 'reposts', 'quotes', 'shares'];

interface Container extends ContainerLife {
  id: string;
  mediaType: string;
  carouselItem: boolean;
  children: string[];
  params: Record<string, string>;
}

export interface ThreadsPost {
  id: string;
  /** A reply's thread (`reply_to_id`); unset for the account's own threads. */
  replyTo?: string;
  text: string;
  mediaType: string;
  /** Images and videos in it (0 for text). */
  items: number;
  params: Record<string, string>;
  timestamp: string;
}

const REPLY_CONTROLS = ['everyone', 'accounts_you_follow', 'mentioned_only'];

/**
 * The Threads API (graph.threads.net/v1.0) as its Posts docs describe it: containers TEXT, IMAGE,
 * VIDEO (processed: IN_PROGRESS → FINISHED over polls) and CAROUSEL (2–20 finished items), media
 * fetched from public URLs, threads_publish, the account's threads with `since`, replies
 * (containers with `reply_to_id`, kept in `replies`, listed by `/{id}/replies`), delete, and
 * refresh_access_token (th_refresh_token). Containers expire unpublished and turn PUBLISHED on
 * threads_publish; `rules` can make the list of threads lag (meta-containers.ts).
 */
export class ThreadsFake extends MetaGraphFake {
  readonly userId = '25012345678901234';
  readonly published: ThreadsPost[] = [];
  /** Published replies (the first comments), apart from the account's threads. */
  readonly replies: ThreadsPost[] = [];
  readonly containers = new Map<string, Container>();
  /** Media insights values (`views`, `likes`, `replies`, `reposts`, `quotes`), by post id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  readonly rules = new ContainerRules();
  /**
   * How long Threads processes each new video container, in ms (the docs advise about 30 s on
   * average; the bench makes it 30–120 s): it reads IN_PROGRESS until then. @default none (by polls only)
   */
  videoProcessingMs: () => number = () => 0;
  /** When each post was published (its `threads_publish` call), in epoch ms: `timestamp` has seconds only. */
  readonly publishedAt = new Map<string, number>();
  /** The Threads app (its Threads app id and secret) the consent page and token endpoints know. */
  override readonly client = { id: '990602627938098', secret: 'threads-app-secret' };

  constructor() {
    super('threads', 'v1.0');
    this.routes.push(...this.endpoints(), ...this.connectRoutes());
  }

  credentials(): Record<string, string> {
    return { user_id: this.userId, ...this.longLivedToken() };
  }

  /**
   * Connecting (Threads "Get Access Tokens and Permissions"): the authorization window, the code
   * redeemed for a short-lived token (`{access_token, user_id}`, an hour), that token traded for a
   * long-lived one (`GET /access_token?grant_type=th_exchange_token`), and `/me`.
   */
  private connectRoutes(): Route[] {
    return [
      this.consentRoute('/oauth/authorize', (id) => id === this.client.id),
      {
        method: 'POST',
        path: '/oauth/access_token',
        handle: (req) => {
          const form = req.body as Record<string, string>;
          if (form.client_id !== this.client.id || form.client_secret !== this.client.secret)
            return MetaGraphFake.error(400, 101, 'Error validating application. Invalid application ID.');
          const pair =
            form.grant_type === 'authorization_code' ? this.redeemCode(form, form.client_id) : undefined;
          if (!pair)
            return MetaGraphFake.error(400, 100, 'Error validating verification code.', { subcode: 36009 });
          this.refreshTokens.delete(pair.refresh_token);
          return { status: 200, body: { access_token: pair.access_token, user_id: Number(this.userId) } };
        },
      },
      this.exchangeRoute('th_exchange_token'),
      {
        method: 'GET',
        path: this.at('/me'),
        handle: this.authed((req) => {
          const profile: Record<string, string> = {
            id: this.userId,
            username: 'postflow.threads',
            name: 'Postflow Threads',
            threads_profile_picture_url: 'https://scontent.cdninstagram.example/threads-avatar.jpg',
          };
          const fields = (req.query.get('fields') ?? 'id').split(',');
          return {
            status: 200,
            body: Object.fromEntries(Object.entries(profile).filter(([key]) => fields.includes(key))),
          };
        }),
      },
    ];
  }

  private endpoints(): Route[] {
    const mine = (user: string) => user === this.userId || user === 'me';
    return [
      {
        method: 'POST',
        path: this.at('/(?<user>\\w+)/threads'),
        handle: this.authed((r, p) => (mine(p.user!) ? this.create(r) : MetaGraphFake.notFound(p.user!))),
      },
      {
        method: 'POST',
        path: this.at('/(?<user>\\w+)/threads_publish'),
        handle: this.authed((r, p) => (mine(p.user!) ? this.publish(r) : MetaGraphFake.notFound(p.user!))),
      },
      {
        method: 'GET',
        path: this.at('/(?<user>\\w+)/threads'),
        handle: this.authed((r, p) => (mine(p.user!) ? this.list(r) : MetaGraphFake.notFound(p.user!))),
      },
      { method: 'GET', path: this.at('/(?<id>\\d+)'), handle: this.authed((_r, p) => this.node(p.id!)) },
      {
        method: 'GET',
        path: this.at('/(?<id>\\d+)/replies'),
        handle: this.authed((r, p) => this.listReplies(r, p.id!)),
      },
      {
        method: 'GET',
        path: this.at('/(?<id>\\d+)/insights'),
        handle: this.authed((r, p) =>
          [...this.published, ...this.replies].some((x) => x.id === p.id)
            ? insightsAnswer(r, p.id!, MEDIA_METRICS, this.engagement)
            : MetaGraphFake.notFound(p.id!),
        ),
      },
      { method: 'DELETE', path: this.at('/(?<id>\\d+)'), handle: this.authed((_r, p) => this.remove(p.id!)) },
      this.refreshRoute('th_refresh_token'),
    ];
  }

  private async create(req: FakeRequest): Promise<FakeResponse> {
    const b = req.body as Record<string, string>;
    const type = b.media_type ?? '';
    const text = b.text ?? '';
    if (!['TEXT', 'IMAGE', 'VIDEO', 'CAROUSEL'].includes(type))
      return MetaGraphFake.error(400, 100, 'The parameter media_type is required.', {
        type: 'THApiException',
      });
    if ([...text].length > 500)
      return MetaGraphFake.error(400, 100, 'Param text must be at most 500 characters long.');
    if (b.reply_control && !REPLY_CONTROLS.includes(b.reply_control))
      return MetaGraphFake.error(
        400,
        100,
        'Param reply_control must be one of {everyone, accounts_you_follow, mentioned_only}',
      );
    if (b.link_attachment && type !== 'TEXT')
      return MetaGraphFake.error(400, 100, 'link_attachment is only available for text posts.');
    if (type === 'TEXT' && !text)
      return MetaGraphFake.error(400, 100, 'Param text is required for TEXT posts.');
    if (b.reply_to_id && ![...this.published, ...this.replies].some((p) => p.id === b.reply_to_id))
      return MetaGraphFake.notFound(b.reply_to_id);
    let children: string[] = [];
    let pollsLeft = 0;
    if (type === 'CAROUSEL') {
      children = (b.children ?? '').split(',').filter(Boolean);
      if (children.length < 2 || children.length > 20)
        return MetaGraphFake.error(400, 100, 'A carousel needs 2 to 20 children.');
      if (
        children.some(
          (id) => !this.isReady(this.containers.get(id)) || !this.containers.get(id)?.carouselItem,
        )
      )
        return MetaGraphFake.error(400, 100, 'Carousel children must be finished carousel items.');
    } else if (type !== 'TEXT') {
      const url = type === 'VIDEO' ? b.video_url : b.image_url;
      if (!url)
        return MetaGraphFake.error(
          400,
          100,
          `Param ${type === 'VIDEO' ? 'video_url' : 'image_url'} is required.`,
        );
      if (!(await this.fetchMedia(url)))
        return MetaGraphFake.error(400, 100, 'The media could not be fetched from the URL.');
      if (type === 'VIDEO') pollsLeft = 1;
    }
    const id = this.nextId('1');
    this.containers.set(id, {
      id,
      mediaType: type,
      carouselItem: b.is_carousel_item === 'true',
      children,
      pollsLeft,
      status: pollsLeft ? 'IN_PROGRESS' : 'FINISHED',
      createdAt: Date.now(),
      ...(type === 'VIDEO' ? { readyAt: Date.now() + this.videoProcessingMs() } : {}),
      params: b,
    });
    return { status: 200, body: { id } };
  }

  private publish(req: FakeRequest): FakeResponse {
    const container = this.containers.get(String(req.body.creation_id));
    if (!container) return MetaGraphFake.notFound(String(req.body.creation_id));
    if (!this.isReady(container) || container.carouselItem)
      return MetaGraphFake.error(400, 24, 'The requested resource does not exist', { subcode: 4279009 });
    const post: ThreadsPost = {
      id: this.nextId('1'),
      ...(container.params.reply_to_id ? { replyTo: container.params.reply_to_id } : {}),
      text: container.params.text ?? '',
      mediaType:
        container.mediaType === 'CAROUSEL'
          ? 'CAROUSEL_ALBUM'
          : container.mediaType.replace('TEXT', 'TEXT_POST'),
      items: container.mediaType === 'TEXT' ? 0 : container.children.length || 1,
      params: container.params,
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'),
    };
    (post.replyTo ? this.replies : this.published).push(post);
    this.publishedAt.set(post.id, Date.now());
    this.rules.published(container, post.id);
    return { status: 200, body: { id: post.id } };
  }

  /** A thread posted in the Threads app, not through the API (no container). */
  postFromApp(text: string, at = new Date()): ThreadsPost {
    const post: ThreadsPost = {
      id: this.nextId('1'),
      text,
      mediaType: 'TEXT_POST',
      items: 0,
      params: {},
      timestamp: at.toISOString().replace(/\.\d{3}Z$/, '+0000'),
    };
    this.published.push(post);
    return post;
  }

  private isReady(c: Container | undefined): boolean {
    return !!c && this.rules.current(c) === 'FINISHED';
  }

  private list(req: FakeRequest): FakeResponse {
    const since = Number(req.query.get('since') ?? 0) * 1000;
    const data = [...this.published]
      .reverse()
      .filter((p) => Date.parse(p.timestamp) >= since)
      .filter((p) => this.rules.listed(p.id))
      .map((p) => this.entity(p));
    return this.page(req, data);
  }

  /** A reply to `replyTo` the account makes in the Threads app. */
  replyFromApp(replyTo: string, text: string): void {
    this.replies.push({
      id: this.nextId('1'),
      replyTo,
      text,
      mediaType: 'TEXT_POST',
      items: 0,
      params: {},
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'),
    });
  }

  /** The replies under `under`, as the contract suite reads them. */
  repliesUnder(under: string): Array<{ id: string; text: string }> {
    return this.replies.filter((r) => r.replyTo === under).map((r) => ({ id: r.id, text: r.text }));
  }

  /** `GET /{id}/replies`: the direct replies to a thread or a reply, newest first unless `reverse=false`. */
  private listReplies(req: FakeRequest, id: string): FakeResponse {
    if (![...this.published, ...this.replies].some((p) => p.id === id)) return MetaGraphFake.notFound(id);
    const under = this.replies.filter((r) => r.replyTo === id);
    if (req.query.get('reverse') !== 'false') under.reverse();
    const data = under.map((r) => ({ ...this.entity(r), is_reply_owned_by_me: true }));
    return this.page(req, data);
  }

  private node(id: string): FakeResponse {
    const container = this.containers.get(id);
    if (container) {
      // Threads container fields: id, status, error_message (on ERROR); no media id.
      return { status: 200, body: { id, status: this.rules.read(container) } };
    }
    const post = [...this.published, ...this.replies].find((p) => p.id === id);
    return post ? { status: 200, body: this.entity(post) } : MetaGraphFake.notFound(id);
  }

  private remove(id: string): FakeResponse {
    const i = this.published.findIndex((p) => p.id === id);
    if (i < 0) return MetaGraphFake.notFound(id);
    this.published.splice(i, 1);
    return { status: 200, body: { success: true, deleted_id: id } };
  }

  private entity(p: ThreadsPost) {
    return {
      id: p.id,
      media_type: p.mediaType,
      text: p.text,
      timestamp: p.timestamp,
      permalink: `https://www.threads.net/@postflow/post/${p.id.slice(-11)}`,
    };
  }
}
