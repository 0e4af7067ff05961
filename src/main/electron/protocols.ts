// The app's two schemes, adapted to Electron's protocol API: `app://studio/` serves the window's
// page (core/app/page-files), `ltx-media://` the library's files (core/library/media-files).
import { protocol } from 'electron';
import { PAGE_SCHEME } from '@shared/page-security';
import { createPageServer } from '../core/app/page-files';
import { MEDIA_SCHEME, mediaResponse, resolveMediaUrl } from '../core/library/media-files';

/** Must run before the app is ready, once, with every scheme. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    // Standard and secure: the page gets an origin of its own, module scripts and the fetch API, never file:// powers.
    { scheme: PAGE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    // Cross-origin reads for the page's poster capture (canvas from <video>), streaming for seeking.
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } }
  ]);
}

/** Serves `app://studio/…` from the built renderer folder, with the page's CSP on every answer. */
export async function handlePageProtocol(rendererDir: string): Promise<void> {
  const serve = await createPageServer(rendererDir);
  protocol.handle(PAGE_SCHEME, (request) => serve(request.url, request.method));
}

/** Serves `ltx-media://<root>/…` from the folders `roots()` names at request time. */
export function handleMediaProtocol(roots: () => Record<string, string>): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const method = request.method === 'GET' || request.method === 'HEAD' ? request.method : undefined;
    if (!method) return new Response('method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
    const resolved = await resolveMediaUrl(request.url, roots());
    if (!resolved.ok) {
      return new Response(resolved.reason, { status: resolved.status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    try {
      return await mediaResponse(resolved.path, request.headers.get('range'), method);
    } catch {
      return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
  });
}
