/**
 * Prompt templates: `{{column}}` is filled from the row's cell under that column, and
 * `{a|b|c}` makes one take per alternative (the `variant` axis). A prompt without braces is
 * untouched. In a prompt with braces, `\{` and `\}` are literal braces, and braces around text
 * without a `|` (such as `{dusk}`) stay as written.
 */
import type { FilledPart } from './import-types';

type Segment = { kind: 'text'; text: string } | { kind: 'var'; name: string } | { kind: 'alts'; options: string[] };

export interface Template {
  segments: Segment[];
  /** Placeholder names, in order of first use. */
  variables: string[];
  /** The alternatives of each `{a|b}` group, in order. */
  groups: string[][];
}

/** Reads a prompt as a template; undefined when it has no braces (it is used as written). */
export function parseTemplate(prompt: string): Template | undefined {
  if (!prompt.includes('{') && !prompt.includes('}')) return undefined;
  const segments: Segment[] = [];
  const variables: string[] = [];
  const groups: string[][] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') segments.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < prompt.length) {
    const c = prompt[i];
    if (c === '\\' && (prompt[i + 1] === '{' || prompt[i + 1] === '}')) {
      text += prompt[i + 1];
      i += 2;
      continue;
    }
    if (c === '{' && prompt[i + 1] === '{') {
      const end = prompt.indexOf('}}', i + 2);
      const name = end < 0 ? '' : prompt.slice(i + 2, end).trim();
      if (name !== '' && !/[{}]/.test(name)) {
        flush();
        segments.push({ kind: 'var', name });
        if (!variables.includes(name)) variables.push(name);
        i = end + 2;
        continue;
      }
    }
    if (c === '{') {
      const end = prompt.indexOf('}', i + 1);
      const inner = end < 0 ? '' : prompt.slice(i + 1, end);
      if (inner.includes('|') && !inner.includes('{')) {
        flush();
        const options = inner.split('|').map((o) => o.trim());
        segments.push({ kind: 'alts', options });
        groups.push(options);
        i = end + 1;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return { segments, variables, groups };
}

/** The axis key of the n-th (0-based) `{a|b}` group: `variant`, `variant 2`, … */
export function variantKey(n: number): string {
  return n === 0 ? 'variant' : `variant ${n + 1}`;
}

/** How many prompts a template makes: the product of its groups' alternatives (1 without any). */
export function variantCount(template: Template | undefined): number {
  return template ? template.groups.reduce((n, g) => n * g.length, 1) : 1;
}

export interface FilledPrompt {
  prompt: string;
  filled: FilledPart[];
  /** The alternative chosen from each group, keyed `variant`, `variant 2` … */
  axes: Record<string, string>;
}

/**
 * Every prompt a template makes (one per combination of alternatives), each with its parts
 * marked. `value` gives a placeholder's text (every placeholder was checked to have one).
 */
export function fillTemplate(template: Template, value: (name: string) => string): FilledPrompt[] {
  const out: FilledPrompt[] = [];
  const choice = new Array<number>(template.groups.length).fill(0);
  for (;;) {
    let prompt = '';
    const filled: FilledPart[] = [];
    const axes: Record<string, string> = {};
    let group = 0;
    for (const s of template.segments) {
      if (s.kind === 'text') {
        prompt += s.text;
        continue;
      }
      const key = s.kind === 'var' ? s.name : variantKey(group);
      const text = s.kind === 'var' ? value(s.name) : s.options[choice[group]];
      if (s.kind === 'alts') axes[variantKey(group++)] = text;
      filled.push({ start: prompt.length, end: prompt.length + text.length, column: key });
      prompt += text;
    }
    out.push({ prompt, filled, axes });
    let g = choice.length - 1;
    while (g >= 0 && ++choice[g] >= template.groups[g].length) choice[g--] = 0;
    if (g < 0) return out;
  }
}
