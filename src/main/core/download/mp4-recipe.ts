import { randomBytes } from 'node:crypto';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ASPECT_RATIOS, MODEL_ID, MODES, RESOLUTIONS, type AspectRatio, type Mode, type Resolution } from '@shared/model';
import type { Sidecar, VideoRecipe } from '@shared/library';
import { version as packageVersion } from '../../../../package.json';
import { fsyncDir, removeIfPresent } from '../store/fs-durable';
import { MAX_MOOV_BYTES } from './mp4-probe';

/**
 * The recipe inside the file (architecture.md, "Downloads"): what made a video, written into its
 * own MP4 as iTunes-style metadata in `moov/udta/meta` (handler `mdir`) `ilst`, without
 * re-encoding. ffprobe shows `©nam` as title, `©cmt` as comment, `desc` as description and
 * `©too` as encoder; the whole recipe is JSON in a freeform `----` atom (mean
 * `com.ltxbatch.studio`, name `recipe`). A file this code does not fully understand is left as
 * it is, with the reason.
 */
export type { VideoRecipe } from '@shared/library';

export const APP_VERSION: string = packageVersion;

/**
 * The recipe of a video, from its sidecar: what made it, in the file. An image sent inline (a
 * `data:` link) is megabytes, so that recipe names the mode, not the image (nor the request
 * that carries it).
 */
export function recipeOf(sidecar: Sidecar): VideoRecipe {
  const inline = sidecar.imageUrl?.startsWith('data:') === true;
  const row = sidecar.sourceRow;
  return {
    schema: 1,
    app: sidecar.app,
    version: APP_VERSION,
    model: sidecar.model,
    ...(sidecar.name ? { name: sidecar.name } : {}),
    prompt: sidecar.prompt,
    mode: sidecar.mode,
    resolution: sidecar.resolution,
    duration: sidecar.duration,
    ...(sidecar.aspectRatio ? { aspectRatio: sidecar.aspectRatio } : {}),
    ...(sidecar.seed === undefined ? {} : { seed: sidecar.seed }),
    ...(sidecar.loras ? { loras: sidecar.loras } : {}),
    ...(sidecar.imageUrl && !inline ? { imageUrl: sidecar.imageUrl } : {}),
    taskId: sidecar.taskId,
    ...(inline ? {} : { request: sidecar.request }),
    batch: { id: sidecar.batch.id, name: sidecar.batch.name },
    row: row.row,
    take: row.take,
    estimateMicros: sidecar.estimateMicros,
    ...(sidecar.simulated === true ? { simulated: true } : {}),
    ...(sidecar.parent ? { parent: sidecar.parent } : {}),
    ...(row.axes ? { axes: row.axes } : {}),
    createdAt: sidecar.createdAt
  };
}
export const RECIPE_MEAN = 'com.ltxbatch.studio';
export const RECIPE_NAME = 'recipe';
export const RECIPE_SCHEMA = 1;
/** A recipe's JSON larger than this is not written nor read (a real one is a few KB). */
export const MAX_RECIPE_BYTES = 1024 * 1024;

export type RecipeWrite = { written: true; reason?: undefined } | { written: false; reason: string };
export type RecipeRead = { recipe: VideoRecipe; reason?: undefined } | { recipe: undefined; reason: string };

/** Top-level boxes walked before giving up. */
const MAX_TOP_LEVEL_BOXES = 10_000;
/** Boxes looked at inside the movie box, in all. */
const MAX_INNER_BOXES = 200_000;
const COPY_CHUNK = 1024 * 1024;
const UINT32_MAX = 0xffffffff;
/**
 * The containers descended into, by their parent: only the way to the chunk offsets
 * (`trak/mdia/minf/stbl`) and to the movie's metadata (`udta/meta/ilst`). Every other box, a
 * track's own `udta` included, is kept byte for byte. `ilst`'s items are walked too, when they
 * parse as boxes.
 */
const DESCEND: Record<string, readonly string[]> = {
  moov: ['trak', 'udta'],
  trak: ['mdia'],
  mdia: ['minf'],
  minf: ['stbl'],
  udta: ['meta'],
  meta: ['ilst']
};
/** The parent given to an `ilst` item's own boxes (`data`, `mean`, `name`): a name no box has, so nothing below is descended into. */
const ITEM_CHILD = 'ilst item';
/** The `ilst` items this app writes; any of them already there is replaced. */
const OWN_ITEMS = new Set(['©nam', '©cmt', 'desc', '©too']);

/** A file left as it is, and why. */
class Refusal extends Error {}

/** A box read into memory: its children when it is a container walked here, else its payload. */
interface Node {
  type: string;
  /** Bytes between the header and the children (a full box's version and flags). */
  prefix: Buffer;
  children?: Node[];
  payload?: Buffer;
}

/** A top-level box of the file, as found on disk. */
interface TopBox {
  type: string;
  at: number;
  size: number;
  header: number;
}

function fourcc(buf: Buffer, at: number): string {
  return buf.toString('latin1', at, at + 4);
}

function plausibleType(buf: Buffer, at: number): boolean {
  for (let i = at; i < at + 4; i++) {
    const c = buf[i];
    if (!((c >= 0x20 && c <= 0x7e) || c === 0xa9)) return false;
  }
  return true;
}

async function readAt(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new Refusal('the file is cut short');
    got += bytesRead;
  }
  return buf;
}

/** The top-level boxes, each checked to fit in the file. */
async function topBoxes(handle: FileHandle, fileSize: number): Promise<TopBox[]> {
  const boxes: TopBox[] = [];
  for (let at = 0; at < fileSize;) {
    if (boxes.length >= MAX_TOP_LEVEL_BOXES) throw new Refusal('it has too many top-level boxes');
    if (fileSize - at < 8) throw new Refusal(`it has ${fileSize - at} stray bytes at its end`);
    const head = await readAt(handle, Math.min(16, fileSize - at), at);
    if (!plausibleType(head, 4)) throw new Refusal(`a box at byte ${at} has no readable type`);
    const type = fourcc(head, 4);
    if (boxes.length === 0 && type !== 'ftyp') throw new Refusal('it is not an MP4 (it does not start with an ftyp box)');
    let size = head.readUInt32BE(0);
    let header = 8;
    if (size === 1) {
      if (head.length < 16) throw new Refusal('it ends inside a box header');
      const big = head.readBigUInt64BE(8);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Refusal(`its ${type} box has a 64-bit size this app cannot place`);
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = fileSize - at;
    }
    if (size < header) throw new Refusal(`its ${type} box has an impossible size`);
    if (at + size > fileSize) throw new Refusal(`it is cut short (its ${type} box ends past the end of the file)`);
    boxes.push({ type, at, size, header });
    at += size;
  }
  return boxes;
}

/** Walks the children of a container held in memory. */
function parseChildren(buf: Buffer, start: number, end: number, count: { n: number }, parent: string): Node[] {
  const nodes: Node[] = [];
  let at = start;
  while (at < end) {
    if (end - at < 8) {
      // ffmpeg and others pad some containers with a 4-byte zero terminator (a udta's last word).
      if (end - at === 4 && buf.readUInt32BE(at) === 0) break;
      throw new Refusal('a box inside its movie box is cut short');
    }
    if (++count.n > MAX_INNER_BOXES) throw new Refusal('its movie box holds too many boxes');
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (end - at < 16) throw new Refusal('a box header inside its movie box is cut short');
      const big = buf.readBigUInt64BE(at + 8);
      if (big > BigInt(end - at)) throw new Refusal('a box inside its movie box is larger than its parent');
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) throw new Refusal('a box inside its movie box is larger than its parent');
    const type = fourcc(buf, at + 4);
    const bodyStart = at + header;
    const bodyEnd = at + size;
    if (parent === 'ilst') {
      // A metadata item holds `data` (and, freeform, `mean` and `name`) boxes; one that does not
      // parse as such is another program's business and is kept byte for byte.
      // Its boxes are leaves (ITEM_CHILD descends into nothing), so a crafted item cannot nest the
      // walk; its bytes are copied only when they are kept whole.
      let children: Node[] | undefined;
      try {
        children = parseChildren(buf, bodyStart, bodyEnd, count, ITEM_CHILD);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
      }
      nodes.push(
        children ? { type, prefix: Buffer.alloc(0), children } : { type, prefix: Buffer.alloc(0), payload: Buffer.from(buf.subarray(bodyStart, bodyEnd)) }
      );
    } else if (DESCEND[parent]?.includes(type)) {
      // `meta` is a full box in ISO files (version and flags first), a plain one in QuickTime
      // (whose first word is then its first child's size, never 0).
      const prefixLength = type === 'meta' && bodyEnd - bodyStart >= 4 && buf.readUInt32BE(bodyStart) === 0 ? 4 : 0;
      nodes.push({
        type,
        prefix: Buffer.from(buf.subarray(bodyStart, bodyStart + prefixLength)),
        children: parseChildren(buf, bodyStart + prefixLength, bodyEnd, count, type)
      });
    } else {
      nodes.push({ type, prefix: Buffer.alloc(0), payload: Buffer.from(buf.subarray(bodyStart, bodyEnd)) });
    }
    at += size;
  }
  return nodes;
}

function serialize(node: Node): Buffer {
  const body = node.children ? Buffer.concat([node.prefix, ...node.children.map(serialize)]) : Buffer.concat([node.prefix, node.payload!]);
  if (body.length + 8 > UINT32_MAX) throw new Refusal(`its ${node.type} box would be too large`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.write(node.type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function leaf(type: string, payload: Buffer): Node {
  return { type, prefix: Buffer.alloc(0), payload };
}

function child(node: Node | undefined, type: string): Node | undefined {
  return node?.children?.find((c) => c.type === type);
}

function fullBoxText(payload: Buffer | undefined): string | undefined {
  return payload && payload.length >= 4 ? payload.toString('utf8', 4) : undefined;
}

/** The `hdlr` handler type of a `meta` box, if it has one. */
function handlerOf(meta: Node): string | undefined {
  const hdlr = child(meta, 'hdlr')?.payload;
  return hdlr && hdlr.length >= 12 ? fourcc(hdlr, 8) : undefined;
}

/** A freeform `----` item written by this app under `name`. */
function isOwnFreeform(item: Node, name = RECIPE_NAME): boolean {
  if (item.type !== '----' || !item.children) return false;
  return fullBoxText(child(item, 'mean')?.payload) === RECIPE_MEAN && fullBoxText(child(item, 'name')?.payload) === name;
}

/** A `data` box holding UTF-8 text (well-known type 1, default locale). */
function textData(text: string): Node {
  const value = Buffer.from(text, 'utf8');
  const payload = Buffer.alloc(8 + value.length);
  payload.writeUInt32BE(1, 0);
  value.copy(payload, 8);
  return leaf('data', payload);
}

function fullBox(type: string, text: string): Node {
  return leaf(type, Buffer.concat([Buffer.alloc(4), Buffer.from(text, 'utf8')]));
}

function textItem(type: string, text: string): Node {
  return { type, prefix: Buffer.alloc(0), children: [textData(text)] };
}

function freeformItem(name: string, text: string): Node {
  return { type: '----', prefix: Buffer.alloc(0), children: [fullBox('mean', RECIPE_MEAN), fullBox('name', name), textData(text)] };
}

/** Only the first line of a title: an iTunes title is one line. */
function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The items this app writes for a recipe. */
function recipeItems(recipe: VideoRecipe, json: string): Node[] {
  const title = recipe.name?.trim() || oneLine(recipe.prompt, 80);
  return [
    textItem('©nam', title),
    textItem('©cmt', recipe.prompt),
    textItem('desc', recipe.prompt),
    textItem('©too', `${recipe.app} ${recipe.version}`),
    freeformItem(RECIPE_NAME, json)
  ];
}

/** The movie box with this app's items in `udta/meta/ilst`, other items and boxes kept. */
function withRecipe(moov: Node, items: Node[]): void {
  const children = moov.children!;
  let udta = child(moov, 'udta');
  if (!udta) {
    udta = { type: 'udta', prefix: Buffer.alloc(0), children: [] };
    children.push(udta);
  }
  const metas = udta.children!.filter((c) => c.type === 'meta');
  let meta = metas.find((m) => handlerOf(m) === 'mdir');
  if (!meta) {
    if (metas.length > 0) throw new Refusal(`its metadata box is of a kind this app does not write into (${handlerOf(metas[0]) ?? 'no handler'})`);
    const hdlr = Buffer.alloc(25);
    hdlr.write('mdir', 8, 'latin1');
    hdlr.write('appl', 12, 'latin1');
    meta = { type: 'meta', prefix: Buffer.alloc(4), children: [leaf('hdlr', hdlr)] };
    udta.children!.push(meta);
  }
  let ilst = child(meta, 'ilst');
  if (!ilst) {
    ilst = { type: 'ilst', prefix: Buffer.alloc(0), children: [] };
    meta.children!.push(ilst);
  }
  // ilst items are walked as containers: one that is not (junk) is kept as it came.
  const kept = ilst.children!.filter((item) => !OWN_ITEMS.has(item.type) && !isOwnFreeform(item));
  ilst.children = [...kept, ...items];
}

/** Every `stco` and `co64` of the movie, with its track's `stbl`. */
function chunkTables(moov: Node): { stbl: Node; table: Node }[] {
  const found: { stbl: Node; table: Node }[] = [];
  for (const trak of moov.children!.filter((c) => c.type === 'trak')) {
    const stbl = child(child(child(trak, 'mdia'), 'minf'), 'stbl');
    for (const table of stbl?.children ?? []) {
      if (table.type === 'stco' || table.type === 'co64') found.push({ stbl: stbl!, table });
    }
  }
  return found;
}

function entryCount(table: Node, width: number): number {
  const p = table.payload!;
  if (p.length < 8) throw new Refusal(`its ${table.type} box is too short`);
  const count = p.readUInt32BE(4);
  if (count > (p.length - 8) / width) throw new Refusal(`its ${table.type} box lists more chunks than it holds`);
  return count;
}

function offsetsOf(table: Node): number[] {
  const width = table.type === 'co64' ? 8 : 4;
  const p = table.payload!;
  const count = entryCount(table, width);
  const out: number[] = [];
  for (let i = 0, at = 8; i < count; i++, at += width) out.push(width === 8 ? Number(p.readBigUInt64BE(at)) : p.readUInt32BE(at));
  return out;
}

function writeTable(table: Node, offsets: number[], wide: boolean): void {
  const width = wide ? 8 : 4;
  const p = Buffer.alloc(8 + offsets.length * width);
  table.payload!.copy(p, 0, 0, 4);
  p.writeUInt32BE(offsets.length, 4);
  offsets.forEach((offset, i) => (wide ? p.writeBigUInt64BE(BigInt(offset), 8 + i * 8) : p.writeUInt32BE(offset, 8 + i * 4)));
  table.type = wide ? 'co64' : table.type;
  table.payload = p;
}

/**
 * The new movie box. When media follows it (fast start), every chunk offset past it moves by
 * however much the box grew or shrank; a 32-bit table that would overflow becomes a `co64`,
 * which grows the box again, so the sum is made until it holds still.
 */
function buildMoov(moov: Node, oldSize: number, moovEnd: number, mediaAfter: boolean): Buffer {
  const tables = chunkTables(moov).map((t) => ({ ...t, original: offsetsOf(t.table) }));
  const wide = new Set(tables.filter((t) => t.table.type === 'co64').map((t) => t.table));
  for (let round = 0; round < 4; round++) {
    // Sizes first, with the offsets as they are: only the table widths change a box's size.
    for (const t of tables) writeTable(t.table, t.original, wide.has(t.table));
    const delta = mediaAfter ? serialize(moov).length - oldSize : 0;
    let grew = false;
    for (const t of tables) {
      const moved = t.original.map((o) => (o >= moovEnd ? o + delta : o));
      if (moved.some((o) => o < 0)) throw new Refusal('its chunk offsets do not fit its media');
      if (!wide.has(t.table) && moved.some((o) => o > UINT32_MAX)) {
        wide.add(t.table);
        grew = true;
        continue;
      }
      writeTable(t.table, moved, wide.has(t.table));
    }
    if (!grew) return serialize(moov);
  }
  throw new Refusal('its chunk offsets could not be placed');
}

async function copyRange(from: FileHandle, to: FileHandle, start: number, end: number, toAt: number): Promise<number> {
  const buf = Buffer.alloc(Math.min(COPY_CHUNK, Math.max(1, end - start)));
  let at = start;
  let out = toAt;
  while (at < end) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - at), at);
    if (bytesRead === 0) throw new Error('the file shrank while it was copied');
    let written = 0;
    while (written < bytesRead) {
      const { bytesWritten } = await to.write(buf, written, bytesRead - written, out + written);
      written += bytesWritten;
    }
    at += bytesRead;
    out += bytesRead;
  }
  return out;
}

/**
 * Offsets this writer does not move: a growing movie box before the media would leave them
 * pointing at the wrong bytes, so such a file is left as it is. Sample auxiliary offsets
 * (`saio`, encrypted tracks) and a top-level `meta` (its `iloc` item locations).
 */
function refuseUnmovable(boxes: readonly TopBox[], moov: Node): void {
  if (boxes.some((b) => b.type === 'meta')) throw new Refusal('it has a top-level metadata box whose item offsets this app does not move');
  for (const { stbl } of chunkTables(moov)) {
    if (stbl.children!.some((c) => c.type === 'saio')) throw new Refusal('a track has sample auxiliary offsets (saio) this app does not move');
  }
}

/** The movie box's top-level record and its parsed tree. */
async function readMovie(handle: FileHandle, size: number): Promise<{ boxes: TopBox[]; moovBox: TopBox; moov: Node }> {
  const boxes = await topBoxes(handle, size);
  if (boxes.some((b) => b.type === 'moof' || b.type === 'mfra')) throw new Refusal('it is a fragmented MP4 (moof boxes)');
  const moovs = boxes.filter((b) => b.type === 'moov');
  if (moovs.length !== 1) throw new Refusal(moovs.length === 0 ? 'it has no movie (moov) box' : 'it has two movie (moov) boxes');
  const moovBox = moovs[0];
  if (moovBox.size > MAX_MOOV_BYTES) throw new Refusal(`its movie box is larger than the ${MAX_MOOV_BYTES} bytes this app reads`);
  const bytes = await readAt(handle, moovBox.size, moovBox.at);
  const moov: Node = { type: 'moov', prefix: Buffer.alloc(0), children: parseChildren(bytes, moovBox.header, moovBox.size, { n: 0 }, 'moov') };
  if (child(moov, 'mvex')) throw new Refusal('it is a fragmented MP4 (its movie box has an mvex box)');
  return { boxes, moovBox, moov };
}

/**
 * A whole movie box (its header included) with `recipe` written in: what `writeRecipe` puts in
 * the file, given where the box ends there (`moovEnd`) and whether media follows it. Throws when
 * the box is one the writer leaves alone. For the tests of the chunk offsets.
 */
export function movieWithRecipe(moovBytes: Buffer, moovEnd: number, mediaAfter: boolean, recipe: VideoRecipe): Buffer {
  const header = moovBytes.readUInt32BE(0) === 1 ? 16 : 8;
  const moov: Node = { type: 'moov', prefix: Buffer.alloc(0), children: parseChildren(moovBytes, header, moovBytes.length, { n: 0 }, 'moov') };
  withRecipe(moov, recipeItems(recipe, recipeJson(recipe)));
  return buildMoov(moov, moovBytes.length, moovEnd, mediaAfter);
}

function words(error: unknown): string {
  if (error instanceof Refusal) return error.message;
  const code = (error as NodeJS.ErrnoException)?.code;
  return code ? `the file could not be written (${code})` : `the file could not be written (${(error as Error)?.message ?? String(error)})`;
}

/** The recipe as JSON, with a cap. */
export function recipeJson(recipe: VideoRecipe): string {
  const json = JSON.stringify(recipe);
  if (Buffer.byteLength(json) > MAX_RECIPE_BYTES) throw new Refusal('the recipe is too large to write into the file');
  return json;
}

/**
 * Writes `recipe` into the MP4 at `path`, replacing one written before and keeping every other
 * box, without touching the media: the file is copied into a temporary file beside it (the
 * media data streamed, never held in memory), synced, and renamed over it, so the path holds
 * either the old file or the whole new one. Never throws: a file it does not understand (a
 * fragmented MP4, a 64-bit size it cannot place, odd boxes) or cannot write is left as it is,
 * and the reason comes back.
 */
export async function writeRecipe(path: string, recipe: VideoRecipe): Promise<RecipeWrite> {
  let handle: FileHandle | undefined;
  let out: FileHandle | undefined;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const json = recipeJson(recipe);
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Refusal('it is not a file');
    const { boxes, moovBox, moov } = await readMovie(handle, stats.size);
    const moovEnd = moovBox.at + moovBox.size;
    const mediaAfter = boxes.some((b) => b.at >= moovEnd && b.type === 'mdat');
    if (mediaAfter) refuseUnmovable(boxes, moov);
    withRecipe(moov, recipeItems(recipe, json));
    const newMoov = buildMoov(moov, moovBox.size, moovEnd, mediaAfter);

    out = await open(tmp, 'wx');
    let at = await copyRange(handle, out, 0, moovBox.at, 0);
    let written = 0;
    while (written < newMoov.length) written += (await out.write(newMoov, written, newMoov.length - written, at + written)).bytesWritten;
    at += newMoov.length;
    await copyRange(handle, out, moovEnd, stats.size, at);
    await out.sync();
    await out.close();
    out = undefined;
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
    renamed = true;
    await fsyncDir(dir);
    return { written: true };
  } catch (error) {
    return { written: false, reason: words(error) };
  } finally {
    await out?.close().catch(() => undefined);
    await handle?.close().catch(() => undefined);
    if (!renamed) await removeIfPresent(tmp).catch(() => undefined);
  }
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The first thing wrong with a parsed recipe, or undefined when it is whole. */
function checkRecipe(v: Obj): string | undefined {
  if (v.app !== 'LTX Batch Studio') return 'it was not written by LTX Batch Studio';
  if (v.model !== MODEL_ID) return `it describes another model (${String(v.model).slice(0, 40)})`;
  if (typeof v.schema === 'number' && v.schema > RECIPE_SCHEMA) return `it was written by a newer version of the app (schema ${v.schema})`;
  if (v.schema !== RECIPE_SCHEMA) return 'it has no valid schema number';
  if (!isString(v.version)) return 'version is not text';
  if (!isString(v.prompt)) return 'prompt is not text';
  if (!MODES.includes(v.mode as Mode)) return 'mode is not one of the model’s modes';
  if (!RESOLUTIONS.includes(v.resolution as Resolution)) return 'resolution is not 480p, 720p or 1080p';
  if (!isNumber(v.duration) || v.duration < 0) return 'duration is not a number of seconds';
  if (v.aspectRatio !== undefined && !ASPECT_RATIOS.includes(v.aspectRatio as AspectRatio)) return 'aspectRatio is not 16:9 or 9:16';
  if (v.seed !== undefined && !Number.isSafeInteger(v.seed)) return 'seed is not a whole number';
  if (!isString(v.taskId) || v.taskId.length === 0) return 'taskId is missing';
  if (v.name !== undefined && !isString(v.name)) return 'name is not text';
  if (v.imageUrl !== undefined && !isString(v.imageUrl)) return 'imageUrl is not text';
  if (v.loras !== undefined && (!Array.isArray(v.loras) || !v.loras.every((l) => isObject(l) && isString(l.path) && isNumber(l.scale)))) {
    return 'loras is not a list of {path, scale}';
  }
  if (v.request !== undefined && (!isObject(v.request) || !isObject(v.request.input))) return 'request is not a request body';
  if (v.batch !== undefined && (!isObject(v.batch) || !isString(v.batch.id) || !isString(v.batch.name))) return 'batch is not {id, name}';
  for (const key of ['row', 'take'] as const) if (v[key] !== undefined && !Number.isSafeInteger(v[key])) return `${key} is not a whole number`;
  if (v.estimateMicros !== undefined && (!isNumber(v.estimateMicros) || v.estimateMicros < 0)) return 'estimateMicros is not an amount';
  if (v.simulated !== undefined && typeof v.simulated !== 'boolean') return 'simulated is not true or false';
  const parent = v.parent;
  if (parent !== undefined && (!isObject(parent) || !isString(parent.taskId) || !isString(parent.file) || !isNumber(parent.frameSec))) {
    return 'parent is not {taskId, file, frameSec}';
  }
  if (v.axes !== undefined && (!isObject(v.axes) || !Object.values(v.axes).every(isString))) return 'axes is not a list of axis values';
  if (v.createdAt !== undefined && (!isString(v.createdAt) || Number.isNaN(Date.parse(v.createdAt)))) return 'createdAt is not a date';
  return undefined;
}

/** Parses a recipe's JSON text: the recipe, or why not. */
export function parseRecipe(text: string): RecipeRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { recipe: undefined, reason: 'The recipe in the file is not valid JSON.' };
  }
  if (!isObject(value)) return { recipe: undefined, reason: 'The recipe in the file is not a JSON object.' };
  const wrong = checkRecipe(value);
  if (wrong) return { recipe: undefined, reason: `The recipe in the file is not usable: ${wrong}.` };
  return { recipe: value as unknown as VideoRecipe };
}

/** The text of the first `data` box of an item. */
function itemText(item: Node): string | undefined {
  const data = child(item, 'data')?.payload;
  return data && data.length >= 8 ? data.toString('utf8', 8) : undefined;
}

/**
 * Finds and parses the recipe this app wrote inside the MP4 at `path`. Never throws: a file
 * without one, with a foreign `----` atom only, with a recipe that is not valid JSON, or that
 * cannot be read comes back as `{ recipe: undefined, reason }`.
 */
export async function readRecipe(path: string): Promise<RecipeRead> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!stats.isFile()) return { recipe: undefined, reason: 'This is not a file.' };
    const { moov } = await readMovie(handle, stats.size);
    const metas = child(moov, 'udta')?.children?.filter((c) => c.type === 'meta') ?? [];
    const ilst = child(
      metas.find((m) => handlerOf(m) === 'mdir'),
      'ilst'
    );
    const item = ilst?.children?.find((i) => isOwnFreeform(i));
    if (!item) return { recipe: undefined, reason: 'The file carries no recipe.' };
    const text = itemText(item);
    if (text === undefined) return { recipe: undefined, reason: 'The recipe in the file is empty.' };
    if (Buffer.byteLength(text) > MAX_RECIPE_BYTES) return { recipe: undefined, reason: 'The recipe in the file is too large to be one.' };
    return parseRecipe(text);
  } catch (error) {
    if (error instanceof Refusal) return { recipe: undefined, reason: `The file's recipe could not be read: ${error.message}.` };
    return { recipe: undefined, reason: `The file could not be read (${(error as NodeJS.ErrnoException)?.code ?? String(error)}).` };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
