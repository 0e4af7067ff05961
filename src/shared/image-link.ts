/**
 * Signed links kept out of what the app writes down: a presigned link carries the bucket's
 * access key ID and a signature valid for days, so the journal, sidecars, the export manifest and
 * the logs keep a link's unsigned form (scheme://host/path) and, for images the app hosted, an
 * `ImageRef` the link is signed again from when it is needed.
 */
import type { GenerateRequest } from './request';

/** Query parameters that carry or prove a credential: AWS SigV4 and V2, Google, Azure SAS, the simulator's `sig`. */
const SIGNING_PARAM = /^(x-amz-[a-z-]+|x-goog-[a-z-]+|signature|awsaccesskeyid|sig)$/i;
/** A link whose query holds at least one of those, in free text (a JSON string ends it at the quote). */
const SIGNED_QUERY_IN_TEXT = /(https?:\/\/[^\s"'<>?#\\]+)\?(?:[^\s"'<>#\\&]*&)*?(?:X-Amz-|X-Goog-|Signature=|AWSAccessKeyId=|sig=)[^\s"'<>#\\]*/gi;

/** True when the URL's query signs it (a presigned link, or any link carrying a signature). */
export function isSignedUrl(url: string): boolean {
  if (/^data:/i.test(url)) return false;
  const q = url.indexOf('?');
  if (q < 0) return false;
  const query = url.slice(q + 1).split('#')[0];
  const names = query.split('&').map((pair) => {
    const name = pair.split('=')[0];
    try {
      return decodeURIComponent(name);
    } catch {
      return name;
    }
  });
  return names.some((name) => SIGNING_PARAM.test(name));
}

/** The link without its signed query (`scheme://host/path`); any other link, and `data:` URLs, as they are. */
export function unsignedUrl(url: string): string {
  if (!isSignedUrl(url)) return url;
  return url.slice(0, url.indexOf('?'));
}

/** The request with its image link unsigned: what may be written to a file people share. */
export function unsignedRequest(request: GenerateRequest): GenerateRequest {
  const input = request.input;
  if (!('image_urls' in input) || !Array.isArray(input.image_urls)) return request;
  const [url] = input.image_urls;
  if (typeof url !== 'string' || !isSignedUrl(url)) return request;
  return { ...request, input: { ...input, image_urls: [unsignedUrl(url)] } } as GenerateRequest;
}

/** Free text (a log line, a file that is not this app's) with every signed query string taken out of its links. */
export function withoutSignedQueries(text: string): string {
  return text.replace(SIGNED_QUERY_IN_TEXT, (_all, base: string) => base);
}

/** What the submit lane gets before each POST: the request with a freshly signed image link, or why it cannot be signed. */
export type SignedRequest = { ok: true; request: GenerateRequest } | { ok: false; message: string };
