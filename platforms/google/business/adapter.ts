import type { DeliveryReceipt } from '../../../api/types';
import type { AdapterOptions, PlatformAdapter, PublishRequest, StepState } from '../../kit/adapter';
import { googleCaller, googleRefresh, type GoogleRule, isNotFound } from '../api';
import { type PlatformBody, postedSince, rejected } from '../../kit/http';
import { assertTokenFresh } from '../../kit/oauth2';
import { sameText, searchableText } from '../../kit/content';
import { MAX_LOOKUP_PAGES, searchWindow } from '../../kit/lookup-window';
import { failedForGood, warningOf, withWarning } from '../../kit/live-receipt';
import { LOCATION_NAME } from './descriptor';

const PLATFORM = 'google';
const OFFICIAL_URL = 'https://mybusiness.googleapis.com';
/** A post Google is still reviewing (`state: PROCESSING`) is asked about again after this. */
const REVIEW_POLL_MS = 5_000;
/** The posts a localPosts.list page holds for reconcile (the documented maximum page size). */
const PAGE_SIZE = 100;
/** Photos a local post takes (developers.google.com/my-business/content/upload-photos): JPG or PNG. */
const PHOTO_TYPES = ['image/jpeg', 'image/png'];

/**
 * GBP's own rows (by `errors[].reason` or canonical `status`) over Google's shared table. GBP
 * v4 mostly answers with the canonical status alone (INVALID_ARGUMENT with a
 * `google.mybusiness.v4.ValidationError` listing the fields, NOT_FOUND for an unknown location,
 * PERMISSION_DENIED for a location the user does not manage); the shared table covers those.
 */
const GBP_REASONS: Readonly<Record<string, GoogleRule>> = {
  // Not documented per code for localPosts; Google uses FAILED_PRECONDITION for a resource in
  // the wrong state, which for a post means a location that is unverified or suspended.
  FAILED_PRECONDITION: { category: 'validation', code: 'location_not_eligible' },
};

/**
 * Google Business Profile local posts (My Business API v4, accounts.locations.localPosts):
 * `summary` with one optional photo Google fetches from `media[].sourceUrl`, as a STANDARD,
 * EVENT, OFFER or ALERT post (`platform_data.topicType` and its fields).
 *
 * Credentials: `access_token`, `refresh_token`, `expires_at`, and `location_name`
 * (`accounts/{accountId}/locations/{locationId}`, the location the account posts to).
 * publish: localPosts.create (no idempotency key: reconcile searches by summary); a post Google
 * is still reviewing is polled until LIVE. Reconcile: localPosts.list, by summary and createTime.
 */
export function createGoogleAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || OFFICIAL_URL).replace(/\/$/, '');
  const call = googleCaller(PLATFORM, options, GBP_REASONS);

  const locationOf = (req: { account: PublishRequest['account'] }) => {
    const name = req.account.credentials.location_name ?? '';
    if (!LOCATION_NAME.test(name)) {
      throw rejected(
        PLATFORM,
        'location_name',
        'the account has no location_name (accounts/{accountId}/locations/{locationId}); reconnect it and pick a location.',
      );
    }
    return name;
  };

  const receiptOrPoll = (post: PlatformBody) => {
    if (post.state === 'REJECTED') {
      throw rejected(
        PLATFORM,
        'post_rejected',
        'Google rejected the post (content policy); change it and post again.',
      );
    }
    if (post.state === 'PROCESSING') {
      const processing: StepState = { name: String(post.name) };
      if (typeof post.createTime === 'string') processing.create_time = post.createTime;
      return { processing, pollAfterMs: REVIEW_POLL_MS };
    }
    return receiptOf(post);
  };

  return {
    platform: PLATFORM,

    async publish(req) {
      const location = locationOf(req);
      assertTokenFresh(PLATFORM, req.account.credentials);
      const post = await localPost(req);
      const { body } = await call(req, true)(
        'POST',
        `${base}/v4/${location}/localPosts`,
        JSON.stringify(post),
      );
      return receiptOrPoll(body);
    },

    async checkPublished(req, state: StepState) {
      let post: PlatformBody;
      try {
        post = (await call(req)('GET', `${base}/v4/${resourcePath(String(state.name))}`)).body;
      } catch (err) {
        // Google has the post (under review): a status read refused for good does not remove it.
        // Published with a warning; Google may still reject it, which only Google's UI will show.
        if (!failedForGood(err)) throw err;
        const why = 'Google accepted the post for review, but would not say whether the review passed';
        return withWarning(
          receiptOf({ name: state.name, createTime: state.create_time ?? new Date().toISOString() }),
          warningOf(PLATFORM, 'review_unconfirmed', why, err),
        );
      }
      return receiptOrPoll(post);
    },

    async findExisting(req) {
      const location = locationOf(req);
      const summary = searchableText(PLATFORM, req.content.text);
      // The order of localPosts.list is not documented: no page says the rest is older, so every
      // page is read (`pageToken`: the last page's `nextPageToken`), matching on content and time.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the location has more than ${MAX_LOOKUP_PAGES * PAGE_SIZE} posts`,
        read: async (pageToken) => {
          const query = new URLSearchParams({
            pageSize: String(PAGE_SIZE),
            ...(pageToken ? { pageToken } : {}),
          });
          const { body } = await call(req)('GET', `${base}/v4/${location}/localPosts?${query}`);
          return {
            items: Array.isArray(body.localPosts) ? body.localPosts : [],
            next: typeof body.nextPageToken === 'string' ? body.nextPageToken : undefined,
          };
        },
        matches: (p) => postedSince(p.createTime, req.since) && sameText(p.summary, summary),
      });
      return found ? receiptOf(found) : null;
    },

    /**
     * Business Profile local posts carry no engagement counts Postflow can read, and the contract
     * says their metrics are always 0: zeros, by contract, without a call.
     */
    async fetchMetrics() {
      return { likes: 0, comments: 0, shares: 0, saves: 0, extra: {} };
    },

    async unpublish(req) {
      try {
        await call(req)('DELETE', `${base}/v4/${resourcePath(req.platformPostId)}`);
      } catch (err) {
        if (isNotFound(err)) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },

    refresh: googleRefresh(PLATFORM, options),
  };
}

/**
 * The LocalPost for a delivery. Options are the keys of socialapi-contract §5 (already checked
 * by platforms/google/business/descriptor.ts): `topicType`, `event`, `offer`, `alertType`, `callToAction`,
 * `languageCode`. An event without a title takes the post's `title`.
 */
async function localPost(req: PublishRequest): Promise<PlatformBody> {
  const o = req.target.options;
  const topicType = String(o.topicType ?? 'STANDARD');
  const post: PlatformBody = { topicType };
  // The docs do not mark languageCode required; without one Google decides, so none is invented.
  if (typeof o.languageCode === 'string') post.languageCode = o.languageCode;
  if (req.content.text) post.summary = req.content.text;
  if ((topicType === 'EVENT' || topicType === 'OFFER') && isObject(o.event)) {
    post.event = { ...o.event, title: o.event.title ?? req.content.title };
  }
  if (topicType === 'OFFER' && isObject(o.offer)) post.offer = o.offer;
  if (topicType === 'ALERT') post.alertType = String(o.alertType);
  // Google ignores callToAction on OFFER posts (the offer's redeem link is the action).
  if (topicType !== 'OFFER' && isObject(o.callToAction)) post.callToAction = o.callToAction;
  const [photo] = req.media;
  if (photo) {
    if (photo.contentType && !PHOTO_TYPES.includes(photo.contentType)) {
      throw rejected(PLATFORM, 'media_type', `takes JPEG or PNG photos only, not ${photo.contentType}.`);
    }
    // Google fetches the photo itself; the URL is built now and never kept in workflow history.
    post.media = [{ mediaFormat: 'PHOTO', sourceUrl: await photo.publicUrl() }];
  }
  return post;
}

function receiptOf(post: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: String(post.name),
    // searchUrl is the post on Google Search; Google documents no other public link to a post.
    permalink: String(post.searchUrl ?? 'https://business.google.com/'),
    publishedAt: new Date(String(post.createTime ?? Date.now())).toISOString(),
  };
}

/** A post's resource name as a URL path (`accounts/1/locations/2/localPosts/3`), each id escaped. */
function resourcePath(name: string): string {
  if (!/^accounts\/[^/]+\/locations\/[^/]+\/localPosts\/[^/]+$/.test(name)) {
    throw rejected(PLATFORM, 'post_name', `"${name.slice(0, 80)}" is not a local post's name.`);
  }
  return name.split('/').map(encodeURIComponent).join('/');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
