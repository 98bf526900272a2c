import { lookup as lookupCallback, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent } from 'undici';

/**
 * Refuses URLs that would make Postflow call into its own network (SSRF): loopback, private,
 * link-local and other non-public ranges, and plain http, unless explicitly allowed (local
 * development and tests: POSTFLOW_ALLOW_PRIVATE_URLS=true).
 */
export async function checkOutboundUrl(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL.';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must use https.';
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) return `host ${host} does not resolve.`;
  const blocked = addresses.find(isPrivateAddress);
  return blocked
    ? `points at a private or loopback address (${blocked}); only public hosts are allowed.`
    : undefined;
}

export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    // IPv4 embedded in IPv6 (mapped ::ffff:, NAT64 64:ff9b::, deprecated compatible ::) is judged as
    // the IPv4 address it carries, in either notation (`::ffff:127.0.0.1` or `::ffff:7f00:1`).
    const embedded = a.match(/^(?:::ffff:|64:ff9b::|::)(.+)$/);
    if (embedded && embedded[1] !== '1' && embedded[1] !== '') return isPrivateAddress(toIpv4(embedded[1]));
    return (
      a === '::1' ||
      a === '::' ||
      a.startsWith('fc') ||
      a.startsWith('fd') ||
      /^fe[89ab]/.test(a) ||
      /^fe[c-f]/.test(a) ||
      a.startsWith('ff')
    );
  }
  if (isIP(address) !== 4) return true;
  const [a, b] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** `7f00:1` (two hex groups) or `127.0.0.1` as dotted IPv4; anything else is returned unchanged. */
function toIpv4(tail: string): string {
  if (isIP(tail) === 4) return tail;
  const groups = tail.split(':');
  if (groups.length !== 2 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return tail;
  const [high, low] = groups.map((g) => parseInt(g, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup for outgoing connections that refuses private and loopback addresses. The check
 * above resolves the name once; an attacker's DNS can answer differently a moment later (DNS
 * rebinding). Connecting through this lookup pins the check to the address actually dialled.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookupCallback(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
    if (err) return callback(err, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) {
      const refused = Object.assign(
        new Error(`${hostname} resolved to a private or loopback address (${blocked.address}); refused.`),
        { code: 'EPRIVATEADDRESS' },
      );
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    return callback(null, first!.address, first!.family);
  });
}

let publicOnly: Agent | undefined;

/**
 * The `dispatcher` for `fetch` calls to user-given URLs (media, webhooks): connections only to
 * public addresses, checked when connecting. Undefined when private URLs are allowed.
 */
export function outboundDispatcher(allowPrivate: boolean): Agent | undefined {
  if (allowPrivate) return undefined;
  publicOnly ??= new Agent({ connect: { lookup: publicOnlyLookup } });
  return publicOnly;
}

/** `fetch` options carrying a dispatcher (Node's fetch takes undici's; its types do not say so). */
export function withDispatcher(dispatcher: Agent | undefined): RequestInit {
  return dispatcher ? ({ dispatcher } as unknown as RequestInit) : {};
}
