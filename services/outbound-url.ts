import type { Issue } from '../api/errors';
import { checkOutboundUrl } from '../net/guard';

/**
 * The validation issue for a URL a user gives that Postflow will call (a webhook, a callback, a
 * self-hosted platform's server): private networks are refused (SSRF), and plain http unless
 * `allowPrivateUrls`. Undefined when the URL may be called.
 */
export async function outboundUrlIssue(
  url: string,
  field: string,
  allowPrivateUrls: boolean,
): Promise<Issue | undefined> {
  const refused = await checkOutboundUrl(url, allowPrivateUrls);
  return refused ? { field, code: 'validation.field_invalid', message: refused } : undefined;
}
