import type { OAuthConnected } from './oauth-connection';

/**
 * Account events (contract §6, "Also `account.connected`…"): what webhooks receive about
 * accounts. Pure, so the connection workflow builds them. Same envelope as post events.
 */
export const ACCOUNT_EVENTS = ['account.connected'] as const;

export type AccountEventType = (typeof ACCOUNT_EVENTS)[number];

export interface AccountEvent {
  event: AccountEventType;
  data: Record<string, unknown>;
}

/**
 * `account.connected`: a connection through a consent page made an account (`created: true`) or
 * reconnected the user's account of the same platform user (`created: false`).
 */
export function connectedEvent(
  connected: OAuthConnected,
  job: { platform: string; brandId?: string; metadata?: Record<string, unknown> },
): AccountEvent {
  return {
    event: 'account.connected',
    data: {
      account_id: connected.accountId,
      platform: job.platform,
      username: connected.username ?? null,
      display_name: connected.displayName ?? null,
      profile_picture_url: connected.pictureUrl ?? null,
      created: connected.created,
      brand_id: job.brandId ?? null,
      metadata: job.metadata ?? {},
    },
  };
}
