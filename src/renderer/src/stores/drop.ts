import { defineStore } from 'pinia';
import { ref } from 'vue';
import { plural } from '../lib/format';
import { useComposerStore } from './composer';
import { useImportStore } from './import';
import type { DroppedFiles } from '@shared/ipc';
import { createActions, describeError, dropFiles } from './ipc';

const CSV_NAME = /\.(csv|tsv|txt)$/i;
const WHAT_TO_DROP = 'Drop JPG, PNG or WebP images, a folder of them, or a CSV file.';

/** The first http(s) URL a drag from a web page carries: the link list, else an <img> in its HTML, else its text. */
export function droppedUrl(data: Pick<DataTransfer, 'getData'>): string | undefined {
  const lines = data
    .getData('text/uri-list')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const html = /<img[^>]+src="(https?:[^"]+)"/i.exec(data.getData('text/html'))?.[1];
  const text = data.getData('text/plain').trim();
  return [...lines, html, text].find((u): u is string => typeof u === 'string' && /^https?:\/\/\S+$/i.test(u));
}

/** Lists names: the first few, then how many more. */
function names(items: string[], shown = 3): string {
  const quoted = items.slice(0, shown).map((n) => `“${n}”`);
  return items.length > shown ? `${quoted.join(', ')} and ${items.length - shown} more` : quoted.join(', ');
}

/**
 * Drag and drop anywhere in the window: images and folders go to the composer, a CSV to the
 * import, an image dragged from a web page is used by its URL, and the rest is refused in words.
 */
export const useDropStore = defineStore('drop', () => {
  /** What the last drop left out, shown over whatever screen is open: a sentence, and one line per file. */
  const message = ref('');
  const items = ref<string[]>([]);
  const busy = ref(false);
  const actions = createActions();

  function refuse(text: string, lines: string[] = []): undefined {
    message.value = text;
    items.value = lines;
    return undefined;
  }

  /** Takes what was dropped; answers the screen that now holds it (the caller opens it), if any. */
  async function handle(data: DataTransfer): Promise<'compose' | 'import' | undefined> {
    refuse('');
    busy.value = true;
    try {
      return await route(data);
    } finally {
      busy.value = false;
    }
  }

  async function route(data: DataTransfer): Promise<'compose' | 'import' | undefined> {
    const composer = useComposerStore();
    const files = Array.from(data.files);
    const url = droppedUrl(data);
    if (files.length === 0) {
      if (url) return (await composer.addUrl(url)) ? 'compose' : refuse(composer.errors.url ?? 'That image could not be used.');
      return refuse(`Nothing usable was dropped. ${WHAT_TO_DROP}`);
    }
    // The preload takes the files' paths itself and main sorts them; the page never names a path.
    const sorted = await dropFiles(files);
    if (!sorted.ok) return refuse(describeError(sorted));
    const { pathless } = sorted.value;
    if (pathless.length === files.length) {
      // A picture dragged out of a web page may come as a file without a path: its URL is the real thing.
      if (url) return (await composer.addUrl(url)) ? 'compose' : refuse(composer.errors.url ?? 'That image could not be used.');
      // A CSV with no place on disk (a plain browser): the import reads its text instead.
      if (files.length === 1 && CSV_NAME.test(files[0].name)) return (await useImportStore().importText(files[0])) ? 'import' : undefined;
      return refuse(
        `${names(pathless)} could not be read from where ${pathless.length === 1 ? 'it was' : 'they were'} dragged. Save the files to a folder first, then drop them.`
      );
    }
    return settle(
      sorted.value,
      pathless.map((n) => `“${n}” could not be read from where it was dragged.`)
    );
  }

  /** Puts what main sorted where it belongs: images in the composer, one CSV in the import. */
  async function settle(found: DroppedFiles, unreadable: string[], how: 'dropped' | 'chosen' = 'dropped'): Promise<'compose' | 'import' | undefined> {
    const composer = useComposerStore();
    const refused = [...found.refused.map((r) => r.reason), ...unreadable];
    if (found.images.length > 0) {
      composer.addImages(found.images);
      composer.notices.push(...refused);
      if (found.csv.length > 0)
        composer.notices.push(`${names(found.csv.map((f) => f.name))} ${found.csv.length === 1 ? 'was' : 'were'} not imported: drop CSV files on their own.`);
      return 'compose';
    }
    if (found.csv.length > 0) {
      const importer = useImportStore();
      await importer.importChosen(found.csv[0]);
      if (found.csv.length > 1)
        refuse(`Only one CSV is imported at a time: ${plural(found.csv.length - 1, 'other file')} ${found.csv.length === 2 ? 'was' : 'were'} left out.`);
      else if (refused.length > 0) refuse('Some of what was dropped was left out:', refused);
      return 'import';
    }
    return refuse(how === 'dropped' ? `Nothing usable was dropped. ${WHAT_TO_DROP}` : 'None of the chosen files is a JPG, PNG or WebP image.', refused);
  }

  /** "Add images…": main's own dialog, its choice sorted as a drop; undefined when cancelled. */
  async function chooseImages(): Promise<'compose' | 'import' | undefined> {
    refuse('');
    busy.value = true;
    try {
      const found = await actions.run('inspect', 'dialog:choose-images');
      if (found === undefined) return refuse(actions.errors.inspect ?? 'The images could not be read.');
      return found ? await settle(found, [], 'chosen') : undefined;
    } finally {
      busy.value = false;
    }
  }

  function dismiss(): void {
    refuse('');
  }

  return { message, items, busy, handle, chooseImages, dismiss };
});
