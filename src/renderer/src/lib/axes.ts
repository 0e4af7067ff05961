/** The words for a sweep axis (`SourceRow.axes` keys): `aspect_ratio` → "aspect", `variant 2` → "variant 2". */
const LABELS: Record<string, string> = { seed: 'seed', duration: 'duration', resolution: 'resolution', aspect_ratio: 'aspect', lora_scale: 'LoRA scale' };

export function axisLabel(key: string): string {
  return LABELS[key] ?? key;
}
