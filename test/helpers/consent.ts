/**
 * A person's answer on a platform fake's consent page, without a browser: the page is read, its
 * form posted with the button's value, as a browser would on a click (platforms/kit
 * `consentRoute`). Resolves to where the fake sends the browser back (the client's redirect URI,
 * with `code` or `error`, and `state`).
 */
export async function answerConsent(authUrl: string | URL, decision: 'approve' | 'deny'): Promise<URL> {
  const page = await fetch(authUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`the consent page answered ${page.status}: ${html}`);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !requestId) throw new Error(`no consent form on the page: ${html}`);
  const answered = await fetch(new URL(action, authUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request_id: requestId, decision }),
    redirect: 'manual',
  });
  if (answered.status !== 302) throw new Error(`the consent form answered ${answered.status}`);
  return new URL(answered.headers.get('location')!);
}
