/**
 * A colour per batch, so batches with like names are told apart at a glance in the queue and
 * the library. Each is a swatch (a bar or dot beside the name, never text on its own), at least
 * 3:1 against the surface of its theme.
 */
export interface BatchColour {
  name: string;
  light: string;
  dark: string;
}

export const BATCH_COLOURS: readonly BatchColour[] = [
  { name: 'blue', light: '#2f5fd0', dark: '#7aa2ff' },
  { name: 'orange', light: '#b85a00', dark: '#ffa04d' },
  { name: 'green', light: '#1f7a3a', dark: '#5fcf7f' },
  { name: 'purple', light: '#7b3fc4', dark: '#c39bff' },
  { name: 'teal', light: '#0b7480', dark: '#4fd1dc' },
  { name: 'red', light: '#c0322b', dark: '#ff8a80' },
  { name: 'olive', light: '#6b6b00', dark: '#d4d45a' },
  { name: 'pink', light: '#b5307a', dark: '#ff8cc6' }
];

/** The colour least used by the batches still in the queue (the first such, in palette order). */
export function nextBatchColour(inUse: Iterable<number | undefined>): number {
  const counts = BATCH_COLOURS.map(() => 0);
  for (const colour of inUse) if (colour !== undefined && colour >= 0 && colour < counts.length) counts[colour]++;
  let best = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i] < counts[best]) best = i;
  return best;
}

/** A batch's colour: its own, or (a batch made before colours) one derived from its id. */
export function batchColourOf(batch: { id: string; colour?: number }): BatchColour {
  if (batch.colour !== undefined && batch.colour >= 0 && batch.colour < BATCH_COLOURS.length) return BATCH_COLOURS[batch.colour];
  let hash = 0;
  for (let i = 0; i < batch.id.length; i++) hash = (hash * 31 + batch.id.charCodeAt(i)) >>> 0;
  return BATCH_COLOURS[hash % BATCH_COLOURS.length];
}
