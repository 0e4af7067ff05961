/**
 * A source image given as a web address: fetched once to check that it really is a JPEG, PNG or
 * WebP of at most 10 MB, and cached. APIXO is sent the address itself, so it must be public; the
 * address, every redirect and every name looked up go through the network policy
 * (architecture.md, "Security"), so a page cannot make the app fetch from this computer.
 */
import { once } from 'node:events';
import { STATUS_CODES } from 'node:http';
import got, { MaxRedirectsError, RequestError, TimeoutError, type PlainResponse } from 'got';
import { IMAGE_MAX_BYTES, type ImageKind, type SourceImage } from '@shared/images';
import { CONTENT_HEAD_BYTES, describeContent } from './content-kind';
import { IMAGE_EXTENSIONS, type ImageCache } from './image-cache';
import { ImageRefusal } from './image-refusal';
import { notAcceptedImage } from './image-words';
import { fileSize } from '@shared/file-size';
import { networkProblem } from '../util/network-error';
import { netPolicy, refusalIn, type NetPolicy } from '../net';

export interface RemoteImageOptions {
  /** Longest the whole request may take, from connecting to the last byte (ms). Default 30 s. */
  timeoutMs?: number;
  /** Where images may come from (`remoteImagePolicy`); by default the internet only, over https. */
  policy?: NetPolicy;
}

/**
 * The policy for images from the web, worded for them: the internet only, over https, and no
 * address on this computer or a private network other than the API's at `apiBaseUrl`, if given.
 */
export function remoteImagePolicy(apiBaseUrl?: () => string | undefined): NetPolicy {
  return netPolicy({
    apiBaseUrl,
    subject: 'The image link',
    advice: 'APIXO fetches the image from the internet too: link to a public https address of it, or drop the file itself.'
  });
}

/** What `images:from-url` goes by unless told otherwise: the internet only. */
const REMOTE_IMAGE_POLICY = remoteImagePolicy();

export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const NAME_MAX_CHARS = 200;

const TOO_LARGE = `APIXO takes source images of at most ${fileSize(IMAGE_MAX_BYTES)}. Resize or compress it and link to that file.`;

/** The address as messages show it: whole unless very long. */
function shown(url: string): string {
  return url.length > 120 ? `${url.slice(0, 117)}…` : url;
}

function parseHttpUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new ImageRefusal(
      `"${shown(url)}" is not a web address APIXO can fetch: it needs a public https URL of the image (https://…). ` +
        'For a picture on this computer, drop the file itself.'
    );
  }
  return parsed;
}

/** The last segment of the address's path, decoded, or `image.<ext>`. */
function nameFromUrl(url: URL, kind: ImageKind): string {
  const last = url.pathname.split('/').pop() ?? '';
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // A malformed escape: the raw segment is still a fine name.
  }
  name = name
    .replace(/[\p{Cc}/\\]/gu, '')
    .trim()
    .slice(0, NAME_MAX_CHARS);
  return name || `image.${IMAGE_EXTENSIONS[kind]}`;
}

/** 30000 → "30 seconds", 1000 → "1 second", 250 → "250 ms". */
function waitWords(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Number((ms / 1000).toFixed(1));
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}

function unreachable(link: string, error: unknown, timeoutMs: number): ImageRefusal {
  const start = `The image at ${link} could not be fetched:`;
  let why: string;
  if (error instanceof TimeoutError) why = `the server did not answer within ${waitWords(timeoutMs)}. Try again later, or check the address.`;
  else if (error instanceof MaxRedirectsError)
    why = `it redirects more than ${MAX_REDIRECTS} times. Open it in a browser and copy the address the image finally comes from.`;
  else {
    const code = error instanceof RequestError ? error.code : undefined;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') why = 'no server with that name was found. Check the address and the internet connection.';
    else if (code === 'ECONNREFUSED') why = 'the server refused the connection. Check the address, or try again later.';
    else if (code?.includes('CERT') || code?.startsWith('ERR_TLS')) why = `the server's security certificate is not valid (${code}).`;
    else why = `${networkProblem(error).words}. Check the address and try again.`;
  }
  return new ImageRefusal(`${start} ${why}`, { cause: error });
}

function httpRefusal(link: string, status: number): ImageRefusal {
  const phrase = STATUS_CODES[status] ? ` (${STATUS_CODES[status]})` : '';
  const hint =
    status === 404 || status === 410
      ? 'the image is not there. Check the address.'
      : status === 401 || status === 403
        ? 'the server does not let others fetch it. APIXO needs a public link that anyone can open.'
        : 'check the address, or try again later.';
  return new ImageRefusal(`The image at ${link} could not be fetched: the server answered HTTP ${status}${phrase}; ${hint}`);
}

/** Downloads the body, giving up as soon as it is longer than an image may be; also says where it ended up. */
async function download(url: string, timeoutMs: number, policy: NetPolicy): Promise<{ bytes: Uint8Array; finalUrl: URL }> {
  const link = shown(url);
  let guard: ReturnType<NetPolicy['gotOptions']>;
  try {
    guard = policy.gotOptions(url);
  } catch (error) {
    throw new ImageRefusal(refusalIn(error)?.message ?? String(error), { cause: error });
  }
  const stream = got.stream(url, {
    headers: { accept: 'image/jpeg, image/png, image/webp, */*;q=0.5', 'user-agent': 'LTX-Batch-Studio/0.1' },
    followRedirect: true,
    maxRedirects: MAX_REDIRECTS,
    retry: { limit: 0 },
    throwHttpErrors: false,
    timeout: { request: timeoutMs },
    ...guard
  });
  try {
    const [res] = (await once(stream, 'response')) as [PlainResponse];
    if (res.statusCode < 200 || res.statusCode > 299) throw httpRefusal(link, res.statusCode);
    const announced = Number(res.headers['content-length']);
    if (announced > IMAGE_MAX_BYTES) throw new ImageRefusal(`The image at ${link} is ${fileSize(announced)}; ${TOO_LARGE}`);
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > IMAGE_MAX_BYTES) throw new ImageRefusal(`The file at ${link} is larger than ${fileSize(IMAGE_MAX_BYTES)}; ${TOO_LARGE}`);
      chunks.push(chunk);
    }
    return { bytes: Buffer.concat(chunks), finalUrl: new URL(res.url || url) };
  } catch (error) {
    if (error instanceof ImageRefusal) throw error;
    const refused = refusalIn(error);
    if (refused) throw new ImageRefusal(refused.message, { cause: refused });
    throw unreachable(link, error, timeoutMs);
  } finally {
    stream.destroy();
  }
}

/** Fetches, checks and caches the image at `url`; throws `ImageRefusal` with a sentence when it cannot be used. */
export async function fetchRemoteImage(url: string, cache: ImageCache, options: RemoteImageOptions = {}): Promise<SourceImage> {
  const address = url.trim();
  const parsed = parseHttpUrl(address);
  const { bytes, finalUrl } = await download(parsed.href, options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS, options.policy ?? REMOTE_IMAGE_POLICY);
  const link = shown(address);
  const what = bytes.length === 0 ? 'empty' : describeContent(bytes.subarray(0, CONTENT_HEAD_BYTES));
  if (what === 'empty') throw new ImageRefusal(`The address ${link} gave an empty answer, not an image. Check the address.`);
  if (what !== 'jpeg' && what !== 'png' && what !== 'webp') {
    const hint = what === 'an HTML page' ? ' Use the address of the image itself (right-click the image › Copy Image Address).' : '';
    throw new ImageRefusal(`${notAcceptedImage(`The address ${link}`, what, 'leads to')}${hint}`);
  }
  // Named after where the image really is (past redirects); APIXO is sent the address as given.
  return cache.addBytes(bytes, nameFromUrl(finalUrl, what), { kind: 'url', url: address });
}
