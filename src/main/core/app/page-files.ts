/**
 * Serves the window's page from the built renderer folder for the `app://studio/` scheme
 * (Electron's checklist: a custom protocol instead of `file://`). Only the files that the
 * build put there are served, listed once at start, so no URL can name anything else; every
 * answer carries the page's CSP as a header. Node only: `../../electron/protocols.ts` adapts it.
 */
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { PAGE_HEADERS, PAGE_HOST, PAGE_SCHEME } from '@shared/page-security';

export const PAGE_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.mp4': 'video/mp4'
});

export type PageServer = (url: string, method: string) => Promise<Response>;

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path, root)));
    else if (entry.isFile() && Object.hasOwn(PAGE_TYPES, extname(entry.name).toLowerCase())) found.push(relative(root, path));
  }
  return found;
}

const plain = (status: number, text: string, extra: Record<string, string> = {}): Response =>
  new Response(text, { status, headers: { ...PAGE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra } });

/** A server for `app://studio/…` over the files in `rendererDir` as they are now. */
export async function createPageServer(rendererDir: string): Promise<PageServer> {
  const files = new Map<string, string>();
  for (const rel of await listFiles(rendererDir)) files.set(`/${rel.split(sep).join('/')}`, join(rendererDir, rel));
  return async (url, method) => {
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'method not allowed', { Allow: 'GET, HEAD' });
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return plain(400, 'not a URL');
    }
    if (parsed.protocol !== `${PAGE_SCHEME}:` || parsed.host !== PAGE_HOST) return plain(404, 'not found');
    let path: string;
    try {
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return plain(400, 'malformed percent-encoding');
    }
    const file = files.get(path === '/' ? '/index.html' : path);
    if (!file) return plain(404, 'not found');
    const body = await readFile(file);
    const type = PAGE_TYPES[extname(file).toLowerCase()]!;
    return new Response(method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...PAGE_HEADERS, 'Content-Type': type, 'Content-Length': String(body.length), 'Cache-Control': 'no-cache' }
    });
  };
}
