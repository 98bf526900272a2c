import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentReceipt,
  type JsonValue,
  type PlatformAdapter,
  type Prepared,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../kit/adapter';
import { platformFailure, postedSince, type PlatformBody, rejected } from '../kit/http';
import {
  type ApiSettings,
  type Asset,
  assetStatus,
  contentOf,
  DEFAULT_LINKEDIN_VERSION,
  fromLittleText,
  isGone,
  LINKEDIN_API_URL,
  LINKEDIN_TOKEN_URL,
  restCall,
  toLittleText,
  uploadImage,
} from './api';
import { uploadVideo } from './video-upload';
import { loadWhole } from '../kit/media-reader';
import { MAX_LOOKUP_PAGES, offsetPages, searchWindow } from '../kit/lookup-window';
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../kit/oauth2';
import { sameText, searchableText } from '../kit/content';
import { stringList } from '../kit/content';

/**
 * One member (`linkedin`) or organization page (`linkedin_page`) of LinkedIn. The two differ only
 * in who the author is and which visibilities LinkedIn allows for them.
 */
interface Family {
  platform: 'linkedin' | 'linkedin_page';
  /** The account's author URN, from its credentials. */
  author(credentials: Record<string, string>): string | undefined;
  /** Postflow visibility → LinkedIn's; absent values are refused. */
  visibility: Readonly<Record<string, string>>;
  /** What the account must hold, for the message when it does not. */
  credentialHint: string;
}

const urn = (kind: string, value?: string, id?: string) =>
  value?.startsWith(`urn:li:${kind}:`) ? value : id ? `urn:li:${kind}:${id}` : undefined;

const MEMBER: Family = {
  platform: 'linkedin',
  author: (c) => urn('person', c.person_urn, c.person_id),
  // A member's "private" has no LinkedIn equivalent; connections is the narrowest audience.
  visibility: {
    public: 'PUBLIC',
    logged_in: 'LOGGED_IN',
    connections_only: 'CONNECTIONS',
    private: 'CONNECTIONS',
  },
  credentialHint: 'person_urn (urn:li:person:…) or person_id',
};

const PAGE: Family = {
  platform: 'linkedin_page',
  author: (c) => urn('organization', c.organization_urn, c.organization_id),
  // Organizations have no connections: only PUBLIC and LOGGED_IN.
  visibility: { public: 'PUBLIC', logged_in: 'LOGGED_IN' },
  credentialHint: 'organization_urn (urn:li:organization:…) or organization_id',
};

/** Images are usable once uploaded; videos are transcoded. LinkedIn documents no poll interval. */
const IMAGE_POLL_MS = 2_000;
const VIDEO_POLL_MS = 10_000;
/** How many of the author's posts a reconcile page holds (the finder's page size). */
const RECONCILE_WINDOW = 20;
/** How many of a post's comments a `findComment` page holds. */
const COMMENT_WINDOW = 50;

export const createLinkedInAdapter = (options: AdapterOptions = {}) => createFamilyAdapter(MEMBER, options);
export const createLinkedInPageAdapter = (options: AdapterOptions = {}) => createFamilyAdapter(PAGE, options);

/**
 * LinkedIn's versioned REST API (api.linkedin.com/rest): posts with text ("little" format),
 * one image, 2–20 images (multiImage), one video, or an article link; `x-restli-id` names the post.
 *
 * prepare: Images/Videos API uploads (video: chunked, finalized, then polled until AVAILABLE);
 * publish: POST /rest/posts; reconcile: the author's newest posts (q=author), by commentary;
 * delete: DELETE /rest/posts/{urn}; refresh: LinkedIn's refresh-token grant (partners only).
 * First comment: POST /rest/socialActions/{post urn}/comments with the author as `actor` and
 * `message.text` (plain text, not little text; `w_member_social`, pages `w_organization_social`);
 * looked up with GET on the same collection, by actor and text (needs `r_member_social` /
 * `r_organization_social`).
 */
function createFamilyAdapter(family: Family, options: AdapterOptions): PlatformAdapter {
  const env = options.env ?? {};
  const baseUrl = (options.baseUrl || LINKEDIN_API_URL).replace(/\/$/, '');
  const settings: ApiSettings = {
    platform: family.platform,
    baseUrl,
    version: env.POSTFLOW_LINKEDIN_VERSION || DEFAULT_LINKEDIN_VERSION,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  // The official token endpoint is on another host; a proxy or fake serves it under its own URL.
  const tokenUrl =
    env.POSTFLOW_LINKEDIN_TOKEN_URL ||
    (baseUrl === LINKEDIN_API_URL ? LINKEDIN_TOKEN_URL : `${baseUrl}/oauth/v2/accessToken`);
  const platform = family.platform;

  const authorOf = (account: AccountContext) => {
    const author = family.author(account.credentials);
    if (author) return author;
    throw platformFailure(
      platform,
      { category: 'auth', code: 'credentials' },
      `the account has no ${family.credentialHint}; reconnect it.`,
    );
  };

  /** Asks LinkedIn about every asset still processing; ready once all are AVAILABLE. */
  const pending = async (req: PublishRequest, assets: Asset[], waiting: string[]): Promise<Prepared> => {
    const still: string[] = [];
    for (const asset of assets.filter((a) => waiting.includes(a.urn))) {
      const status = await assetStatus(settings, req, asset);
      if (status === 'PROCESSING_FAILED') {
        throw rejected(
          platform,
          'media_failed',
          `LinkedIn could not process the ${asset.kind} ${asset.urn}.`,
        );
      }
      if (status !== 'AVAILABLE') still.push(asset.urn);
    }
    const state = { assets: assets.map((a) => ({ ...a })) };
    if (!still.length) return { ready: state };
    const video = assets.some((a) => a.kind === 'video' && still.includes(a.urn));
    return { processing: { ...state, waiting: still }, pollAfterMs: video ? VIDEO_POLL_MS : IMAGE_POLL_MS };
  };

  return {
    platform,

    /** With the prepare's `ledger`, a video upload a crashed attempt left goes on where it stood. */
    async prepare(req, ledger) {
      assertTokenFresh(platform, req.account.credentials);
      const owner = authorOf(req.account);
      const assets: Asset[] = [];
      for (const [i, file] of req.media.entries()) {
        // Images go in one PUT, whole; videos part by part, read from the file as they go.
        const reader = await file.open();
        const { contentType } = reader;
        if (contentType.startsWith('image/')) {
          const { bytes } = await loadWhole(reader, file.ref.source);
          assets.push(await uploadImage(settings, req, owner, bytes));
        } else if (contentType.startsWith('video/'))
          assets.push(await uploadVideo(settings, req, owner, reader, ledger && { ledger, file: i }));
        else throw rejected(platform, 'media_type', `LinkedIn takes images and videos, not ${contentType}.`);
      }
      return pending(
        req,
        assets,
        assets.map((a) => a.urn),
      );
    },

    async checkPrepared(req, state) {
      return pending(req, assetsOf(state), stringList(state.waiting));
    },

    /**
     * The uploaded images and videos of a call proven absent, while LinkedIn still has them
     * AVAILABLE: the retry then sends the very same post, which LinkedIn refuses as a duplicate
     * (an unknown outcome: looked up) should the first call land after all.
     */
    async reusable(req, prepared) {
      const assets = assetsOf(prepared);
      if (!assets.length) return 'renew';
      for (const asset of assets) {
        const status = await assetStatus(settings, req, asset).catch((err: unknown) => {
          if (err instanceof PublishError && !err.failure.retryable && !err.failure.refreshable)
            return 'GONE';
          throw err;
        });
        if (status !== 'AVAILABLE') return 'renew';
      }
      return 'reuse';
    },

    async publish(req, prepared: StepState) {
      assertTokenFresh(platform, req.account.credentials);
      const post = postBody(family, req, authorOf(req.account), assetsOf(prepared));
      const { headers, body } = await restCall(settings, req, true)('POST', '/rest/posts', post);
      const id = headers.get('x-restli-id') ?? (typeof body.id === 'string' ? body.id : null);
      if (!id) throw unnamed(platform, 'post');
      return receipt(id, new Date().toISOString());
    },

    async comment(req) {
      assertTokenFresh(platform, req.account.credentials);
      const post = req.post.platformPostId;
      const { headers, body } = await restCall(settings, req, true)('POST', commentsPath(post), {
        actor: authorOf(req.account),
        object: post,
        message: { text: req.text },
      });
      const id = body.commentUrn ?? body.$URN ?? headers.get('x-restli-id');
      if (typeof id !== 'string' || !id) throw unnamed(platform, 'comment');
      return commentReceipt(post, id);
    },

    async findComment(req) {
      const post = req.post.platformPostId;
      const actor = authorOf(req.account);
      const found = await searchWindow<PlatformBody>({
        platform,
        what: `the post has more than ${MAX_LOOKUP_PAGES * COMMENT_WINDOW} comments`,
        // Rest.li pagination: `start` and `count`.
        read: offsetPages(async (start) => {
          const query = `start=${start}&count=${COMMENT_WINDOW}`;
          return elementsOf((await restCall(settings, req)('GET', `${commentsPath(post)}?${query}`)).body);
        }, COMMENT_WINDOW),
        matches: (c) =>
          c.actor === actor &&
          sameText(c.message?.text, req.text) &&
          postedSince(isoOf(c.created?.time), req.since),
      });
      const id = found?.commentUrn ?? found?.$URN;
      return typeof id === 'string' ? commentReceipt(post, id) : null;
    },

    async findExisting(req) {
      // Members' posts can only be listed with r_member_social (a restricted permission): without
      // it LinkedIn answers 403 and reconcile fails rather than risking a duplicate.
      const author = encodeURIComponent(authorOf(req.account));
      const text = searchableText(req.account.platform, req.content.text);
      // Newest first (sortBy=CREATED), page after page back to the delivery's start.
      const found = await searchWindow<PlatformBody>({
        platform,
        what: `the author has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} posts`,
        read: offsetPages(async (start) => {
          const query = `author=${author}&q=author&start=${start}&count=${RECONCILE_WINDOW}&sortBy=CREATED`;
          const call = restCall(settings, req);
          return elementsOf(
            (await call('GET', `/rest/posts?${query}`, undefined, { 'x-restli-method': 'FINDER' })).body,
          );
        }, RECONCILE_WINDOW),
        until: { since: req.since, createdAt: (p) => isoOf(p.createdAt) },
        matches: (p) =>
          postedSince(isoOf(p.createdAt), req.since) &&
          sameText(fromLittleText(String(p.commentary ?? '')), text),
      });
      return found ? receipt(String(found.id), isoOf(found.publishedAt ?? found.createdAt)) : null;
    },

    async unpublish(req) {
      try {
        await restCall(settings, req)(
          'DELETE',
          `/rest/posts/${encodeURIComponent(req.platformPostId)}`,
          undefined,
          {
            'x-restli-method': 'DELETE',
          },
        );
      } catch (err) {
        if (isGone(err)) return 'deleted';
        throw err;
      }
      return 'deleted';
    },

    /**
     * `GET /rest/socialMetadata/{post urn}` (Social Metadata API, which replaces socialActions'
     * summaries): `reactionSummaries` (every reaction type, summed, as likes) and
     * `commentSummary.count`. Members' posts need `r_member_social` (restricted: granted to select
     * developers), pages' `r_organization_social`. LinkedIn reports reposts and impressions only
     * in its analytics APIs (organization share statistics), which Postflow does not read yet.
     */
    async fetchMetrics(req) {
      assertTokenFresh(platform, req.account.credentials);
      let body: PlatformBody;
      try {
        const path = `/rest/socialMetadata/${encodeURIComponent(req.post.platformPostId)}`;
        body = (await restCall(settings, req)('GET', path)).body;
      } catch (err) {
        if (isGone(err)) return null; // deleted on LinkedIn
        throw err;
      }
      const reactions = Object.values((body.reactionSummaries ?? {}) as Record<string, PlatformBody>);
      return {
        likes: reactions.reduce((sum, r) => sum + count(r.count), 0),
        comments: count(body.commentSummary?.count),
        shares: 0,
        saves: 0,
        extra: {},
      };
    },

    async refresh(account) {
      const { refresh_token: refreshToken } = account.credentials;
      if (!refreshToken) {
        // LinkedIn issues refresh tokens to approved partners only; others reconnect every 60 days.
        throw new PublishError({
          category: 'auth',
          caused_by: 'user',
          code: 'account.reconnection_required',
          message: `${platform}: the access token expired and the account has no refresh token; reconnect it.`,
          retryable: false,
          outcomeUnknown: false,
        });
      }
      const client = oauthClient(platform, account.credentials, linkedinClientEnv(env));
      return refreshOAuth2({ platform, tokenUrl, ...client, refreshToken, clientAuth: 'body' });
    },
  };
}

/**
 * Both slugs are normally one LinkedIn app: `POSTFLOW_LINKEDIN_PAGE_CLIENT_*` when set, else the
 * member slug's `POSTFLOW_LINKEDIN_CLIENT_*`.
 */
function linkedinClientEnv(env: Record<string, string | undefined>) {
  return {
    ...env,
    POSTFLOW_LINKEDIN_PAGE_CLIENT_ID: env.POSTFLOW_LINKEDIN_PAGE_CLIENT_ID ?? env.POSTFLOW_LINKEDIN_CLIENT_ID,
    POSTFLOW_LINKEDIN_PAGE_CLIENT_SECRET:
      env.POSTFLOW_LINKEDIN_PAGE_CLIENT_SECRET ?? env.POSTFLOW_LINKEDIN_CLIENT_SECRET,
  };
}

/** The Posts API body for this delivery (Posts API schema, "Create a post"). */
function postBody(family: Family, req: PublishRequest, author: string, assets: Asset[]) {
  const o = req.target.options;
  const wanted = String(o.visibility ?? req.content.visibility ?? 'public');
  const visibility = family.visibility[wanted];
  if (!visibility) {
    throw rejected(family.platform, 'visibility', `LinkedIn does not offer "${wanted}" visibility here.`);
  }
  const articleUrl = str(o.article_url);
  return {
    author,
    commentary: toLittleText(req.content.text),
    visibility,
    distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
    lifecycleState: 'PUBLISHED',
    isReshareDisabledByAuthor: o.disable_reshare === true,
    ...contentOf(req, assets, articleUrl),
    // Documented for sponsored content; the Posts API does not say whether organic posts show it.
    ...(str(o.cta_label)
      ? { contentCallToActionLabel: str(o.cta_label), contentLandingPage: str(o.cta_url) ?? articleUrl }
      : {}),
  };
}

/**
 * A created post or comment without its URN: LinkedIn accepted the call but did not say which it
 * is, so the outcome is unknown and the engine looks it up before anything else.
 */
function unnamed(platform: string, what: 'post' | 'comment'): PublishError {
  return new PublishError({
    category: 'platform',
    caused_by: 'platform',
    code: `platform.${platform}.no_id`,
    message: `${platform}: the ${what} was accepted without its URN; looking it up.`,
    retryable: true,
    outcomeUnknown: true,
  });
}

const commentsPath = (post: string) => `/rest/socialActions/${encodeURIComponent(post)}/comments`;

/** A comment's link: its post's page, scrolled to the comment (`commentUrn`). */
function commentReceipt(post: string, commentUrn: string): CommentReceipt {
  const query = new URLSearchParams({ commentUrn });
  return { commentId: commentUrn, permalink: `https://www.linkedin.com/feed/update/${post}/?${query}` };
}

function receipt(id: string, publishedAt: string): DeliveryReceipt {
  return { platformPostId: id, permalink: `https://www.linkedin.com/feed/update/${id}/`, publishedAt };
}

function assetsOf(state: StepState): Asset[] {
  const list = Array.isArray(state.assets) ? state.assets : [];
  return list.flatMap((a: JsonValue) => {
    const item = a as { urn?: unknown; kind?: unknown };
    return typeof item?.urn === 'string' && (item.kind === 'image' || item.kind === 'video')
      ? [{ urn: item.urn, kind: item.kind }]
      : [];
  });
}

/** LinkedIn times are epoch milliseconds. */
const isoOf = (ms: unknown) =>
  typeof ms === 'number' ? new Date(ms).toISOString() : new Date().toISOString();
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** A Rest.li collection's elements. */
const elementsOf = (body: PlatformBody): PlatformBody[] =>
  Array.isArray(body.elements) ? body.elements : [];

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
