/**
 * Which addresses lie outside the public internet, in every spelling a URL parser or the OS
 * accepts (architecture.md, "Security"). Host names are normalised by the WHATWG URL parser,
 * which turns `2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1` and full-width digits into
 * `127.0.0.1`, and `[::ffff:127.0.0.1]` into `[::ffff:7f00:1]`; what is left (IPv6 forms, names)
 * is classified here. Pure, from the spelling alone: main's network policy (which also checks
 * what a name resolves to) and the Settings page (which refuses a private bucket endpoint as it
 * is typed) use this one classification.
 */

const V4_PART = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const V4 = new RegExp(`^${V4_PART}(\\.${V4_PART}){3}$`);
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** 4 for a dotted-decimal IPv4 address, 6 for an IPv6 one (zone id allowed), 0 otherwise: as Node's `net.isIP`. */
export function isIP(address: string): 0 | 4 | 6 {
  if (V4.test(address)) return 4;
  const zone = address.indexOf('%');
  const text = zone >= 0 ? address.slice(0, zone) : address;
  if (zone >= 0 && zone === address.length - 1) return 0;
  if (!text.includes(':')) return 0;
  const halves = text.split('::');
  if (halves.length > 2) return 0;
  const groupsOf = (part: string): string[] | undefined => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return 0;
  const all = [...head, ...tail];
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i];
    if (i === all.length - 1 && V4.test(group)) width += 2;
    else if (HEX_GROUP.test(group)) width += 1;
    else return 0;
  }
  if (halves.length === 2) return width <= 7 ? 6 : 0;
  return width === 8 ? 6 : 0;
}

/** Where a refused address points, for the message. */
export type AddressKind =
  'loopback' | 'private' | 'shared' | 'link-local' | 'unique-local' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved' | 'ipv4-in-ipv6';

/** The kind in words: "this computer", "a private network" … */
export const ADDRESS_WORDS: Record<AddressKind, string> = {
  loopback: 'this computer',
  private: 'a private network',
  shared: "a provider's private network (carrier-grade NAT)",
  'link-local': 'the local network segment (link-local)',
  'unique-local': 'a private network (IPv6 unique-local)',
  unspecified: 'no particular address (which reaches this computer)',
  multicast: 'a multicast group',
  broadcast: 'every machine on the local network (broadcast)',
  reserved: 'a reserved range that is not on the internet',
  'ipv4-in-ipv6': 'an IPv4 address written as IPv6'
};

/**
 * The host as a URL parser leaves it: lower case, no trailing dot, IPv4 in dotted decimal, IPv6
 * compressed and without brackets. Anything the parser refuses is returned lower-cased, as is.
 */
export function normalizeHost(hostname: string): string {
  let host = hostname.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const zone = host.indexOf('%');
  if (zone >= 0 && host.includes(':')) host = host.slice(0, zone);
  let parsed: string | undefined;
  try {
    parsed = new URL(`http://${host.includes(':') ? `[${host}]` : host}/`).hostname;
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) host = parsed;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host.replace(/\.+$/, '');
}

function ipv4Bytes(address: string): number[] | undefined {
  if (isIP(address) !== 4) return undefined;
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (with or without a dotted IPv4 tail). */
export function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail = ipv4Bytes(dotted[1]) ?? [];
    text = text.slice(0, -dotted[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const missing = 8 - tail.length / 2 - left.length - right.length;
  const words = [...left, ...(rest === undefined ? [] : new Array<number>(missing).fill(0)), ...right];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  return [...bytes, ...tail];
}

function classifyV4([a, b, c]: number[]): AddressKind | undefined {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'shared';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 255 && b === 255 && c === 255) return 'broadcast';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  // IETF protocol assignments, the documentation ranges and benchmarking.
  if (
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113)
  )
    return 'reserved';
  return undefined;
}

function classifyV6(bytes: number[]): AddressKind | undefined {
  const zeroTo = (n: number): boolean => bytes.slice(0, n).every((x) => x === 0);
  if (zeroTo(16)) return 'unspecified';
  if (zeroTo(15) && bytes[15] === 1) return 'loopback';
  // ::a.b.c.d (compatible), ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated): an IPv4
  // address in IPv6 clothing, which the OS may well connect to as IPv4. No real link uses one.
  if (zeroTo(12)) return 'ipv4-in-ipv6';
  if (zeroTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return 'ipv4-in-ipv6';
  if (zeroTo(8) && bytes[8] === 0xff && bytes[9] === 0xff && bytes[10] === 0 && bytes[11] === 0) return 'ipv4-in-ipv6';
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that the gateway reaches.
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b) return classifyV4(bytes.slice(12));
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyV4(bytes.slice(2, 6));
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80) return 'link-local';
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0xc0) return 'private'; // site-local, deprecated
  if ((bytes[0] & 0xfe) === 0xfc) return 'unique-local';
  if (bytes[0] === 0xff) return 'multicast';
  if (bytes[0] === 0x01 && bytes[1] === 0 && zeroTo(8)) return 'reserved'; // 100::/64, discard
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0x0d && bytes[3] === 0xb8) return 'reserved'; // documentation
  return undefined;
}

/** Why an IP address is not on the public internet; undefined when it is, or when `address` is no IP. */
export function classifyAddress(address: string): AddressKind | undefined {
  const host = normalizeHost(address);
  const v4 = ipv4Bytes(host);
  if (v4) return classifyV4(v4);
  const v6 = ipv6Bytes(host);
  return v6 ? classifyV6(v6) : undefined;
}

/** The IPv4 address inside an IPv4-in-IPv6 one (`::ffff:7f00:1` → `127.0.0.1`); undefined for any other. */
function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(normalizeHost(address));
  return bytes && classifyV6(bytes) === 'ipv4-in-ipv6' ? bytes.slice(12).join('.') : undefined;
}

/**
 * Where a refused address points, in words: "this computer", or for an IPv4 address written as
 * IPv6, which one it is ("127.0.0.1 written as IPv6, which is this computer").
 */
export function addressWords(address: string, kind: AddressKind): string {
  const v4 = kind === 'ipv4-in-ipv6' ? embeddedIpv4(address) : undefined;
  if (!v4) return ADDRESS_WORDS[kind];
  const inner = classifyAddress(v4);
  return `${v4} written as IPv6${inner ? `, which is ${ADDRESS_WORDS[inner]}` : ''}`;
}

/** Names that always mean this computer, whatever DNS says (RFC 6761). */
export function isLocalhostName(hostname: string): boolean {
  const host = normalizeHost(hostname);
  return host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.localdomain';
}

/**
 * Why a URL's host is not on the public internet, from its spelling alone: an address literal,
 * or a `localhost` name. A public-looking name is undefined here; what it resolves to is checked
 * when it is looked up (policy.ts).
 */
export function classifyHost(hostname: string): AddressKind | undefined {
  if (isLocalhostName(hostname)) return 'loopback';
  return classifyAddress(hostname);
}

/**
 * Why APIXO, out on the internet, could never fetch from a bucket at this endpoint, as a
 * sentence; undefined when it may, or when the endpoint is not yet a web address.
 */
export function unreachableEndpoint(endpoint: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(endpoint.trim()).hostname;
  } catch {
    return undefined;
  }
  const kind = classifyHost(hostname);
  if (kind === undefined) return undefined;
  const host = normalizeHost(hostname);
  const shown = host.includes(':') ? `[${host}]` : host;
  return `The endpoint ${shown} is on ${addressWords(hostname, kind)}, which APIXO cannot reach from the internet: use a bucket endpoint that is publicly reachable.`;
}
