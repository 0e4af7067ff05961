/** Sweep axes in words: a take's values ("seed 42 · 10 s"), and what varies in a row ("3 seeds × 2 durations"). */
import { plural } from './format';

const NAMES: Record<string, [one: string, many: string]> = {
  seed: ['seed', 'seeds'],
  duration: ['duration', 'durations'],
  resolution: ['resolution', 'resolutions'],
  aspect_ratio: ['aspect ratio', 'aspect ratios'],
  lora_scale: ['LoRA scale', 'LoRA scales'],
  variant: ['variant', 'variants']
};

/** The axes in a steady order: the known ones as the sweep lists them, then the rest by name (`variant 2` …). */
export function axisOrder(keys: Iterable<string>): string[] {
  const known = Object.keys(NAMES);
  const rank = (k: string): number => (known.includes(k) ? known.indexOf(k) : known.length);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}

/** An axis's name for a heading: "Seed", "Aspect ratio", "Variant 2". */
export function axisTitle(key: string): string {
  const name = NAMES[key]?.[0] ?? key.replace(/_/g, ' ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** One axis value as a card shows it: "seed 42", "10 s", "720p", "16:9", "LoRA 0.8", "“rainy”". */
export function axisValueText(key: string, value: string): string {
  switch (key) {
    case 'seed':
      return `seed ${value}`;
    case 'duration':
      return `${value} s`;
    case 'lora_scale':
      return `LoRA ${value}`;
    case 'resolution':
    case 'aspect_ratio':
      return value;
    default:
      return `“${value.length > 40 ? `${value.slice(0, 39)}…` : value}”`;
  }
}

/** A take's axis values, joined: `first` axes come first (what differs between videos side by side). */
export function axesLine(axes: Record<string, string> | undefined, first: readonly string[] = []): string {
  if (!axes) return '';
  const keys = axisOrder(Object.keys(axes));
  const ordered = [...first.filter((k) => k in axes), ...keys.filter((k) => !first.includes(k))];
  return ordered.map((k) => axisValueText(k, axes[k])).join(' · ');
}

/** What varies among a row's takes: "3 seeds × 2 durations". */
export function rowAxesText(rowAxes: Record<string, number> | undefined): string {
  if (!rowAxes) return '';
  return axisOrder(Object.keys(rowAxes))
    .map((k) => {
      const [one, many] = NAMES[k] ?? [k.replace(/_/g, ' '), `${k.replace(/_/g, ' ')}s`];
      return plural(rowAxes[k], one, many);
    })
    .join(' × ');
}

/** The axes whose values differ among these videos. */
export function differingAxes(items: readonly { axes?: Record<string, string> }[]): string[] {
  const keys = new Set(items.flatMap((i) => Object.keys(i.axes ?? {})));
  return axisOrder([...keys].filter((k) => new Set(items.map((i) => i.axes?.[k])).size > 1));
}
