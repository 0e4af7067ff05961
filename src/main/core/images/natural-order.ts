/** File paths in the order people expect: `img2` before `img10`, case aside. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Compares two paths naturally; ties (names differing only in case) fall back to code points, so the order is stable. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
