import type { Issue } from '../../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../../descriptor';

const TOPIC_TYPES = ['STANDARD', 'EVENT', 'OFFER', 'ALERT'];
const ACTION_TYPES = ['BOOK', 'ORDER', 'SHOP', 'LEARN_MORE', 'SIGN_UP', 'CALL'];
const ALERT_TYPES = ['COVID_19'];
const PHOTO_TYPES = ['image/jpeg', 'image/png'];
/** Business Profile photos: 10 KB to 5 MB (developers.google.com/my-business/content/upload-photos). */
const PHOTO_MIN_BYTES = 10 * 1024;
const PHOTO_MAX_BYTES = 5 * 1024 * 1024;
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/** A location's resource name, as the grant lists it and the v4 localPosts calls take it. */
export const LOCATION_NAME = /^accounts\/[^/]+\/locations\/[^/]+$/;

type Problem = (field: string, message: string, code?: string) => void;

/**
 * Google Business Profile local posts (My Business API v4, LocalPost): `summary` (the API
 * documents no limit; Business Profile's editor stops at 1,500 characters, the contract's
 * "best <1,500"), one JPEG/PNG photo or none, no video. `topicType` picks the template: EVENT
 * needs `event{title, schedule{startDate, endDate}}`, OFFER too (plus optional `offer` fields),
 * ALERT needs `alertType`. `callToAction{actionType, url}` (no url for CALL; ignored by Google on
 * OFFER posts). Two calls at once per worker: GBP allows 300 requests/minute per project and
 * about 10 edits per minute per location (socialapi-contract §1.2).
 */
export const googleRules: PlatformRules = {
  textMaxLength: 1500,
  media: {
    min: 0,
    max: 1,
    kinds: ['image'],
    limits: { image: { types: PHOTO_TYPES, minBytes: PHOTO_MIN_BYTES, maxBytes: PHOTO_MAX_BYTES } },
  },
  // `page_id`: another location of the grant (GET /v1/accounts/{id}/pages) for this post only.
  optionKeys: ['topicType', 'event', 'offer', 'alertType', 'callToAction', 'languageCode', 'page_id'],
  // Edits a published post's fields; Postflow does not edit published posts.
  unsupportedOptionKeys: ['updateMask'],
  requiredOptions: [],
  maxConcurrentCalls: 2,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    const problem: Problem = (field, message, code = 'validation.field_invalid') =>
      issues.push({ field, code, message });
    const topic = options.topicType === undefined ? 'STANDARD' : String(options.topicType);

    if (!TOPIC_TYPES.includes(topic)) {
      problem('options.topicType', `must be one of ${TOPIC_TYPES.join(', ')}.`);
    }
    if (!content.text.trim() && content.media.length === 0 && topic === 'STANDARD') {
      problem('text', 'a Google post needs text (its summary) or a photo.', 'validation.field_required');
    }
    if (topic === 'ALERT' && !content.text.trim()) {
      problem('text', 'an ALERT post needs text (its summary).', 'validation.field_required');
    }
    checkEvent(topic, options.event, content.title, problem);
    checkOffer(topic, options.offer, problem);
    checkAlert(topic, options.alertType, problem);
    checkCallToAction(topic, options.callToAction, problem);
    if (options.languageCode !== undefined && !LANGUAGE.test(String(options.languageCode))) {
      problem('options.languageCode', 'must be a BCP 47 language code such as "en" or "en-US".');
    }
    if (options.page_id !== undefined && !LOCATION_NAME.test(String(options.page_id))) {
      problem(
        'options.page_id',
        "must be one of the account's locations, accounts/{accountId}/locations/{locationId} (GET /v1/accounts/{id}/pages).",
      );
    }
    return issues;
  },
};

function checkEvent(topic: string, event: unknown, title: string | undefined, problem: Problem) {
  const needed = topic === 'EVENT' || topic === 'OFFER';
  if (event === undefined) {
    if (needed) {
      problem(
        'options.event',
        `a ${topic} post needs event{title, schedule{startDate, endDate}}; dates as {year, month, day}.`,
        'validation.field_required',
      );
    }
    return;
  }
  if (!needed)
    return problem('options.event', 'is only for EVENT and OFFER posts; set topicType or remove it.');
  if (!isObject(event)) return problem('options.event', 'must be an object {title, schedule}.');
  const eventTitle = event.title ?? title;
  if (typeof eventTitle !== 'string' || !eventTitle.trim()) {
    problem('options.event.title', 'is required (or set the post\'s "title").', 'validation.field_required');
  }
  const schedule = event.schedule;
  if (!isObject(schedule)) {
    return problem(
      'options.event.schedule',
      'is required: {startDate, endDate} as {year, month, day}.',
      'validation.field_required',
    );
  }
  const start = dateOf(schedule.startDate, 'options.event.schedule.startDate', problem);
  const end = dateOf(schedule.endDate, 'options.event.schedule.endDate', problem);
  timeOf(schedule.startTime, 'options.event.schedule.startTime', problem);
  timeOf(schedule.endTime, 'options.event.schedule.endTime', problem);
  if (start !== undefined && end !== undefined && end < start) {
    problem('options.event.schedule.endDate', 'is before startDate.');
  }
}

function checkOffer(topic: string, offer: unknown, problem: Problem) {
  if (offer === undefined) return;
  if (topic !== 'OFFER')
    return problem('options.offer', 'is only for OFFER posts; set topicType "OFFER" or remove it.');
  if (!isObject(offer))
    return problem('options.offer', 'must be an object {couponCode, redeemOnlineUrl, termsConditions}.');
  for (const key of ['couponCode', 'redeemOnlineUrl', 'termsConditions']) {
    if (offer[key] !== undefined && typeof offer[key] !== 'string')
      problem(`options.offer.${key}`, 'must be a string.');
  }
  if (typeof offer.redeemOnlineUrl === 'string' && !isHttpUrl(offer.redeemOnlineUrl)) {
    problem('options.offer.redeemOnlineUrl', 'must be an http(s) URL.');
  }
}

function checkAlert(topic: string, alertType: unknown, problem: Problem) {
  if (topic === 'ALERT' && alertType === undefined) {
    return problem(
      'options.alertType',
      `an ALERT post needs alertType (${ALERT_TYPES.join(', ')}).`,
      'validation.field_required',
    );
  }
  if (alertType === undefined) return;
  if (topic !== 'ALERT')
    return problem('options.alertType', 'is only for ALERT posts; set topicType "ALERT" or remove it.');
  if (!ALERT_TYPES.includes(String(alertType)))
    problem('options.alertType', `must be one of ${ALERT_TYPES.join(', ')}.`);
}

function checkCallToAction(topic: string, cta: unknown, problem: Problem) {
  if (cta === undefined) return;
  if (!isObject(cta)) return problem('options.callToAction', 'must be an object {actionType, url}.');
  if (topic === 'OFFER') {
    return problem(
      'options.callToAction',
      'Google ignores it on OFFER posts; use offer.redeemOnlineUrl instead.',
    );
  }
  if (!ACTION_TYPES.includes(String(cta.actionType))) {
    problem('options.callToAction.actionType', `must be one of ${ACTION_TYPES.join(', ')}.`);
  }
  if (cta.actionType === 'CALL') {
    if (cta.url !== undefined)
      problem('options.callToAction.url', 'must be left out for CALL (Google calls the business phone).');
  } else if (typeof cta.url !== 'string' || !isHttpUrl(cta.url)) {
    problem(
      'options.callToAction.url',
      'is required: the http(s) URL the button opens.',
      'validation.field_required',
    );
  }
}

/** A google.type.Date {year, month, day}, as a comparable number. */
function dateOf(value: unknown, field: string, problem: Problem): number | undefined {
  if (!isObject(value)) {
    problem(field, 'is required as {year, month, day}.', 'validation.field_required');
    return undefined;
  }
  const { year, month, day } = value;
  const valid =
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!valid) {
    problem(field, 'must be a real date {year, month, day}, e.g. {"year": 2026, "month": 12, "day": 24}.');
    return undefined;
  }
  return year * 10_000 + month * 100 + day;
}

/** A google.type.TimeOfDay {hours, minutes, seconds, nanos}, optional. */
function timeOf(value: unknown, field: string, problem: Problem) {
  if (value === undefined) return;
  const ok =
    isObject(value) &&
    inRange(value.hours ?? 0, 0, 23) &&
    inRange(value.minutes ?? 0, 0, 59) &&
    inRange(value.seconds ?? 0, 0, 59) &&
    inRange(value.nanos ?? 0, 0, 999_999_999);
  if (!ok) problem(field, 'must be {hours 0-23, minutes 0-59, seconds 0-59, nanos}.');
}

const inRange = (n: unknown, min: number, max: number) =>
  Number.isInteger(n) && (n as number) >= min && (n as number) <= max;

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const googleDescriptor: PlatformDescriptor = {
  slug: 'google',
  displayName: 'Google Business Profile',
  rules: googleRules,
  credentials: ['access_token', 'location_name'],
  apiBaseUrl: 'https://mybusiness.googleapis.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: false, metrics: true },
  // Google's OAuth 2.0 for web servers, as YouTube's (PKCE, offline access: a refresh token on
  // every connect). The account is the signed-in Google user (OpenID Connect userinfo `sub`:
  // `openid profile` name them); `business.manage` reads their accounts and locations, each
  // location recorded as a page of the grant (grant-locations.ts) and the first posted to until
  // PATCH /v1/accounts/{id}/pages chooses another.
  oauth: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    authorizePath: '/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    tokenPath: '/token',
    scopes: ['openid', 'profile', 'https://www.googleapis.com/auth/business.manage'],
    pkce: true,
    clientAuth: 'body',
    authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    profileUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    profilePath: '/v1/userinfo',
    readProfile: (body) => ({
      id: String(body.sub ?? ''),
      name: body.name,
      pictureUrl: body.picture,
    }),
    credentials: (profile) => ({ google_user_id: profile.id }),
    identityKey: 'google_user_id',
    pages: { activeKey: 'location_name', noun: 'location' },
  },
};
