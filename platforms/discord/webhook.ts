/**
 * A Discord channel webhook's URL, as Discord shows it (Server Settings → Integrations →
 * Webhooks → Copy Webhook URL): `https://discord.com/api/webhooks/<id>/<token>`, also on
 * discordapp.com and the canary and ptb hosts, with or without an API version.
 *
 * Only the id and the token are taken from it: calls go to the configured API base (the official
 * one, or `POSTFLOW_DISCORD_API_URL`), never to a host the account names, so the URL cannot point
 * the worker anywhere else.
 */
const WEBHOOK_URL =
  /^https:\/\/(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/(\d{1,20})\/([\w-]{1,200})\/?$/;

export interface Webhook {
  id: string;
  token: string;
}

/** The webhook a URL names; undefined when it is not a Discord webhook URL. */
export function parseWebhookUrl(url: string): Webhook | undefined {
  const m = WEBHOOK_URL.exec(url.trim());
  return m ? { id: m[1]!, token: m[2]! } : undefined;
}

/** A webhook path as telemetry names it: the token is the webhook's password. */
export const redactWebhookToken = (path: string): string =>
  path.replace(/(\/webhooks\/\d+\/)[^/]+/, '$1{token}');
