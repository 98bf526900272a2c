import type { FakeMetaPage } from '../fake-graph';
import { InstagramFake } from '../instagram/fake';

/**
 * Instagram through Facebook Login: the same Content Publishing endpoints, containers and comments
 * as the Instagram Login fake, on graph.facebook.com paths (`/v25.0/{ig-user-id}/media`, the same
 * shape), the account's id as `ig_user_id` and a Page token that does not expire: no refresh
 * endpoint. Facebook Login gives the person's Pages; two of the three have an Instagram business
 * account linked (the first is this fake's publishing account).
 */
export class InstagramBusinessFake extends InstagramFake {
  readonly pages: readonly FakeMetaPage[] = [
    { id: '104857600111111', name: 'Shop Page', instagram: { id: this.userId, username: 'postflow' } },
    { id: '104857600222222', name: 'Blog Page' },
    {
      id: '104857600333333',
      name: 'Studio Page',
      instagram: { id: '17841400000000002', username: 'postflow_studio' },
    },
  ];

  constructor() {
    super('instagram_business', undefined);
    // Before the account's own routes: `/{page-id}` is a Page here, not a media object.
    this.routes.unshift(...this.loginRoutes(this.pages));
  }

  override credentials(): Record<string, string> {
    const { access_token } = this.longLivedToken();
    return { ig_user_id: this.userId, access_token: access_token! };
  }
}
