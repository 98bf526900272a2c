import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules, PostForRules } from '../descriptor';

/** `cta_label` values socialapi-contract §5 accepts (LinkedIn's `contentCallToActionLabel`). */
const CTA_LABELS = [
  'LEARN_MORE',
  'SIGN_UP',
  'DOWNLOAD',
  'REGISTER',
  'SUBSCRIBE',
  'APPLY',
  'REQUEST_DEMO',
  'JOIN',
  'ATTEND',
];
const STRING_OPTIONS = ['article_title', 'article_description', 'alt_text', 'media_title'];

/**
 * LinkedIn's Posts API, shared by members and organization pages: commentary up to 3,000
 * characters; one image, 2–20 images (multiImage, images only), or one video; an article link
 * (`article_url`) with at most one image, used as its thumbnail. The two slugs differ in the
 * visibilities LinkedIn allows their authors.
 *
 * `maxConcurrentCalls`: LinkedIn publishes no per-second limits, only daily budgets per app and
 * per member (undisclosed, reset at midnight UTC); uploads are large. Two calls at once per worker
 * keeps one busy account from spending the app's budget in bursts.
 */
export function linkedinFamilyRules(
  name: string,
  visibilities: readonly string[],
  /** Extra keys one member of the family acts on (`page_id`: another of the grant's organizations). */
  extraOptionKeys: readonly string[] = [],
): PlatformRules {
  return {
    textMaxLength: 3000,
    textCounting: 'codepoints',
    media: {
      min: 0,
      max: 20,
      kinds: ['image', 'video'],
      // Videos API: MP4 up to 500 MB, 3 s to 30 minutes (its 75 KB floor is left to LinkedIn).
      limits: {
        video: {
          types: ['video/mp4'],
          maxBytes: 500 * 1024 * 1024,
          minDurationSec: 3,
          maxDurationSec: 30 * 60,
        },
      },
    },
    optionKeys: [
      'visibility',
      'article_url',
      'article_title',
      'article_description',
      'cta_label',
      'cta_url',
      'alt_text',
      'alt_texts',
      'media_title',
      'disable_reshare',
      ...extraOptionKeys,
    ],
    requiredOptions: [],
    maxConcurrentCalls: 2,
    refusesDuplicateText: true,
    check: (post) => [...contentIssues(name, post), ...optionIssues(name, post, visibilities)],
  };
}

function contentIssues(name: string, { content, options, media }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  const problem = (field: string, message: string, code = 'validation.field_invalid') =>
    issues.push({ field, code, message });
  const hasArticle = typeof options.article_url === 'string' && options.article_url !== '';
  if (!content.text.trim() && content.media.length === 0 && !hasArticle) {
    problem('text', `${name} needs text, media or an article_url.`, 'validation.field_required');
  }
  if (content.media.length > 1 && media.some((m) => m.kind === 'video')) {
    problem('media', `${name} takes a video only on its own; post images (up to 20) or one video.`);
  }
  if (hasArticle && (content.media.length > 1 || media.some((m) => m.kind === 'video'))) {
    problem('media', `an article post takes at most one image (its thumbnail); remove the other media.`);
  }
  return issues;
}

function optionIssues(
  name: string,
  { content, options }: PostForRules,
  visibilities: readonly string[],
): Issue[] {
  const issues: Issue[] = [];
  const problem = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);

  for (const key of STRING_OPTIONS) {
    if (options[key] !== undefined && typeof options[key] !== 'string')
      problem(`options.${key}`, 'must be a string.');
  }
  if (options.article_url !== undefined && !isUrl(options.article_url)) {
    problem('options.article_url', 'must be an http(s) URL.');
  }
  for (const key of ['article_title', 'article_description']) {
    if (options[key] !== undefined && options.article_url === undefined) {
      problem(`options.${key}`, 'describes an article; set article_url too.');
    }
  }
  if (options.cta_label !== undefined) {
    if (!CTA_LABELS.includes(String(options.cta_label))) {
      problem('options.cta_label', `must be one of ${CTA_LABELS.join(', ')}.`);
    } else if (options.article_url === undefined) {
      problem('options.cta_label', 'needs article_url (the page the button opens).');
    }
  }
  if (options.cta_url !== undefined && !isUrl(options.cta_url))
    problem('options.cta_url', 'must be an http(s) URL.');
  // Extra alt texts are harmless (they describe nothing); only their type matters.
  const altTexts = options.alt_texts;
  if (altTexts !== undefined && (!Array.isArray(altTexts) || altTexts.some((t) => typeof t !== 'string'))) {
    problem('options.alt_texts', 'must be a list of strings, one per media item.');
  }
  if (options.disable_reshare !== undefined && typeof options.disable_reshare !== 'boolean') {
    problem('options.disable_reshare', 'must be true or false.');
  }
  if (options.visibility !== undefined && !visibilities.includes(String(options.visibility))) {
    problem('options.visibility', `must be one of ${visibilities.join(', ')} for ${name}.`);
  }
  if (options.visibility === undefined && content.visibility && !visibilities.includes(content.visibility)) {
    issues.push({
      field: 'visibility',
      code: 'validation.field_invalid',
      message: `${name} offers ${visibilities.join(', ')}; "${content.visibility}" is not one of them.`,
    });
  }
  return issues;
}

/** A LinkedIn member's posts (urn:li:person): public, connections only, or logged-in members. */
export const linkedinRules: PlatformRules = linkedinFamilyRules('LinkedIn', [
  'public',
  'connections_only',
  'logged_in',
  'private',
]);

export const linkedinDescriptor: PlatformDescriptor = {
  slug: 'linkedin',
  displayName: 'LinkedIn',
  rules: linkedinRules,
  credentials: ['access_token'],
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  apiBaseUrl: 'https://api.linkedin.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
  // Sign In with LinkedIn (OpenID Connect) for the profile, w_member_social to post. LinkedIn's
  // web apps authenticate with their secret; PKCE is for its native apps only.
  oauth: {
    authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    authorizePath: '/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    tokenPath: '/oauth/v2/accessToken',
    scopes: ['openid', 'profile', 'w_member_social'],
    pkce: false,
    clientAuth: 'body',
    profilePath: '/v2/userinfo',
    readProfile: (body) => ({
      id: String(body.sub ?? ''),
      name: body.name,
      pictureUrl: body.picture,
    }),
    credentials: (profile) => ({ person_id: profile.id }),
    identityKey: 'person_id',
  },
};

/**
 * A LinkedIn organization page's posts (urn:li:organization): the member rules, but pages have no
 * connections, so only public or logged-in members (Posts API `visibility`).
 */
export const linkedinPageRules: PlatformRules = linkedinFamilyRules(
  'LinkedIn pages',
  ['public', 'logged_in'],
  // One of the organizations the member's grant gives (GET /v1/accounts/{id}/pages), not the default.
  ['page_id'],
);

export const linkedinPageDescriptor: PlatformDescriptor = {
  slug: 'linkedin_page',
  displayName: 'LinkedIn pages',
  rules: linkedinPageRules,
  credentials: ['access_token'],
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  apiBaseUrl: 'https://api.linkedin.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
  // The member's grant (the same app as `linkedin`, with the Community Management API's
  // organization scopes); the organizations the member administers are read after it.
  oauth: {
    ...linkedinDescriptor.oauth!,
    scopes: ['openid', 'profile', 'r_organization_admin', 'w_organization_social', 'r_organization_social'],
    pages: { activeKey: 'organization_id', noun: 'LinkedIn organization page' },
  },
};
