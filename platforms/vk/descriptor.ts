import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * A wall post's text: at most 16,384 characters in `message`, the limit VK's editor and API clients
 * work with; wall.post's page states none, so a longer limit VK allows is not used.
 */
const MESSAGE_MAX = 16_384;
/** A post carries at most 10 media (dev.vk.com, wall.post: "no more than 10 media"). */
export const VK_MAX_MEDIA = 10;

/**
 * Options of a VK target (`platform_options.vk`, or a target's `platform_data`): each is a
 * parameter of `wall.post` (dev.vk.com/method/wall.post); anything else is refused by name.
 */
export const vkOptionsSchema = z
  .object({
    /**
     * On a community's wall (a negative `owner_id`): `false` posts as the user who owns the token
     * instead of as the community (the default). Ignored by VK on a user's wall.
     */
    from_group: z.boolean().optional(),
    /** A community post signed with the name of the user who posted it. */
    signed: z.boolean().optional(),
    /** Only the owner's friends see the post (a user's wall). */
    friends_only: z.boolean().optional(),
    /** Comments on the post are closed. */
    close_comments: z.boolean().optional(),
    /** Followers get no notification of the post. */
    mute_notifications: z.boolean().optional(),
  })
  .strict();

/**
 * VK (VKontakte) wall posts: text and up to 10 photos (JPG, PNG, GIF; uploaded to the wall's
 * photo server before the post). Video uploads are another flow Postflow does not make yet.
 *
 * maxConcurrentCalls: VK allows a user token 3 calls a second (error 6 beyond), so at most 2 at once.
 */
export const vkRules: PlatformRules = {
  textMaxLength: MESSAGE_MAX,
  media: { min: 0, max: VK_MAX_MEDIA, kinds: ['image'] },
  requiredOptions: [],
  optionKeys: Object.keys(vkOptionsSchema.shape),
  maxConcurrentCalls: 2,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    if (!content.text.trim() && content.media.length === 0) {
      issues.push({ field: 'text', code: 'validation.field_required', message: 'VK needs text or media.' });
    }
    issues.push(...optionIssues(vkOptionsSchema, options));
    return issues;
  },
};

/** The VK API version Postflow speaks (required on every method call and on the dialog). */
export const VK_API_VERSION = '5.199';

export const vkDescriptor: PlatformDescriptor = {
  slug: 'vk',
  displayName: 'VK',
  rules: vkRules,
  // A user or community access token with `wall` (and `photos` for media), and the wall it posts to.
  credentials: ['access_token', 'owner_id'],
  checkCredentials: ({ owner_id }) =>
    owner_id === undefined || /^-?[1-9]\d{0,18}$/.test(owner_id)
      ? []
      : [
          {
            field: 'credentials.owner_id',
            code: 'validation.field_invalid',
            message:
              "must be the wall's numeric id: a user's id, or a community's id with a minus sign (-123).",
          },
        ],
  prepareStep: 'with-media',
  apiBaseUrl: 'https://api.vk.com',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: false },
  // The classic authorization code flow (oauth.vk.com), not VK ID's OAuth 2.1: the adapter has
  // no refresh, and `offline` gives a user token that never expires (`expires_in: 0`), where a
  // VK ID token lives an hour and needs the `device_id` from the callback to refresh. The wall is
  // the person's own; `v` is required on the dialog and on every API method.
  oauth: {
    authorizeUrl: 'https://oauth.vk.com/authorize',
    authorizePath: '/authorize',
    tokenUrl: 'https://oauth.vk.com/access_token',
    tokenPath: '/access_token',
    scopes: ['wall', 'photos', 'offline'],
    scopeSeparator: ',',
    pkce: false,
    clientAuth: 'body',
    authorizeParams: { display: 'page', v: VK_API_VERSION },
    profilePath: `/method/users.get?v=${VK_API_VERSION}&fields=screen_name,photo_100`,
    profileTokenParameter: 'access_token',
    readProfile: (body) => {
      const user = body.response?.[0];
      const name = [user?.first_name, user?.last_name].filter(Boolean).join(' ');
      return {
        id: user?.id === undefined ? '' : String(user.id),
        ...(user?.screen_name ? { username: String(user.screen_name) } : {}),
        ...(name ? { name } : {}),
        ...(user?.photo_100 ? { pictureUrl: String(user.photo_100) } : {}),
      };
    },
    credentials: (profile) => ({ user_id: profile.id, owner_id: profile.id }),
    identityKey: 'user_id',
  },
};
