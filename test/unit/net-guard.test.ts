import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkOutboundUrl,
  isPrivateAddress,
  outboundDispatcher,
  publicOnlyLookup,
  withDispatcher,
} from '../../net/guard';
import { signatureHeaders } from '../../net/webhook-signature';
import { createHmac } from 'node:crypto';

describe('outbound URL guard (SSRF)', () => {
  test.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    // IPv4-mapped addresses in hex, as URL parsing writes them ([::ffff:127.0.0.1] → ::ffff:7f00:1)
    '::ffff:7f00:1',
    '::ffff:a00:1',
    '64:ff9b::a9fe:a9fe',
    '::7f00:1',
    'fec0::1',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  test.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:808:808'])(
    '%s is public',
    (address) => expect(isPrivateAddress(address)).toBe(false),
  );

  test('a URL with a bracketed IPv4-mapped host is refused', async () => {
    expect(await checkOutboundUrl('https://[::ffff:127.0.0.1]/x', false)).toMatch(/private or loopback/);
  });

  test('loopback, private and link-local hosts and plain http are refused unless allowed', async () => {
    expect(await checkOutboundUrl('https://127.0.0.1/hook', false)).toMatch(/private or loopback/);
    expect(await checkOutboundUrl('https://169.254.169.254/latest/meta-data', false)).toMatch(
      /private or loopback/,
    );
    expect(await checkOutboundUrl('https://localhost/hook', false)).toMatch(/private or loopback/);
    expect(await checkOutboundUrl('http://8.8.8.8/hook', false)).toMatch(/https/);
    expect(await checkOutboundUrl('ftp://example.com', true)).toMatch(/https/);
    expect(await checkOutboundUrl('nonsense', false)).toMatch(/not a valid URL/);
    expect(await checkOutboundUrl('https://8.8.8.8/hook', false)).toBeUndefined();
    expect(await checkOutboundUrl('http://127.0.0.1:9/hook', true)).toBeUndefined();
  });
});

test('webhook signatures follow the contract: v1 over the body, v2 over "<timestamp>.<body>"', () => {
  const headers = signatureHeaders('s3cret', '{"event":"post.published"}', 1_700_000_000);
  const hmac = (data: string) => `sha256=${createHmac('sha256', 's3cret').update(data).digest('hex')}`;
  expect(headers).toEqual({
    'X-SocialAPI-Signature': hmac('{"event":"post.published"}'),
    'X-SocialAPI-Signature-V2': hmac('1700000000.{"event":"post.published"}'),
    'X-SocialAPI-Timestamp': '1700000000',
  });
});

describe('connections pinned to public addresses (DNS rebinding)', () => {
  test('the lookup refuses a name that resolves to loopback', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', {}, (e) => resolve(e)),
    );
    expect(err).toMatchObject({ code: 'EPRIVATEADDRESS' });
  });

  test('a fetch through the outbound dispatcher never reaches a private address, whatever the URL check said', async () => {
    let reached = false;
    const server = createServer((_req, res) => {
      reached = true;
      res.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // As if the name had resolved to a public address when checked, then to loopback when dialled.
      const answer = fetch(`http://localhost:${port}/`, withDispatcher(outboundDispatcher(false)));
      await expect(answer).rejects.toThrow();
      expect(reached).toBe(false);
      expect(outboundDispatcher(true)).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
