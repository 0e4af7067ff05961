/** Poster URLs the window has shown: they are in the image cache and cost nothing to show again. */
export const postersShown = new Set<string>();
