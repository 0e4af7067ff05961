import { readdirSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageCache } from '../../src/main/core/images/image-cache';
import { ImageRefusal } from '../../src/main/core/images/image-refusal';
import { fetchRemoteImage, remoteImagePolicy } from '../../src/main/core/images/remote-image';
import type { NetPolicy } from '../../src/main/core/net';
import { rejection } from '../support/rejection';
import { closedPort } from '../support/scripted-server';
import { tempDirs } from '../support/temp-dirs';
import { fixtureBytes } from './helpers';

const makeDir = tempDirs('ltx-remote-image-');
const MB = 1024 * 1024;
/** What the endless body would be if nobody stopped it. */
const ENDLESS_BYTES = 64 * MB;

let server: Server;
let base: string;
/** The test server stands where the simulator would: the one loopback host:port the policy allows. */
let local: NetPolicy;
/** Requests the test server has seen. */
let requests = 0;
/** A second loopback server, which no policy here allows: it must never be asked anything. */
let other: Server;
let otherBase: string;
let otherRequests = 0;
let cache: ImageCache;
const hanging: ServerResponse[] = [];
/** Bytes the server managed to send of the endless body before the client hung up. */
let endlessSent = 0;
let endlessClosed: Promise<void>;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a JPEG header and then zeros, respecting back-pressure, until the client goes away. */
function streamEndless(res: ServerResponse): void {
  let markClosed: () => void = () => undefined;
  endlessClosed = new Promise((resolve) => (markClosed = resolve));
  res.on('close', markClosed);
  res.writeHead(200, { 'content-type': 'image/jpeg' }); // no length: the client must count
  const chunk = Buffer.alloc(256 * 1024);
  const head = fixtureBytes('baseline-41x29.jpg');
  head.copy(chunk);
  const pump = (): void => {
    while (!res.destroyed && endlessSent < ENDLESS_BYTES) {
      endlessSent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

beforeAll(async () => {
  cache = new ImageCache(join(makeDir(), 'cache'));
  other = createServer((_req, res) => {
    otherRequests++;
    send(res, 200, 'image/png', fixtureBytes('png-37x23.png'));
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  server = createServer((req, res) => {
    requests++;
    const path = req.url ?? '/';
    if (path === '/to-other') {
      res.writeHead(302, { location: `${otherBase}/cat.png` });
      return res.end();
    }
    if (path === '/to-other-https') {
      res.writeHead(302, { location: `${otherBase.replace('http:', 'https:')}/cat.png` });
      return res.end();
    }
    if (path === '/to-localhost') {
      res.writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/photos/sunset%20beach.png` });
      return res.end();
    }
    if (path === '/photos/sunset%20beach.png' || path === '/') return send(res, 200, 'image/png', fixtureBytes('png-37x23.png'));
    if (path === '/wrong-type.jpg') return send(res, 200, 'text/plain', fixtureBytes('lossless-47x33.webp'));
    if (path === '/gallery') return send(res, 200, 'text/html', '<!DOCTYPE html>\n<html><head><title>Gallery</title></head><body></body></html>');
    if (path === '/short.jpg') return send(res, 200, 'image/jpeg', fixtureBytes('baseline-41x29.jpg').subarray(0, 40));
    if (path === '/endless.jpg') return streamEndless(res);
    if (path === '/announced.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(20 * MB) });
      res.write(fixtureBytes('baseline-41x29.jpg'));
      hanging.push(res);
      return;
    }
    if (path === '/share/abc') {
      res.writeHead(302, { location: '/photos/sunset%20beach.png' });
      return res.end();
    }
    if (path === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (path === '/private.png') return send(res, 403, 'text/plain', 'Forbidden');
    if (path === '/slow.png') return void hanging.push(res);
    send(res, 404, 'text/html', '<html><body>Not found</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  local = remoteImagePolicy(() => `${base}/api/v1`);
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  other.closeAllConnections();
  await new Promise<void>((resolve) => other.close(() => resolve()));
});

async function reasonFor(url: string, options: { timeoutMs?: number; policy?: NetPolicy } = {}): Promise<string> {
  return (await rejection(fetchRemoteImage(url, cache, { policy: local, ...options }), ImageRefusal)).reason;
}

describe('fetchRemoteImage', () => {
  it('fetches, checks and caches an image, keeping the address it was given', async () => {
    const url = `${base}/photos/sunset%20beach.png`;
    const image = await fetchRemoteImage(url, cache, { policy: local });
    expect(image).toMatchObject({ name: 'sunset beach.png', kind: 'png', width: 37, height: 23, origin: { kind: 'url', url } });
    expect((await cache.find(image.id))?.image.sizeBytes).toBe(fixtureBytes('png-37x23.png').length);
  });

  it('goes by the bytes, not the content type, and names a nameless address image.<ext>', async () => {
    expect(await fetchRemoteImage(`${base}/wrong-type.jpg`, cache, { policy: local })).toMatchObject({ kind: 'webp', width: 47, height: 33 });
    expect((await fetchRemoteImage(`${base}/`, cache, { policy: local })).name).toBe('image.png');
  });

  it('follows a redirect, names the image after where it really is, and keeps the short address', async () => {
    const url = `${base}/share/abc`;
    expect(await fetchRemoteImage(url, cache, { policy: local })).toMatchObject({ name: 'sunset beach.png', origin: { kind: 'url', url } });
  });

  it('refuses an endless redirect', async () => {
    expect(await reasonFor(`${base}/loop`)).toBe(
      `The image at ${base}/loop could not be fetched: it redirects more than 5 times. Open it in a browser and copy the address the image finally comes from.`
    );
  });

  it('refuses a web page, saying so and what address to use instead', async () => {
    expect(await reasonFor(`${base}/gallery`)).toBe(
      `The address ${base}/gallery leads to an HTML page, not an image: only JPG, PNG and WebP images can be animated. ` +
        'Use the address of the image itself (right-click the image › Copy Image Address).'
    );
  });

  it('refuses a 404 and a 403 with the status and what it means', async () => {
    expect(await reasonFor(`${base}/nothing-here.png`)).toBe(
      `The image at ${base}/nothing-here.png could not be fetched: the server answered HTTP 404 (Not Found); the image is not there. Check the address.`
    );
    expect(await reasonFor(`${base}/private.png`)).toBe(
      `The image at ${base}/private.png could not be fetched: the server answered HTTP 403 (Forbidden); ` +
        'the server does not let others fetch it. APIXO needs a public link that anyone can open.'
    );
  });

  it('cuts off a body as soon as it passes 10 MB', async () => {
    expect(await reasonFor(`${base}/endless.jpg`)).toBe(
      `The file at ${base}/endless.jpg is larger than 10 MB; APIXO takes source images of at most 10 MB. Resize or compress it and link to that file.`
    );
    await endlessClosed;
    expect(endlessSent).toBeLessThan(ENDLESS_BYTES);
  });

  it('refuses a body announced as over 10 MB without waiting for it', async () => {
    expect(await reasonFor(`${base}/announced.jpg`)).toBe(
      `The image at ${base}/announced.jpg is 20 MB; APIXO takes source images of at most 10 MB. Resize or compress it and link to that file.`
    );
  });

  it('refuses a cut-short image as unreadable', async () => {
    expect(await reasonFor(`${base}/short.jpg`)).toMatch(/^"short\.jpg" could not be read as a JPEG image: it looks damaged or cut short\./);
  });

  it('refuses what is not an http(s) address, before any request', async () => {
    for (const url of ['ftp://example.com/cat.png', 'file:///home/me/cat.png', 'cat.png', 'data:image/png;base64,iVBORw0KGgo=']) {
      expect(await reasonFor(url)).toBe(
        `"${url}" is not a web address APIXO can fetch: it needs a public https URL of the image (https://…). ` +
          'For a picture on this computer, drop the file itself.'
      );
    }
  });

  it('says when a server cannot be reached or does not answer in time', async () => {
    const port = await closedPort();
    expect(await reasonFor(`http://127.0.0.1:${port}/cat.png`, { policy: remoteImagePolicy(() => `http://127.0.0.1:${port}`) })).toBe(
      `The image at http://127.0.0.1:${port}/cat.png could not be fetched: the server refused the connection. Check the address, or try again later.`
    );
    expect(await reasonFor(`${base}/slow.png`, { timeoutMs: 200 })).toBe(
      `The image at ${base}/slow.png could not be fetched: the server did not answer within 200 ms. Try again later, or check the address.`
    );
  });

  it('as images:from-url fetches (the default policy): refuses this computer in any spelling, and asks it nothing', async () => {
    const port = (server.address() as AddressInfo).port;
    const before = requests;
    const spellings = [
      `${base}/photos/sunset%20beach.png`,
      `https://127.0.0.1:${port}/photos/sunset%20beach.png`,
      `https://localhost:${port}/photos/sunset%20beach.png`,
      `https://[::ffff:127.0.0.1]:${port}/photos/sunset%20beach.png`,
      `https://2130706433:${port}/photos/sunset%20beach.png`,
      `https://0x7f.1:${port}/photos/sunset%20beach.png`
    ];
    for (const url of spellings) {
      const reason = (await rejection(fetchRemoteImage(url, cache), ImageRefusal)).reason;
      expect(reason, url).toMatch(
        /^The image link points to an address on this computer or a private network \(.+: (127\.0\.0\.1 written as IPv6, which is )?this computer\)/
      );
      expect(reason, url).toMatch(/link to a public https address of it, or drop the file itself\.$/);
    }
    expect((await rejection(fetchRemoteImage(`https://[::ffff:7f00:1]:${port}/cat.png`, cache), ImageRefusal)).reason).toBe(
      `The image link points to an address on this computer or a private network ([::ffff:7f00:1]: 127.0.0.1 written as IPv6, which is this computer); ` +
        'the app fetches only from the internet, so nothing was fetched. ' +
        'APIXO fetches the image from the internet too: link to a public https address of it, or drop the file itself.'
    );
    expect(requests).toBe(before);
  });

  it('refuses a redirect to another address on this computer at the hop, and the target is asked nothing', async () => {
    for (const path of ['/to-other', '/to-other-https']) {
      expect(await reasonFor(`${base}${path}`), path).toBe(
        'The image link redirects to an address on this computer or a private network (127.0.0.1: this computer); ' +
          'the app fetches only from the internet, and from the API address set in Settings, so nothing was fetched. ' +
          'APIXO fetches the image from the internet too: link to a public https address of it, or drop the file itself.'
      );
    }
    // The same server under another name is another host: refused too.
    expect(await reasonFor(`${base}/to-localhost`)).toMatch(
      /^The image link redirects to an address on this computer or a private network \(localhost: this computer\)/
    );
    expect(otherRequests).toBe(0);
  });

  it('leaves nothing in the cache for what it refused', () => {
    const names = readdirSync(cache.sourcesDir).sort();
    expect(names.every((name) => /^[0-9a-f]{64}\.(png|webp)$/.test(name))).toBe(true);
    expect(names).toHaveLength(2);
  });
});
