import { isImageMode, isLoraMode, modeFor, type Mode } from '@shared/model';
import type { LoraItem, TaskDraft } from '@shared/request';
import type { Problem } from '@shared/validation';
import type { BatchDefaults } from '@shared/batch-defaults';
import { isRemoteReference, numberOrText, parseAspect, parseMode, parseResolution, parseSeed, type CountCell } from './cells';
import { FIELDS, type Field } from '@shared/import-types';
import { isField, normalizeHeader, unhonouredHeader } from './headers';
import { checkLocalImage, type LocalImage } from './local-image';
import { validateTake, type Strays } from './row-validation';
import { takeSeeds } from './seeds';
import { hasSeedAxis, sweepDrafts } from './sweep';
import { fillTemplate, parseTemplate, type FilledPrompt } from '@shared/template';
import { showValue } from '@shared/validation';
import type { SweepSpec } from '@shared/sweep';
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
  /** Columns that fill no field, by normalized header → 0-based column: the prompt's `{{variables}}`. */
  variables: Map<string, number>;
  /** Columns that look like a field APIXO cannot honour (`lora4_path`): a row with a value there is refused. */
  unhonoured: { header: string; at: number; message: string }[];
}

/** Where a row's random seeds come from: its own source when the import has one per row (an import edited in place), else the import's. */
export function rowRandom(ctx: Pick<RowContext, 'random' | 'randomFor'>, row: number): () => number {
  return ctx.randomFor ? ctx.randomFor(row) : ctx.random;
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
  const variables = new Map<string, number>();
  const unhonoured: RowContext['unhonoured'] = [];
  for (const column of columns) {
    if (column.field !== null || column.header === '') continue;
    const message = unhonouredHeader(column.header);
    if (message !== undefined) unhonoured.push({ header: column.header, at: column.index - 1, message });
    else if (!variables.has(normalizeHeader(column.header))) variables.set(normalizeHeader(column.header), column.index - 1);
  }
  return { at, headerOf, headers: columns.map((c) => c.header), defaults, defaultMode, baseDir, random, images: new Map(), variables, unhonoured };
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
  /** The sweep the row's takes will go through: with a seed axis, the row's own seeds are not drawn. */
  sweep?: SweepSpec;
}

/** A row read into its takes before the sweep (count × prompt variants), and the sweep's expansion of them. */
export interface RowTakes {
  /** The drafts before the sweep: counted and priced (`countSweep`) before anything expands. */
  bases: TaskDraft[];
  /** The takes, each base tried across the spec's axes (`seeds[b]`: the seed axis's seeds for base b) and validated. */
  takes(spec: SweepSpec | undefined, seeds: number[][] | undefined): ImportedRow[];
}

/**
 * Turns one row into its takes: reads the cells (empty ones take the batch defaults), infers
 * the mode, checks a local image, gives each take its seed, and validates each take as the
 * request it would send. Problems carry the row number and the header the person wrote.
 */
export function buildRowTakes(ctx: RowContext, input: RowInput): RowTakes {
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
  for (const u of ctx.unhonoured) {
    if (u.at < cells.length && cells[u.at].trim() !== '') problems.push({ row, column: u.header, field: '', code: 'unknown_field', message: u.message });
  }
  const prompts = templatePrompts(ctx, cells, row, problems);
  const baseCount = count * prompts.length;
  const seeds = hasSeedAxis(input.sweep)
    ? new Array<undefined>(baseCount).fill(undefined)
    : takeSeeds({
        cell: parseSeed(cell('seed')),
        count: baseCount,
        policy: ctx.defaults.seed,
        firstTakeIndex: input.firstTakeIndex,
        random: rowRandom(ctx, row)
      });

  const bases: { draft: TaskDraft; prompt: FilledPrompt }[] = new Array(baseCount);
  for (let t = 0; t < baseCount; t++) {
    const prompt = prompts[t % prompts.length];
    const base = baseCount === 1 && prompt.filled.length === 0 ? draft : { ...draft, prompt: prompt.prompt };
    if (seeds[t] !== undefined) base.seed = seeds[t] as number;
    bases[t] = { draft: base, prompt };
  }

  return {
    bases: bases.map((b) => b.draft),
    takes(spec, sweepSeeds) {
      const takes: ImportedRow[] = [];
      bases.forEach(({ draft: base, prompt }, b) => {
        for (const swept of sweepDrafts(base, spec, sweepSeeds?.[b])) {
          const take = swept.draft;
          const found = validateTake(take, strays, localImage);
          const imported: ImportedRow = {
            row,
            take: takes.length + 1,
            draft: take,
            source,
            problems: found.length > 0 ? problems.concat(found.map(toRowProblem)) : problems.slice()
          };
          const axes = { ...prompt.axes, ...swept.axes };
          if (Object.keys(axes).length > 0) imported.axes = axes;
          if (prompt.filled.length > 0) imported.filled = prompt.filled;
          if (name !== '') imported.name = name;
          if (imagePath !== undefined) imported.imagePath = imagePath;
          takes.push(imported);
        }
      });
      return takes;
    }
  };
}

/**
 * The prompts a row's template makes, filled from its cells: one per combination of `{a|b}`
 * alternatives. A placeholder without a column, or with an empty cell, is a row problem naming the column.
 */
function templatePrompts(ctx: RowContext, cells: readonly string[], row: number, problems: RowProblem[]): FilledPrompt[] {
  const i = ctx.at.prompt;
  const raw = i >= 0 && i < cells.length ? cells[i] : '';
  const template = parseTemplate(raw);
  if (!template) return [{ prompt: raw, filled: [], axes: {} }];
  let complete = true;
  for (const name of template.variables) {
    const at = ctx.variables.get(normalizeHeader(name));
    if (at === undefined) {
      complete = false;
      problems.push({
        row,
        column: ctx.headerOf.prompt,
        field: 'prompt',
        code: 'missing_variable',
        message:
          ctx.unhonoured.find((u) => normalizeHeader(u.header) === normalizeHeader(name))?.message ??
          `The prompt uses {{${name}}}, but the file has no column ${showValue(name)} to fill it from. ` +
            `Add a column named ${showValue(name)}, or change the placeholder (write \\{ for a literal brace).`
      });
    } else if (at >= cells.length || cells[at].trim() === '') {
      complete = false;
      problems.push({
        row,
        column: ctx.headers[at],
        field: 'prompt',
        code: 'missing_variable',
        message: `The prompt uses {{${name}}}, but this row's ${showValue(ctx.headers[at])} cell is empty. Fill it in, or write the prompt without it.`
      });
    }
  }
  return fillTemplate(template, (name) => {
    const at = ctx.variables.get(normalizeHeader(name));
    const value = at !== undefined && at < cells.length ? cells[at].trim() : '';
    return complete || value !== '' ? value : `{{${name}}}`;
  });
}
