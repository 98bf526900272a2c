import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent } from 'undici';

/**
 * Every address a name resolves to (`family` 0: both). Production uses the system resolver; tests
 * inject one they control (a name that rebinds from a public address to loopback).
 */
export type Resolve = (hostname: string, family: number) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname, family) =>
  lookup(hostname, { all: true, family: family as 0 | 4 | 6 });

/**
 * How requests to a host a user supplied (an account's Mastodon `instance_url`, Bluesky `service`,
 * a webhook, a media URL) may go out.
 */
export interface OutboundPolicy {
  /** Plain http and private or loopback addresses allowed (POSTFLOW_ALLOW_PRIVATE_URLS: development, tests). */
  allowPrivate: boolean;
  /** How names are resolved when connecting. @default the system resolver */
  resolve?: Resolve;
}

/** The production policy: https to public addresses only. */
export const PUBLIC_ONLY: OutboundPolicy = { allowPrivate: false };

/**
 * Refuses URLs that would make Postflow call into its own network (SSRF): loopback, private,
 * link-local and other non-public ranges, and plain http, unless explicitly allowed (local
 * development and tests: POSTFLOW_ALLOW_PRIVATE_URLS=true).
 */
export async function checkOutboundUrl(
  raw: string,
  allowPrivate: boolean,
  resolve: Resolve = systemResolve,
): Promise<string | undefined> {
  const parsed = outboundHost(raw, allowPrivate);
  if (typeof parsed !== 'object') return parsed;
  if (allowPrivate) return undefined;
  const { host } = parsed;
  const addresses = isIP(host) ? [host] : (await resolve(host, 0).catch(() => [])).map((a) => a.address);
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

/**
 * Why a request to `raw`, on a host a user supplied, may not be sent; undefined when it may. The
 * URL's own parts only: a name's addresses are judged when connecting (`outboundDispatcher`),
 * because Node skips the connect-time lookup for a literal IP, which must therefore be judged here.
 */
export function refusedTarget(raw: string, allowPrivate: boolean): string | undefined {
  const parsed = outboundHost(raw, allowPrivate);
  if (typeof parsed !== 'object') return parsed;
  const { host } = parsed;
  if (!allowPrivate && isIP(host) && isPrivateAddress(host))
    return 'points at a private or loopback address; only public hosts are allowed.';
  return undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** The code of the connection error raised when a name resolves to a private or loopback address. */
export const PRIVATE_ADDRESS_REFUSED = 'EPRIVATEADDRESS';

/**
 * A DNS lookup for outgoing connections that refuses private and loopback addresses. The check
 * above resolves the name once; an attacker's DNS can answer differently a moment later (DNS
 * rebinding). Connecting through this lookup pins the check to the address actually dialled.
 */
export function publicOnlyLookupVia(resolve: Resolve) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0))
      .then((addresses) => {
        if (addresses.length === 0) {
          return callback(
            Object.assign(new Error(`${hostname} does not resolve.`), { code: 'ENOTFOUND' }),
            [],
          );
        }
        const blocked = addresses.find((a) => isPrivateAddress(a.address));
        if (blocked) {
          const refused = Object.assign(
            new Error(`${hostname} resolved to a private or loopback address (${blocked.address}); refused.`),
            { code: PRIVATE_ADDRESS_REFUSED },
          );
          return callback(refused, []);
        }
        if (options.all) return callback(null, addresses);
        const [first] = addresses;
        return callback(null, first!.address, first!.family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, []));
  };
}

export const publicOnlyLookup = publicOnlyLookupVia(systemResolve);

let publicOnly: Agent | undefined;
const publicOnlyVia = new WeakMap<Resolve, Agent>();

/**
 * The `dispatcher` for `fetch` calls to user-given URLs (media, webhooks, self-hosted platforms):
 * connections only to public addresses, checked when connecting. Undefined when private URLs are
 * allowed.
 */
export function outboundDispatcher(allowPrivate: boolean, resolve?: Resolve): Agent | undefined {
  if (allowPrivate) return undefined;
  if (!resolve) return (publicOnly ??= new Agent({ connect: { lookup: publicOnlyLookup } }));
  let agent = publicOnlyVia.get(resolve);
  if (!agent) {
    agent = new Agent({ connect: { lookup: publicOnlyLookupVia(resolve) } });
    publicOnlyVia.set(resolve, agent);
  }
  return agent;
}

/** `fetch` options carrying a dispatcher (Node's fetch takes undici's; its types do not say so). */
export function withDispatcher(dispatcher: Agent | undefined): RequestInit {
  return dispatcher ? ({ dispatcher } as unknown as RequestInit) : {};
}

/** The host of an outbound URL (brackets of an IPv6 literal removed), or why the URL is refused. */
function outboundHost(raw: string, allowPrivate: boolean): { host: string } | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL.';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must use https.';
  return { host: url.hostname.replace(/^\[|\]$/g, '') };
}
