import { InstagramFake } from '../instagram/fake';

/**
 * Instagram through Facebook Login: the same Content Publishing endpoints, containers and comments
 * as the Instagram Login fake, on graph.facebook.com paths (`/v25.0/{ig-user-id}/media`, the same
 * shape), the account's id as `ig_user_id` and a Page token that does not expire: no refresh
 * endpoint.
 */
export class InstagramBusinessFake extends InstagramFake {
  constructor() {
    super('instagram_business', undefined);
  }

  override credentials(): Record<string, string> {
    const { access_token } = this.longLivedToken();
    return { ig_user_id: this.userId, access_token: access_token! };
  }
}
