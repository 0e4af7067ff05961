/**
 * Two checks every screen must pass at every window size: every action is within reach (inside
 * the window, not cut off by a box around it, its label whole), and axe-core finds no serious or
 * critical accessibility violation.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** The window sizes the studio is checked at: its minimum, a small laptop's, the default. */
export const WINDOW_SIZES = [
  { width: 960, height: 620 },
  { width: 1100, height: 700 },
  { width: 1280, height: 800 }
] as const;

/**
 * Every visible control (button, link, input, select, text area, anything focusable) that a person
 * cannot reach, with why: beyond the window's left or right edge, cut off by a box around it that
 * does not scroll, or a label cut short. Controls below the fold of a page or a list that scrolls
 * are within reach; a control marked `data-primary` must be on screen without scrolling anything.
 * Sideways, only a box marked `data-scroll-x` (a wide grid whose columns pan, like the import
 * preview) brings its controls within reach by scrolling: anywhere else a control beyond the
 * edge of its box is cut off, as row actions of a table must never need a sideways scroll.
 */
export function outOfReach(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    const height = window.innerHeight;
    if (document.documentElement.scrollWidth > width + 1)
      problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in a ${width} px window`);
    const selector = 'button, a[href], input:not([type=hidden]), select, textarea, [role=button], [tabindex]:not([tabindex="-1"])';
    const name = (el: Element): string => {
      const id = el.getAttribute('data-testid');
      const label = el.getAttribute('aria-label') ?? (el.textContent ?? '').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${label ? ` “${label}”` : ''}`;
    };
    const box = (r: DOMRect): string => `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`;
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      if (el.closest('[hidden], [inert], [aria-hidden=true]')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // A visually hidden control with a visible stand-in (a styled checkbox, a file input): the stand-in is checked.
      if (r.width <= 1 && r.height <= 1) continue;
      let clipped = false;
      // The part of the control that must show through each box around it: once inside a box that
      // scrolls, the box's own extent (scrolling it brings the control into view).
      let top = r.top;
      let bottom = r.bottom;
      let left = r.left;
      let right = r.right;
      for (let up = el.parentElement; up && up !== document.body && up !== document.documentElement; up = up.parentElement) {
        const s = getComputedStyle(up);
        const a = up.getBoundingClientRect();
        const clipX = s.overflowX !== 'visible';
        const clipY = s.overflowY !== 'visible';
        const scrollY = (s.overflowY === 'auto' || s.overflowY === 'scroll') && up.scrollHeight > up.clientHeight;
        const scrollX = up.hasAttribute('data-scroll-x') && (s.overflowX === 'auto' || s.overflowX === 'scroll') && up.scrollWidth > up.clientWidth;
        if (scrollX) {
          left = Math.max(a.left, Math.min(left, a.right - 1));
          right = Math.min(a.right, Math.max(right, a.left + 1));
          left = Math.min(left, right);
        } else if (clipX && (left < a.left - 1 || right > a.right + 1)) {
          problems.push(`${name(el)} at ${box(r)} is cut off by ${name(up)} at ${box(a)}`);
          clipped = true;
          break;
        }
        if (scrollY) {
          top = Math.max(a.top, Math.min(top, a.bottom - 1));
          bottom = Math.min(a.bottom, Math.max(bottom, a.top + 1));
          top = Math.min(top, bottom);
        } else if (clipY && (top < a.top - 1 || bottom > a.bottom + 1)) {
          problems.push(`${name(el)} at ${box(r)} is cut off below or above by ${name(up)} at ${box(a)}`);
          clipped = true;
          break;
        }
      }
      if (clipped) continue;
      if (left < -1 || right > width + 1) {
        problems.push(`${name(el)} at ${box(r)} lies beyond the window's ${left < 0 ? 'left' : 'right'} edge (${width} px)`);
        continue;
      }
      if ((el.tagName === 'BUTTON' || el.getAttribute('role') === 'button') && el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible') {
        problems.push(`${name(el)}'s label is cut short (${el.scrollWidth} px in ${el.clientWidth} px)`);
      }
      // A primary action is on screen as the page opens, not once something is scrolled (a sticky action bar).
      if (el.hasAttribute('data-primary') && (r.top < -1 || r.bottom > height + 1)) {
        problems.push(`${name(el)}, a primary action, is off screen at ${box(r)} in a ${height} px window`);
      }
    }
    return problems;
  });
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** What axe-core found serious or critical on the page as it is now: one line per rule and element. */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // page.evaluate runs outside the page's CSP, which refuses inline scripts.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: unknown
          ): Promise<{ violations: { id: string; impact?: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    const lines: string[] = [];
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      for (const node of v.nodes)
        lines.push(`${v.impact} ${v.id} (${v.help}): ${node.target.join(' ')} — ${(node.failureSummary ?? '').split('\n').slice(0, 2).join(' ')}`);
    }
    return lines;
  });
}
