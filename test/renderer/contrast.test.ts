/**
 * The theme's colours, read from base.css, meet WCAG 2.2's contrast minimums in both themes:
 * text 4.5:1 on every background it is set on, glyphs, borders of controls and focus rings 3:1
 * (success criteria 1.4.3 and 1.4.11).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(resolve('src/renderer/src/styles/base.css'), 'utf8');

/** The custom properties of one rule (`:root {` or `:root[data-theme='dark'] {`), light ones under the dark. */
function variables(selector: string): Record<string, string> {
  const at = CSS.indexOf(`${selector} {`);
  if (at < 0) throw new Error(`no ${selector} rule in base.css`);
  const body = CSS.slice(at, CSS.indexOf('}', at));
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/(--[\w-]+):\s*([^;]+);/g)) out[m[1]] = m[2].trim();
  return out;
}

const LIGHT = variables(':root');
const THEMES = { light: LIGHT, dark: { ...LIGHT, ...variables(":root[data-theme='dark']") } };

function rgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`${hex} is not a #rrggbb colour`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** [foreground, background, minimum]: every pairing the screens use. */
const TEXT = 4.5;
const GRAPHIC = 3;
const PAIRS: [string, string, number][] = [
  ...['--text', '--muted'].flatMap((fg) => ['--bg', '--surface', '--surface-2'].map((bg) => [fg, bg, TEXT] as [string, string, number])),
  ['--muted', '--accent-soft', TEXT],
  ['--text', '--accent-soft', TEXT],
  ['--accent', '--surface', TEXT],
  ['--accent', '--bg', TEXT],
  ['--accent', '--accent-soft', TEXT],
  ['--on-accent', '--accent', TEXT],
  ['--on-accent', '--accent-hover', TEXT],
  ['--bad', '--bad-soft', TEXT],
  ['--warn', '--warn-soft', TEXT],
  ['--ok', '--ok-soft', TEXT],
  ['--active', '--active-soft', TEXT],
  ['--bad', '--surface', TEXT],
  ['--warn', '--surface', TEXT],
  ['--ok', '--surface', TEXT],
  ['--active', '--surface', TEXT],
  ['--bad', '--bg', TEXT],
  ['--warn', '--bg', TEXT],
  // The count on the queue tab: the surface colour on the warning colour.
  ['--surface', '--warn', TEXT],
  ['--focus', '--surface', GRAPHIC],
  ['--focus', '--bg', GRAPHIC],
  ['--focus', '--surface-2', GRAPHIC],
  ['--border-strong', '--surface', GRAPHIC],
  ['--border-strong', '--bg', GRAPHIC],
  ['--border-strong', '--surface-2', GRAPHIC]
];

describe('the theme colours in base.css', () => {
  for (const [theme, vars] of Object.entries(THEMES)) {
    it(`meet the contrast minimums in the ${theme} theme`, () => {
      const failures: string[] = [];
      for (const [fg, bg, min] of PAIRS) {
        if (!vars[fg] || !vars[bg]) {
          failures.push(`${fg} or ${bg} is not defined`);
          continue;
        }
        const ratio = contrast(vars[fg], vars[bg]);
        if (ratio < min) failures.push(`${fg} ${vars[fg]} on ${bg} ${vars[bg]}: ${ratio.toFixed(2)}:1, needs ${min}:1`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('measures contrast as WCAG does', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
  });
});
