/**
 * One network policy for everything the app fetches from an address it was given: result videos,
 * their redirects, and images taken from a web page (architecture.md, "Security").
 *
 * - https only; http only to the configured API host when that host is on this computer (the
 *   simulator);
 * - no address on this computer or a private network, in any spelling (address.ts), unless it is
 *   exactly the configured API host and port;
 * - a name that resolves to such an address is refused as well, when it is looked up;
 * - every redirect is checked again, as if it were the first address.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { addressWords, classifyAddress, classifyHost, normalizeHost, type AddressKind } from './address';

export type UrlRefusalReason = 'malformed' | 'scheme' | 'address';

/** An address the app will not fetch from, in words a person can read. */
export class UrlRefusal extends Error {
  readonly reason: UrlRefusalReason;
  /** The address refused (the redirect's, when a redirect was). */
  readonly url: string;
  readonly kind?: AddressKind;

  constructor(reason: UrlRefusalReason, message: string, url: string, kind?: AddressKind) {
    super(message);
    this.name = 'UrlRefusal';
    this.reason = reason;
    this.url = url;
    this.kind = kind;
  }
}

/** The refusal behind an error, however deep a client wrapped it; undefined when there is none. */
export function refusalIn(error: unknown): UrlRefusal | undefined {
  for (let e = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof UrlRefusal) return e;
  }
  return undefined;
}

export interface NetPolicyOptions {
  /**
   * The configured API base URL (the simulator's while simulating), read at every check because
   * the client can change. Its exact host and port is the one private address allowed (or each of
   * them, while the simulator still collects simulated tasks beside APIXO).
   */
  apiBaseUrl?: () => string | readonly string[] | undefined;
  /** How messages name what is fetched: "The video's link", "The image link". */
  subject?: string;
  /** A sentence added to every refusal: what the person can do instead. */
  advice?: string;
  /** The resolver names go through; the OS's (`dns.lookup`) unless a test stands in for a hostile DNS. */
  resolve?: typeof dnsLookup;
}

/** Where a request stands: the address checked, and whether it was reached through a redirect. */
interface Hop {
  url: URL;
  redirected: boolean;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** `dns.lookup`'s shape, as node:net, node:http and got call it. */
export type PolicyLookup = (hostname: string, options: LookupOneOptions | LookupAllOptions | number | LookupCallback, callback?: LookupCallback) => void;

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
const SHOWN_MAX = 120;

function shown(url: string): string {
  return url.length > SHOWN_MAX ? `${url.slice(0, SHOWN_MAX - 1)}…` : url;
}

function hostPort(url: URL): string {
  return `${normalizeHost(url.hostname)}:${url.port || DEFAULT_PORTS[url.protocol] || ''}`;
}

export class NetPolicy {
  private readonly subject: string;

  constructor(private readonly options: NetPolicyOptions = {}) {
    this.subject = options.subject ?? 'The link';
  }

  /** The configured API addresses that parse. */
  private apis(): URL[] {
    const base = this.options.apiBaseUrl?.();
    const bases = base === undefined ? [] : typeof base === 'string' ? [base] : base;
    return bases.flatMap((b) => {
      try {
        return [new URL(b)];
      } catch {
        return [];
      }
    });
  }

  /** Whether `url` is exactly a configured API host and port. */
  private isApiHost(url: URL): boolean {
    const at = hostPort(url);
    return this.apis().some((api) => hostPort(api) === at);
  }

  private verb(redirected: boolean): string {
    return redirected ? 'redirects to' : 'points to';
  }

  /** The end of every refusal: what the app does fetch, and what to do instead. */
  private tail(): string {
    const where = this.apis().length > 0 ? 'from the internet, and from the API address set in Settings' : 'from the internet';
    return `the app fetches only ${where}, so nothing was fetched.${this.options.advice ? ` ${this.options.advice}` : ''}`;
  }

  /**
   * The address as it will be fetched; throws `UrlRefusal` when the policy refuses it.
   * `redirected` words the message for a redirect's target.
   */
  check(url: string | URL, redirected = false): URL {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url.trim()) : new URL(url.href);
    } catch {
      throw new UrlRefusal(
        'malformed',
        `${this.subject} ${this.verb(redirected)} "${shown(String(url))}", which is not a web address; ${this.tail()}`,
        String(url)
      );
    }
    const href = shown(parsed.href);
    const kind = classifyHost(parsed.hostname);
    const apiHost = this.isApiHost(parsed);
    // Where it points is said first: that is what makes the address dangerous.
    if (kind !== undefined && !apiHost) throw this.addressRefusal(parsed.href, parsed.hostname, kind, redirected);
    if (parsed.protocol !== 'https:') {
      const at = hostPort(parsed);
      const local =
        apiHost && parsed.protocol === 'http:' && kind === 'loopback' && this.apis().some((api) => api.protocol === 'http:' && hostPort(api) === at);
      if (!local) {
        throw new UrlRefusal(
          'scheme',
          `${this.subject} ${this.verb(redirected)} ${href}, which is not a secure (https) address; the app fetches only over https ` +
            `(plain http only from the built-in simulator on this computer), so nothing was fetched.${this.options.advice ? ` ${this.options.advice}` : ''}`,
          parsed.href
        );
      }
    }
    return parsed;
  }

  private addressRefusal(url: string, address: string, kind: AddressKind, redirected: boolean, name?: string): UrlRefusal {
    const what = name ? `${name}, which resolves to ${address}` : address;
    return new UrlRefusal(
      'address',
      `${this.subject} ${this.verb(redirected)} an address on this computer or a private network (${what}: ${addressWords(address, kind)}); ${this.tail()}`,
      url,
      kind
    );
  }

  /**
   * Options for got that hold one request to the policy: the first address and every redirect
   * are checked, and every name is checked once it is looked up. Throws `UrlRefusal` at once when
   * the first address is refused; later refusals end the request with a `RequestError` whose
   * cause is the `UrlRefusal` (`refusalIn` finds it).
   */
  gotOptions(url: string | URL): { dnsLookup: PolicyLookup; hooks: { beforeRedirect: ((options: { url?: string | URL }) => void)[] } } {
    const hop: Hop = { url: this.check(url), redirected: false };
    return {
      dnsLookup: this.lookupFor(hop),
      hooks: {
        beforeRedirect: [
          (options) => {
            hop.url = this.check(options.url ?? '', true);
            hop.redirected = true;
          }
        ]
      }
    };
  }

  /** A `dns.lookup` that refuses a name resolving to a refused address (unless it is the API host). */
  private lookupFor(hop: Hop): PolicyLookup {
    return (hostname, options, callback) => {
      const done = (typeof options === 'function' ? options : callback)!;
      const opts: LookupOneOptions | LookupAllOptions = typeof options === 'function' ? {} : typeof options === 'number' ? { family: options } : options;
      (this.options.resolve ?? dnsLookup)(hostname, { ...opts, all: true }, (error, addresses) => {
        if (error) return done(error, opts.all ? [] : '');
        const allowed = this.isApiHost(hop.url) && normalizeHost(hostname) === normalizeHost(hop.url.hostname);
        if (!allowed) {
          for (const { address } of addresses) {
            const kind = classifyAddress(address);
            if (kind !== undefined) return done(this.addressRefusal(hop.url.href, address, kind, hop.redirected, hostname), opts.all ? [] : '');
          }
        }
        if (opts.all) return done(null, addresses);
        const first = addresses[0];
        if (!first) return done(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        done(null, first.address, first.family);
      });
    };
  }
}

/** A policy for what the app fetches, allowing the API at `apiBaseUrl` (the simulator's, when simulating). */
export function netPolicy(options: NetPolicyOptions = {}): NetPolicy {
  return new NetPolicy(options);
}
