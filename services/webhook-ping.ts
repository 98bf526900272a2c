import { postSigned } from '../net/signed-post';

/** What the receiver of a test ping answered: its status, or why it could not be reached. */
export interface PingAnswer {
  ok: boolean;
  status: number | null;
  error?: string;
}

/** Sends the `webhook.test` ping (signed, no delivery id); resolves with the receiver's status or why it failed. */
export async function ping(
  url: string,
  secret: string,
  webhookId: string,
  allowPrivateUrls: boolean,
): Promise<PingAnswer> {
  const body = JSON.stringify({
    event: 'webhook.test',
    data: { webhook_id: webhookId, message: 'Postflow test ping' },
  });
  try {
    const status = await postSigned(
      url,
      secret,
      body,
      { 'X-SocialAPI-Event': 'webhook.test' },
      allowPrivateUrls,
    );
    return { ok: status >= 200 && status < 300, status };
  } catch (err) {
    return { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
  }
}
