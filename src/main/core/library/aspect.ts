/** The aspect ratios a library filters by, with the ratio each stands for. */
const NAMED: readonly [string, number][] = [
  ['16:9', 16 / 9],
  ['9:16', 9 / 16],
  ['1:1', 1],
  ['4:3', 4 / 3],
  ['3:4', 3 / 4],
  ['21:9', 21 / 9]
];

/** How far (relative) a size may be from a named ratio and still carry its name: 1280×704 is 16:9. */
const TOLERANCE = 0.05;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The aspect ratio of a picture as people name it: `16:9`, `9:16`, `1:1` … when the size is
 * within 5 % of one (models work in multiples of 32, so "16:9" may be 1280×704), otherwise the
 * reduced `w:h`. Undefined for a size that is not positive.
 */
export function aspectLabel(width: number, height: number): string | undefined {
  if (!(width > 0 && height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) return undefined;
  const ratio = width / height;
  let best: [string, number] | undefined;
  for (const [name, value] of NAMED) {
    const off = Math.abs(ratio - value) / value;
    if (off <= TOLERANCE && (!best || off < best[1])) best = [name, off];
  }
  if (best) return best[0];
  const w = Math.round(width);
  const h = Math.round(height);
  const g = gcd(w, h) || 1;
  return `${w / g}:${h / g}`;
}
