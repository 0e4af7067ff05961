import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { BatchDefaults } from '@shared/batch-defaults';
import type { ComposerDraft, SourceImage } from '@shared/images';

/** One row being composed: an optional source image and its prompt. */
export interface DraftRow {
  key: number;
  image?: SourceImage;
  prompt: string;
}

/** The composer: rows of images and prompts, their defaults, and turning them into a batch. */
export const useComposerStore = defineStore('composer', () => {
  const rows = ref<DraftRow[]>([]);
  const defaults = ref<BatchDefaults | null>(null);
  let nextKey = 1;

  /** Replaces the composer's content with a prepared draft ("use these settings"). */
  function prefill(draft: ComposerDraft): void {
    rows.value = draft.rows.map((r) => ({ key: nextKey++, image: r.image, prompt: r.prompt }));
    defaults.value = structuredClone(draft.defaults);
  }

  return { rows, defaults, prefill };
});
