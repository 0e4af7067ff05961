/**
 * Default batch names that tell batches apart: the first prompt's first words and how many more
 * there are ("“A red fox in snow…” and 11 more"), not the time of day. The engine adds " (2)"
 * when a name repeats exactly.
 */

/** The first words of a prompt, up to about `max` characters, cut at a word. */
export function promptHead(prompt: string, max = 28): string {
  const clean = prompt.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : clean.slice(0, max)).replace(/[\s,.;:!?-]+$/, '')}…`;
}

/** A batch's default name from its first prompt and its number of prompts; '' with no prompt. */
export function promptsName(firstPrompt: string | undefined, count: number): string {
  const head = promptHead(firstPrompt ?? '');
  if (!head) return '';
  const rest = count - 1;
  return rest > 0 ? `“${head}” and ${rest.toLocaleString('en-US')} more` : `“${head}”`;
}
