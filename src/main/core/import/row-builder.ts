import { isImageMode, isLoraMode, modeFor, type Mode } from '@shared/model';
import type { LoraItem, TaskDraft } from '@shared/request';
import type { Problem } from '@shared/validation';
import type { BatchDefaults } from '@shared/batch-defaults';
import { isRemoteReference, numberOrText, parseAspect, parseMode, parseResolution, parseSeed, type CountCell } from './cells';
import { FIELDS, type Field } from '@shared/import-types';
import { isField } from './headers';
import { checkLocalImage, type LocalImage } from './local-image';
import { validateTake, type Strays } from './row-validation';
import { takeSeeds } from './seeds';
import type { ImportColumn, ImportedRow, RowProblem } from './types';

const LORA_SLOTS = [
  { slot: 1, path: 'lora1_path', scale: 'lora1_scale' },
  { slot: 2, path: 'lora2_path', scale: 'lora2_scale' },
  { slot: 3, path: 'lora3_path', scale: 'lora3_scale' }
] as const;

/** The importer field behind each request field the validator names. */
const FIELD_OF: Record<string, Field> = {
  prompt: 'prompt',
  mode: 'mode',
  resolution: 'resolution',
  duration: 'duration',
  aspect_ratio: 'aspect_ratio',
  seed: 'seed',
  image_urls: 'image'
};

const LORA_ITEM = /^loras\[(\d+)\](?:\.(path|scale))?$/;

/** Everything that is the same for every row of one import, worked out once. */
export interface RowContext {
  /** 0-based column of each field, -1 when the file has none. */
  at: Record<Field, number>;
  /** The header (as written) of each field's column, '' when the file has none. */
  headerOf: Record<Field, string>;
  /** The headers, to key each row's raw cells by. */
  headers: readonly string[];
  defaults: BatchDefaults;
  /** The mode of a row that names none and has no image or LoRA cells. */
  defaultMode: Mode;
  baseDir: string;
  random: () => number;
  /** Each row's own source of random seeds, when the import has one (ImportOptions.randomFor). */
  randomFor?: (row: number) => () => number;
  /** Local image checks by cell: a batch often reuses one image. */
  images: Map<string, LocalImage>;
}

export function createRowContext(columns: readonly ImportColumn[], defaults: BatchDefaults, baseDir: string, random: () => number): RowContext {
  const at = {} as Record<Field, number>;
  const headerOf = {} as Record<Field, string>;
  for (const field of FIELDS) {
    at[field] = -1;
    headerOf[field] = '';
  }
  for (const column of columns) {
    if (column.field === null) continue;
    at[column.field] = column.index - 1;
    headerOf[column.field] = column.header;
  }
  const defaultMode = defaults.mode ?? modeFor(false, (defaults.loras?.length ?? 0) > 0);
  return { at, headerOf, headers: columns.map((c) => c.header), defaults, defaultMode, baseDir, random, images: new Map() };
}

/** The raw cells keyed by header; a header such as "__proto__" stays an ordinary key. */
function sourceOf(headers: readonly string[], cells: readonly string[]): Record<string, string> {
  const source: Record<string, string> = {};
  for (let i = 0; i < headers.length; i++) {
    const value = i < cells.length ? cells[i] : '';
    if (headers[i] === '__proto__') {
      Object.defineProperty(source, '__proto__', { value, enumerable: true, writable: true, configurable: true });
    } else {
      source[headers[i]] = value;
    }
  }
  return source;
}

interface RowLora {
  slot: number;
  item: { path: string | undefined; scale: number | string | undefined };
}

export interface RowInput {
  cells: readonly string[];
  /** Spreadsheet row number. */
  row: number;
  /** Position of the row's first take in the whole batch (0-based). */
  firstTakeIndex: number;
  count: CountCell;
  /** Problems found before the cells were read (a ragged row). */
  problems: RowProblem[];
}

/**
 * Turns one row into its takes: reads the cells (empty ones take the batch defaults), infers
 * the mode, checks a local image, gives each take its seed, and validates each take as the
 * request it would send. Problems carry the row number and the header the person wrote.
 */
export function buildRowTakes(ctx: RowContext, input: RowInput): ImportedRow[] {
  const { cells, row } = input;
  const cell = (field: Field): string => {
    const i = ctx.at[field];
    return i >= 0 && i < cells.length ? cells[i] : '';
  };
  const problems = input.problems;
  const problem = (field: Field, code: RowProblem['code'], message: string): void => {
    problems.push({ row, column: ctx.headerOf[field], field, code, message });
  };

  const rowLoras: RowLora[] = [];
  for (const { slot, path, scale } of LORA_SLOTS) {
    const p = cell(path).trim();
    const s = cell(scale).trim();
    if (p !== '' || s !== '') {
      rowLoras.push({ slot, item: { path: p === '' ? undefined : p, scale: s === '' ? undefined : numberOrText(s) } });
    }
  }
  const image = cell('image').trim();
  const modeCell = cell('mode').trim();
  const mode = (
    modeCell !== '' ? parseMode(modeCell) : modeFor(image !== '' || isImageMode(ctx.defaultMode), rowLoras.length > 0 || isLoraMode(ctx.defaultMode))
  ) as Mode;
  const imageMode = isImageMode(mode);
  const loraMode = isLoraMode(mode);

  const resolution = cell('resolution').trim();
  const duration = cell('duration').trim();
  const draft = {
    mode,
    prompt: cell('prompt'),
    resolution: resolution === '' ? ctx.defaults.resolution : parseResolution(resolution),
    duration: duration === '' ? ctx.defaults.duration : numberOrText(duration)
  } as TaskDraft;

  let strays: Strays | undefined;
  const aspect = cell('aspect_ratio').trim();
  if (!imageMode) draft.aspectRatio = (aspect === '' ? ctx.defaults.aspectRatio : parseAspect(aspect)) as TaskDraft['aspectRatio'];
  else if (aspect !== '') strays = { aspectRatio: parseAspect(aspect) };

  let imagePath: string | undefined;
  const localImage = imageMode && image !== '' && !isRemoteReference(image);
  if (image !== '' && !imageMode) {
    strays = { ...strays, imageUrl: image };
  } else if (localImage) {
    let check = ctx.images.get(image);
    if (!check) ctx.images.set(image, (check = checkLocalImage(image, ctx.baseDir)));
    if (check.ok) imagePath = check.path;
    else problem('image', check.code, check.message);
  } else if (image !== '') {
    draft.imageUrl = image;
  }

  const lorasFromRow = rowLoras.length > 0;
  if (loraMode) {
    const loras = lorasFromRow ? rowLoras.map((l) => l.item) : ctx.defaults.loras;
    if (loras) draft.loras = [...loras] as LoraItem[];
  } else if (lorasFromRow) {
    strays = { ...strays, loras: rowLoras.map((l) => l.item) };
  }

  const toRowProblem = (p: Problem): RowProblem => {
    const lora = LORA_ITEM.exec(p.field);
    if (lora && lorasFromRow) {
      const k = Number(lora[1]);
      const slot = rowLoras[k]?.slot ?? k + 1;
      const field: Field = `lora${slot}_${lora[2] === 'scale' ? 'scale' : 'path'}` as Field;
      const message = slot === k + 1 ? p.message : p.message.replace(`LoRA ${k + 1}`, `LoRA ${slot}`);
      return { row, column: ctx.headerOf[field], field, code: p.code, message };
    }
    const field = p.field === 'loras' ? (`lora${rowLoras[0]?.slot ?? 1}_path` as Field) : (FIELD_OF[p.field] ?? p.field);
    return { row, column: isField(field) ? ctx.headerOf[field] : '', field, code: p.code, message: p.message };
  };

  const name = cell('name').trim();
  const source = sourceOf(ctx.headers, cells);
  const count = input.count.ok ? input.count.count : 1;
  if (!input.count.ok) problem('count', input.count.code, input.count.message);
  const seeds = takeSeeds({
    cell: parseSeed(cell('seed')),
    count,
    policy: ctx.defaults.seed,
    firstTakeIndex: input.firstTakeIndex,
    random: ctx.randomFor ? ctx.randomFor(row) : ctx.random
  });

  const takes: ImportedRow[] = new Array(count);
  for (let t = 0; t < count; t++) {
    const take = count === 1 ? draft : { ...draft };
    if (seeds[t] !== undefined) take.seed = seeds[t] as number;
    const found = validateTake(take, strays, localImage);
    const imported: ImportedRow = {
      row,
      take: t + 1,
      draft: take,
      source,
      problems: found.length > 0 ? problems.concat(found.map(toRowProblem)) : count === 1 ? problems : problems.slice()
    };
    if (name !== '') imported.name = name;
    if (imagePath !== undefined) imported.imagePath = imagePath;
    takes[t] = imported;
  }
  return takes;
}
