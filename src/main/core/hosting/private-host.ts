import { addressWords, classifyHost } from '../net';

/**
 * Hosts that APIXO, out on the internet, can never fetch from: loopback, private, link-local,
 * unique-local, IPv4-in-IPv6 and the rest, in every spelling (the app's one classification, net/).
 */
export function isPrivateHost(hostname: string): boolean {
  return classifyHost(hostname) !== undefined;
}

/** Where a private host points, in words ("this computer", "a private network" …); undefined for a public one. */
export function privateHostWords(hostname: string): string | undefined {
  const kind = classifyHost(hostname);
  return kind && addressWords(hostname, kind);
}
