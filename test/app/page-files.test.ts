import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPageServer, type PageServer } from '../../src/main/core/app/page-files';
import { PAGE_CSP } from '../../src/shared/page-security';
import { ROOT } from '../support/cli';

const RENDERER = join(ROOT, 'out/renderer');
let serve: PageServer;

beforeAll(async () => {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('out/renderer is missing: run `npm run build` (npm test does) first.');
  serve = await createPageServer(RENDERER);
});

describe('the window’s page over app://studio/', () => {
  it('serves the built page with its CSP as a header, and its scripts and styles', async () => {
    const page = await serve('app://studio/', 'GET');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(`${PAGE_CSP}; frame-ancestors 'none'`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // The meta tag carries the same policy for the development server.
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await serve(`app://studio/${script}`, 'GET');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toContain("script-src 'self'");
    const css = readdirSync(join(RENDERER, 'assets')).find((f) => f.endsWith('.css'))!;
    expect((await serve(`app://studio/assets/${css}`, 'HEAD')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves nothing but the built files: no way out of the folder, no other host, no writes', async () => {
    for (const url of [
      'app://studio/../main/index.js',
      'app://studio/%2e%2e/main/index.js',
      'app://studio/assets/..%2f..%2fmain%2findex.js',
      'app://studio/%2Fetc%2Fpasswd',
      'app://studio/assets/',
      'app://studio/no-such-file.js'
    ]) {
      const res = await serve(url, 'GET');
      expect([res.status, url]).toEqual([404, url]);
    }
    expect((await serve('app://elsewhere/index.html', 'GET')).status).toBe(404);
    expect((await serve('ltx-media://studio/index.html', 'GET')).status).toBe(404);
    const post = await serve('app://studio/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await serve('app://studio/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
