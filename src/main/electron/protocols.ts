// Adapts core/library/media-files to Electron's protocol API (architecture.md, "Security").
import { protocol } from 'electron';
import { MEDIA_SCHEME, mediaResponse, resolveMediaUrl } from '../core/library/media-files';

/** Must run before the app is ready. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } }
  ]);
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
