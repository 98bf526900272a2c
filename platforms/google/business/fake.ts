import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../../kit/fake-platform';
import { authed, googleError, tokenRoute } from '../fake-api';

interface LocalPost {
  name: string;
  summary?: string;
  topicType: string;
  photo?: string;
  createTime: string;
  state: 'PROCESSING' | 'LIVE';
  body: Record<string, unknown>;
}

const TOPICS = ['STANDARD', 'EVENT', 'OFFER', 'ALERT'];
const ACTIONS = ['BOOK', 'ORDER', 'SHOP', 'LEARN_MORE', 'SIGN_UP', 'CALL'];

/** A Business Profile account (Account Management API `Account`): the person's own, or a group. */
interface FakeAccount {
  name: string;
  accountName: string;
  type: 'PERSONAL' | 'LOCATION_GROUP';
  /** Its locations (Business Information API `Location`: `locations/{id}` and `title`). */
  locations: Array<{ id: string; title: string }>;
}

/**
 * Google Business Profile's local posts (mybusiness.googleapis.com/v4, accounts.locations.
 * localPosts): create (fetching the photo from `sourceUrl` and refusing what Google refuses with
 * INVALID_ARGUMENT and a ValidationError), get, list (pageSize/pageToken), delete, on each of the
 * person's locations; posts with a photo are PROCESSING until asked about once; OAuth refresh at
 * `/token`. Connecting: Google's consent page and code grant (PKCE), OpenID Connect userinfo,
 * Account Management `accounts.list` and Business Information `accounts.locations.list`.
 */
export class GoogleBusinessFake extends FakePlatform {
  readonly posts: LocalPost[] = [];
  readonly location = 'accounts/1111/locations/2222';
  /** The person's accounts: their own with one location, a location group with two. */
  readonly accounts: FakeAccount[] = [
    {
      name: 'accounts/1111',
      accountName: 'Fake Google Person',
      type: 'PERSONAL',
      locations: [{ id: '2222', title: 'Postflow Café' }],
    },
    {
      name: 'accounts/4444',
      accountName: 'Postflow Shops',
      type: 'LOCATION_GROUP',
      locations: [
        { id: '3333', title: 'Postflow Bakery' },
        { id: '5555', title: 'Postflow Books' },
      ],
    },
  ];
  /** The signed-in Google user (OpenID Connect `sub`). */
  readonly person = { sub: '109876543210987654321', name: 'Fake Google Person' };
  /** The OAuth client the fake's refresh tokens belong to (the operator's, by environment). */
  readonly client = { id: 'gbp-client.apps.googleusercontent.com', secret: 'gbp-secret' };
  /** Every form posted to `/token`, to check the grant's shape. */
  readonly tokenRequests: Array<Record<string, string>> = [];

  override oauthApp() {
    return { clientId: this.client.id, clientSecret: this.client.secret };
  }

  /** Every location's v4 name (`accounts/{a}/locations/{l}`), in the order the grant lists them. */
  locationNames(): string[] {
    return this.accounts.flatMap((a) => a.locations.map((l) => `${a.name}/locations/${l.id}`));
  }

  /** A standard post the business makes in its Business Profile. */
  postFromApp(summary: string): void {
    const body = { summary, topicType: 'STANDARD' };
    this.posts.push({
      name: `${this.location}/localPosts/${this.nextId()}`,
      summary,
      topicType: 'STANDARD',
      createTime: new Date().toISOString(),
      state: 'LIVE',
      body,
    });
  }

  constructor() {
    super('google');
    this.routes.push(
      tokenRoute(this, this.tokenRequests, this.client, (form) => this.redeemCode(form, form.client_id!)),
      this.consentRoute('/o/oauth2/v2/auth', (id) => id === this.client.id),
      ...this.connectEndpoints(),
      ...this.endpoints(),
    );
  }

  /**
   * What connect reads: OpenID Connect's userinfo (`sub`, `name`, `picture`), Account Management
   * `GET /v1/accounts` (pageSize up to 20, pageToken), Business Information `GET
   * /v1/accounts/{id}/locations` (readMask required, pageSize up to 100, pageToken).
   */
  private connectEndpoints(): Route[] {
    return [
      {
        method: 'GET',
        path: '/v1/userinfo',
        handle: authed(this, () => ({
          status: 200,
          body: {
            ...this.person,
            given_name: 'Fake',
            family_name: 'Person',
            picture: 'https://lh3.googleusercontent.com/a/fake-person',
          },
        })),
      },
      {
        method: 'GET',
        path: '/v1/accounts',
        handle: authed(this, (req) =>
          listPage(
            req,
            20,
            'accounts',
            this.accounts.map(({ name, accountName, type }) => ({
              name,
              accountName,
              type,
              verificationState: 'VERIFIED',
            })),
          ),
        ),
      },
      {
        method: 'GET',
        path: /^\/v1\/(?<account>accounts\/[^/]+)\/locations$/,
        handle: authed(this, (req, { account }) => {
          const found = this.accounts.find((a) => a.name === account);
          if (!found) return googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
          if (!req.query.get('readMask'))
            return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', {
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.BadRequest',
                  fieldViolations: [{ field: 'read_mask', description: 'Field is required' }],
                },
              ],
            });
          const locations = found.locations.map((l) => ({ name: `locations/${l.id}`, title: l.title }));
          return listPage(req, 100, 'locations', locations);
        }),
      },
    ];
  }

  /** An account's credentials: tokens for an hour and the location it posts to. */
  credentials(): Record<string, string> {
    return {
      ...this.issueTokens(this.client.id),
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      location_name: this.location,
    };
  }

  private endpoints(): Route[] {
    const posts = /^\/v4\/(?<location>accounts\/[^/]+\/locations\/[^/]+)\/localPosts$/;
    const one = /^\/v4\/(?<name>accounts\/[^/]+\/locations\/[^/]+\/localPosts\/[^/]+)$/;
    // A location the person does not manage.
    const denied = () => googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
    const mine = (location: string | undefined) => this.locationNames().includes(location ?? '');
    return [
      {
        method: 'POST',
        path: posts,
        handle: authed(this, (req, { location }) =>
          mine(location) ? this.create(req, location!) : denied(),
        ),
      },
      {
        method: 'GET',
        path: posts,
        handle: authed(this, (req, { location }) => {
          if (!mine(location)) return denied();
          const size = Math.min(Number(req.query.get('pageSize') ?? 20), 100);
          const from = Number(req.query.get('pageToken') ?? 0);
          const newest = [...this.posts].reverse().filter((p) => p.name.startsWith(`${location}/`));
          const page = newest.slice(from, from + size);
          return {
            status: 200,
            body: {
              localPosts: page.map((p) => this.entity(p)),
              ...(from + size < newest.length ? { nextPageToken: String(from + size) } : {}),
            },
          };
        }),
      },
      {
        method: 'GET',
        path: one,
        handle: authed(this, (_req, { name }) => {
          const post = this.posts.find((p) => p.name === name);
          if (!post) return notFound();
          const answer = this.entity(post);
          post.state = 'LIVE'; // reviewed by the time it is asked about
          return { status: 200, body: answer };
        }),
      },
      {
        method: 'DELETE',
        path: one,
        handle: authed(this, (_req, { name }) => {
          const i = this.posts.findIndex((p) => p.name === name);
          if (i < 0) return notFound();
          this.posts.splice(i, 1);
          return { status: 200, body: {} };
        }),
      },
    ];
  }

  private async create(req: FakeRequest, location: string): Promise<FakeResponse> {
    const b = req.body as Record<string, any>;
    const problems: Array<{ field: string; message: string }> = [];
    if (!TOPICS.includes(b.topicType)) problems.push({ field: 'topic_type', message: 'Invalid topic type' });
    if (typeof b.summary === 'string' && [...b.summary].length > 1500) {
      problems.push({ field: 'summary', message: 'Summary is too long' });
    }
    if (
      (b.topicType === 'EVENT' || b.topicType === 'OFFER') &&
      !(b.event?.title && b.event?.schedule?.startDate)
    ) {
      problems.push({ field: 'event', message: 'Event title and schedule are required' });
    }
    if (b.topicType === 'ALERT' && b.alertType !== 'COVID_19') {
      problems.push({ field: 'alert_type', message: 'Alert type is required' });
    }
    if (b.callToAction && !ACTIONS.includes(b.callToAction.actionType)) {
      problems.push({ field: 'call_to_action.action_type', message: 'Invalid action type' });
    }
    const media = Array.isArray(b.media) ? b.media : [];
    if (media.length > 1) problems.push({ field: 'media', message: 'Only one photo is allowed' });
    const photo = media[0];
    if (photo) {
      const fetched =
        photo.mediaFormat === 'PHOTO' ? await fetchPhoto(String(photo.sourceUrl)) : 'not a PHOTO';
      if (fetched)
        problems.push({ field: 'media.source_url', message: `Could not fetch the photo: ${fetched}` });
    }
    if (problems.length) {
      return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', {
        details: [
          {
            '@type': 'type.googleapis.com/google.mybusiness.v4.ValidationError',
            errorDetails: problems.map((p) => ({ code: 3, ...p })),
          },
        ],
      });
    }
    const post: LocalPost = {
      name: `${location}/localPosts/${this.nextId()}`,
      ...(b.summary ? { summary: b.summary } : {}),
      topicType: b.topicType,
      ...(photo ? { photo: String(photo.sourceUrl) } : {}),
      createTime: new Date().toISOString(),
      state: photo ? 'PROCESSING' : 'LIVE',
      body: b,
    };
    this.posts.push(post);
    return { status: 200, body: this.entity(post) };
  }

  private entity(p: LocalPost) {
    const id = p.name.split('/').at(-1);
    return {
      ...p.body,
      name: p.name,
      createTime: p.createTime,
      updateTime: p.createTime,
      state: p.state,
      ...(p.state === 'LIVE'
        ? { searchUrl: `https://local.google.com/place?id=2222&use=posts&lpsid=${id}` }
        : {}),
      ...(p.photo
        ? { media: [{ mediaFormat: 'PHOTO', googleUrl: `https://lh3.googleusercontent.com/p/${id}` }] }
        : {}),
    };
  }
}

const notFound = () => googleError(404, 'NOT_FOUND', 'Requested entity was not found.');

/** One page of a Google list: `pageSize` (capped at `max`) items from `pageToken`, `nextPageToken` while more remain. */
function listPage(req: FakeRequest, max: number, key: string, items: readonly object[]): FakeResponse {
  const size = Math.min(Number(req.query.get('pageSize') ?? max), max);
  const from = Number(req.query.get('pageToken') ?? 0);
  return {
    status: 200,
    body: {
      [key]: items.slice(from, from + size),
      ...(from + size < items.length ? { nextPageToken: String(from + size) } : {}),
    },
  };
}

/** Google fetches `sourceUrl` itself: it must answer with a JPEG or PNG. Returns the problem, if any. */
async function fetchPhoto(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url);
    if (!response.ok) return `HTTP ${response.status}`;
    const type = response.headers.get('content-type') ?? '';
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!['image/jpeg', 'image/png'].includes(type)) return `type ${type}`;
    if (bytes.length < 10 * 1024) return 'smaller than 10 KB';
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
