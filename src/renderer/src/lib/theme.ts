import type { Theme } from '@shared/settings';

const darkQuery = (): MediaQueryList | undefined => globalThis.matchMedia?.('(prefers-color-scheme: dark)');

/** Sets the page's theme: the setting, or the OS's choice for "system". One dark palette in CSS serves both. */
export function applyTheme(theme: Theme): void {
  const resolved = theme === 'system' ? (darkQuery()?.matches ? 'dark' : 'light') : theme;
  document.documentElement.dataset.theme = resolved;
}

/** Calls back when the OS switches between light and dark; returns the unsubscribe function. */
export function onSystemThemeChange(callback: () => void): () => void {
  const query = darkQuery();
  query?.addEventListener('change', callback);
  return () => query?.removeEventListener('change', callback);
}
