import type { Field } from '@shared/import-types';
import type { Mode } from '@shared/model';

/** What each CSV field is called on screen. */
export const FIELD_LABEL: Record<Field, string> = {
  prompt: 'Prompt',
  mode: 'Mode',
  resolution: 'Resolution',
  duration: 'Duration',
  aspect_ratio: 'Aspect ratio',
  seed: 'Seed',
  image: 'Image',
  lora1_path: 'LoRA 1 link',
  lora1_scale: 'LoRA 1 scale',
  lora2_path: 'LoRA 2 link',
  lora2_scale: 'LoRA 2 scale',
  lora3_path: 'LoRA 3 link',
  lora3_scale: 'LoRA 3 scale',
  name: 'Name',
  count: 'Count'
};

export const MODE_LABEL: Record<Mode, string> = {
  'text-to-video': 'Text to video',
  'image-to-video': 'Image to video',
  'text-to-video-LoRA': 'Text to video with LoRA',
  'image-to-video-LoRA': 'Image to video with LoRA'
};
