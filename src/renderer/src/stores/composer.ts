import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { VideoParent } from '@shared/batch';
import type { BatchDefaults } from '@shared/batch-defaults';
import type { ComposerDraft, HostingStatus, SourceImage } from '@shared/images';
import { LIMITS, modeFor } from '@shared/model';
import { estimateBatch, parseUsd, type BatchEstimate } from '@shared/pricing';
import { countSweep, sweepFactors, sweepRefusal, sweptPricing, type SweepCount, type SweepSpec } from '@shared/sweep';
import { parseTemplate, variantCount } from '@shared/template';
import { promptsName } from '../lib/batch-name';
import { plural } from '../lib/format';
import { useHostingStore } from './hosting';
import { createActions } from './ipc';
import { useQueueStore } from './queue';
import { useSettingsStore } from './settings';

/** One row being composed: an optional source image and its prompt. */
export interface DraftRow {
  key: number;
  image?: SourceImage;
  prompt: string;
  /** The video this row continues from: its image is a frame of it. */
  parent?: VideoParent;
}

/** Rows in one composer: a dropped folder of this many photos is a batch, not a mistake. */
export const MAX_ROWS = 10_000;

/**
 * The composer: one row per source image (or a prompt alone), one prompt for all if wanted, the
 * batch's defaults, the estimate, and turning it all into a batch.
 */
export const useComposerStore = defineStore('composer', () => {
  const rows = ref<DraftRow[]>([]);
  const defaults = ref<BatchDefaults | null>(null);
  /** When set, rows without a prompt of their own use this one. */
  const sharedPrompt = ref('');
  const useShared = ref(false);
  const takes = ref(1);
  /** The sweep every take goes through (main expands it the same way, and refuses it over the same cap). */
  const sweep = ref<SweepSpec>({});
  const name = ref('');
  const capText = ref('');
  // Whether local images can be hosted: the hosting store's, which Settings keeps fresh too.
  const hostingStore = useHostingStore();
  const hosting = computed<HostingStatus | null>(() => hostingStore.status);
  /** What the last drop or add left out, and why. */
  const notices = ref<string[]>([]);
  const actions = createActions();
  let nextKey = 1;

  // Settings are reactive proxies, which structuredClone refuses: a JSON copy is plain.
  const currentDefaults = computed<BatchDefaults>(() => defaults.value ?? (JSON.parse(JSON.stringify(useSettingsStore().settings!.defaults)) as BatchDefaults));

  function promptOf(row: DraftRow): string {
    const own = row.prompt.trim();
    return own || (useShared.value ? sharedPrompt.value.trim() : '');
  }

  const hasLocalImages = computed(() => rows.value.some((r) => r.image?.origin.kind === 'file'));
  const takesValid = computed(() => Number.isInteger(takes.value) && takes.value >= 1 && takes.value <= 10);
  const capMicros = computed<number | undefined | null>(() => (capText.value.trim() ? (parseUsd(capText.value) ?? null) : undefined));

  /** Every take before the sweep, as far as its price goes: a prompt's `{a|b}` alternatives make one take each. */
  const bases = computed(() => {
    const d = currentDefaults.value;
    const loras = (d.loras?.length ?? 0) > 0;
    const count = takesValid.value ? takes.value : 1;
    return rows.value.flatMap((r) =>
      Array.from({ length: count * variantCount(parseTemplate(promptOf(r))) }, () => ({
        mode: modeFor(r.image !== undefined, loras),
        resolution: d.resolution,
        duration: d.duration
      }))
    );
  });

  /** With a sweep: "3 prompts × 2 seeds = 6 videos, $0.96", counted before anything expands. */
  const sweepCount = computed<SweepCount | undefined>(() =>
    sweepFactors(sweep.value).length > 0 ? countSweep(bases.value, sweep.value, rows.value.length) : undefined
  );
  const sweepRefused = computed(() => (sweepCount.value ? (sweepRefusal(sweepCount.value) ?? '') : ''));

  const estimate = computed<BatchEstimate>(() => {
    if (!sweepCount.value || sweepRefused.value) return estimateBatch(bases.value);
    return estimateBatch(sweptPricing(bases.value, sweep.value));
  });

  /** Why "Add to queue" is off, in words; '' when it is on. */
  const blockReason = computed(() => {
    if (rows.value.length === 0) return 'Drop images or add a row first.';
    const missing = rows.value.findIndex((r) => !promptOf(r));
    if (missing >= 0) return `Row ${missing + 1} has no prompt: write one, or use one prompt for all.`;
    const long = rows.value.findIndex((r) => promptOf(r).length > LIMITS.promptMaxChars);
    if (long >= 0) return `Row ${long + 1}'s prompt is longer than ${LIMITS.promptMaxChars.toLocaleString('en-US')} characters.`;
    if (!takesValid.value) return 'Videos per row must be a whole number from 1 to 10.';
    if (sweepRefused.value) return sweepRefused.value;
    if (capMicros.value === null) return 'Write the spending cap in dollars, like 25 or 12.50.';
    if (hasLocalImages.value && hosting.value && !hosting.value.ready) return hosting.value.message;
    return '';
  });

  const videoCount = computed(() => (sweepCount.value ? sweepCount.value.videos : bases.value.length));

  /** The first prompt's first words and how many more; for images alone, the first image's name. */
  function defaultName(): string {
    const stamp = new Date().toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    const images = rows.value.filter((r) => r.image).length;
    const first = rows.value.map((r) => promptOf(r)).find((p) => p.trim());
    const named = promptsName(first, rows.value.length);
    if (named) return named;
    const firstImage = rows.value.find((r) => r.image)?.image?.name;
    if (firstImage) return images > 1 ? `${firstImage} and ${(images - 1).toLocaleString('en-US')} more` : firstImage;
    return images > 0 ? `${plural(images, 'image')}, ${stamp}` : `Prompts, ${stamp}`;
  }

  function addImages(images: SourceImage[]): void {
    const have = new Set(rows.value.map((r) => r.image?.id).filter(Boolean));
    const fresh = images.filter((img) => !have.has(img.id));
    const room = MAX_ROWS - rows.value.length;
    if (fresh.length > room)
      notices.value.push(`${plural(fresh.length - room, 'image')} left out: a batch holds at most ${MAX_ROWS.toLocaleString('en-US')} rows.`);
    const repeated = images.length - fresh.length;
    if (repeated > 0) notices.value.push(`${plural(repeated, 'image')} ${repeated === 1 ? 'was' : 'were'} already in the list.`);
    for (const image of fresh.slice(0, Math.max(0, room))) rows.value.push({ key: nextKey++, image, prompt: '' });
    if (fresh.length > 0 && rows.value.length === fresh.length) useShared.value = true;
    if (!name.value.trim()) name.value = defaultName();
    void refreshHosting();
  }

  function addRow(): void {
    rows.value.push({ key: nextKey++, prompt: '' });
  }

  function removeRow(key: number): void {
    rows.value = rows.value.filter((r) => r.key !== key);
  }

  function setDefaults(next: BatchDefaults): void {
    defaults.value = next;
  }

  function clear(): void {
    rows.value = [];
    notices.value = [];
    sharedPrompt.value = '';
    useShared.value = false;
    takes.value = 1;
    sweep.value = {};
    name.value = '';
    capText.value = '';
    defaults.value = null;
    actions.clear('create');
  }

  /** Replaces the composer's content with a prepared draft ("use these settings"). */
  function prefill(draft: ComposerDraft): void {
    clear();
    rows.value = draft.rows.map((r) => ({ key: nextKey++, image: r.image, prompt: r.prompt, ...(r.parent ? { parent: { ...r.parent } } : {}) }));
    defaults.value = JSON.parse(JSON.stringify(draft.defaults)) as BatchDefaults;
    name.value = defaultName();
    void refreshHosting();
  }

  async function refreshHosting(): Promise<void> {
    await hostingStore.load();
  }

  /** An image dragged from a web page: checked and cached by the app, its URL sent to APIXO as it is. */
  async function addUrl(url: string): Promise<boolean> {
    const image = await actions.run('url', 'images:from-url', url);
    if (!image) return false;
    addImages([image]);
    return true;
  }

  /** Adds the rows to the queue as one batch; true when it was created. */
  async function create(): Promise<boolean> {
    if (blockReason.value) return false;
    const request = {
      name: name.value.trim() || defaultName(),
      rows: rows.value.map((r) => ({ imageId: r.image?.id, prompt: promptOf(r), ...(r.parent ? { parent: r.parent } : {}) })),
      defaults: currentDefaults.value,
      takes: takes.value,
      ...(sweepCount.value ? { sweep: JSON.parse(JSON.stringify(sweep.value)) as SweepSpec } : {}),
      ...(capMicros.value != null ? { capMicros: capMicros.value } : {})
    };
    const sent = new Set(rows.value.map((r) => r.key));
    const batch = await actions.run('create', 'composer:create', request);
    if (!batch) return false;
    useQueueStore().addCreated(batch);
    // Uploading can take a while: rows added meanwhile stay for the next batch.
    const added = rows.value.filter((r) => !sent.has(r.key));
    clear();
    rows.value = added;
    return true;
  }

  return {
    rows,
    defaults: currentDefaults,
    sharedPrompt,
    useShared,
    takes,
    sweep,
    sweepCount,
    sweepRefused,
    name,
    capText,
    capMicros,
    hosting,
    hasLocalImages,
    notices,
    estimate,
    blockReason,
    videoCount,
    errors: actions.errors,
    busy: actions.busy,
    promptOf,
    addImages,
    addRow,
    removeRow,
    setDefaults,
    clear,
    prefill,
    refreshHosting,
    addUrl,
    create
  };
});
