/**
 * The window's page: where it is served from and the Content-Security-Policy it is served with.
 * One source for the app (`app://studio/`, a response header), the development server and the
 * test harness, so every door runs the page under the same rules.
 */
export const PAGE_SCHEME = 'app';
export const PAGE_HOST = 'studio';
export const PAGE_ORIGIN = `${PAGE_SCHEME}://${PAGE_HOST}`;

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Vue's style bindings set inline styles; no inline script is ever allowed.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: ltx-media:",
  "media-src 'self' blob: ltx-media:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'"
].join('; ');

/** Headers every page file is served with (`frame-ancestors` works only in a header, not in a meta tag). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': `${PAGE_CSP}; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer'
});
