import { IMAGE_MAX_BYTES } from './images';
import { ASPECT_RATIOS, LIMITS, MODES, RESOLUTIONS, isImageMode, isLoraMode, type Mode } from './model';

/** Why a value was refused: a stable code for programs, a sentence for people. */
export type ProblemCode =
  | 'required'
  | 'wrong_type'
  | 'empty'
  | 'too_long'
  | 'not_allowed'
  | 'invalid_choice'
  | 'not_integer'
  | 'out_of_range'
  | 'invalid_url'
  | 'wrong_count'
  | 'too_many';

export interface Problem {
  /** Path of the field in the request input: `prompt`, `image_urls`, `loras[1].scale` … */
  field: string;
  code: ProblemCode;
  /** A sentence a person understands, saying what is wrong and what is allowed. */
  message: string;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shows a refused value the way the person typed it, shortened. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const DATA_IMAGE = /^data:image\/(jpeg|png|webp);base64,/i;
// With the length a multiple of four, this is standard padded base64 (no groups: long inputs stay cheap).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * What is wrong with an inline image (`data:image/png;base64,…`, which one third-party client
 * sends and APIXO does not document), or undefined when it is a well-formed JPEG/PNG/WebP of at
 * most 10 MB. Whether the bytes really are an image is for the server to find out.
 */
function dataUrlProblem(url: string): string | undefined {
  const head = DATA_IMAGE.exec(url);
  if (!head) {
    const shown = showValue(url.slice(0, url.indexOf(',') + 1 || 40));
    return `A source image given as a data: URL must be a base64 JPG, PNG or WebP image ("data:image/png;base64,…"; got ${shown}).`;
  }
  const data = url.slice(head[0].length);
  const bytes = Math.floor(data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  if (bytes > IMAGE_MAX_BYTES) {
    const mb = bytes / (1024 * 1024);
    // Never "10.0 MB; at most 10 MB".
    const size = mb < 10.01 ? 'just over 10' : mb.toFixed(mb < 10.05 ? 2 : 1);
    return `The source image in the data: URL is ${size} MB; source images can be at most 10 MB. Resize or compress it.`;
  }
  if (data === '' || data.length % 4 !== 0 || !BASE64.test(data)) {
    return 'The source image data: URL is not well-formed base64: create it again from the image file.';
  }
  return undefined;
}

/** Characters as people (and the server) count them: code points, not UTF-16 units. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const durationRule = `a whole number of seconds from ${LIMITS.durationMin} to ${LIMITS.durationMax}`;
const seedRule = `-1 (random) or a whole number from ${LIMITS.seedMin} to ${LIMITS.seedMax}`;
const scaleRule = `a number from ${LIMITS.loraScaleMin.toFixed(1)} to ${LIMITS.loraScaleMax.toFixed(1)}`;

function checkPrompt(input: Obj, out: Problem[]): void {
  const prompt = input.prompt;
  if (prompt === undefined || prompt === null) {
    out.push({ field: 'prompt', code: 'required', message: 'A prompt is required.' });
  } else if (typeof prompt !== 'string') {
    out.push({ field: 'prompt', code: 'wrong_type', message: `The prompt must be text (got ${showValue(prompt)}).` });
  } else if (prompt.trim() === '') {
    out.push({ field: 'prompt', code: 'empty', message: 'The prompt is empty: write what the video should show.' });
  } else {
    const n = charCount(prompt);
    if (n > LIMITS.promptMaxChars) {
      out.push({
        field: 'prompt',
        code: 'too_long',
        message: `The prompt is ${n} characters long; the limit is ${LIMITS.promptMaxChars}. Shorten it by ${n - LIMITS.promptMaxChars}.`
      });
    }
  }
}

function checkChoice(input: Obj, field: string, choices: readonly string[], label: string, required: boolean, out: Problem[]): void {
  const value = input[field];
  if (value === undefined || value === null) {
    if (required) out.push({ field, code: 'required', message: `The ${label} is required: use ${choices.join(', ')}.` });
    return;
  }
  if (typeof value !== 'string' || !choices.includes(value)) {
    out.push({
      field,
      code: 'invalid_choice',
      message: `The ${label} must be one of ${choices.join(', ')} (got ${showValue(value)}).`
    });
  }
}

function checkDuration(input: Obj, out: Problem[]): void {
  const value = input.duration;
  if (value === undefined || value === null) {
    out.push({ field: 'duration', code: 'required', message: `The duration is required: ${durationRule}.` });
  } else if (typeof value !== 'number' || !Number.isInteger(value)) {
    out.push({ field: 'duration', code: 'not_integer', message: `The duration must be ${durationRule} (got ${showValue(value)}).` });
  } else if (value < LIMITS.durationMin || value > LIMITS.durationMax) {
    out.push({ field: 'duration', code: 'out_of_range', message: `The duration must be ${durationRule} (got ${value}).` });
  }
}

function checkSeed(input: Obj, out: Problem[]): void {
  const value = input.seed;
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    out.push({ field: 'seed', code: 'not_integer', message: `The seed must be ${seedRule} (got ${showValue(value)}).` });
  } else if (value !== LIMITS.randomSeed && (value < LIMITS.seedMin || value > LIMITS.seedMax)) {
    out.push({ field: 'seed', code: 'out_of_range', message: `The seed must be ${seedRule} (got ${value}).` });
  }
}

function checkImage(input: Obj, mode: Mode | undefined, out: Problem[]): void {
  const value = input.image_urls;
  const wanted = mode !== undefined && isImageMode(mode);
  if (!wanted) {
    if (value !== undefined && mode !== undefined) {
      out.push({
        field: 'image_urls',
        code: 'not_allowed',
        message: `A source image is only used by image-to-video modes; ${mode} takes none. Remove the image or pick an image mode.`
      });
    }
    return;
  }
  if (value === undefined || value === null) {
    out.push({ field: 'image_urls', code: 'required', message: `The ${mode} mode needs exactly one source image URL.` });
    return;
  }
  if (!Array.isArray(value) || value.length !== 1) {
    const got = Array.isArray(value) ? `${value.length} images` : showValue(value);
    out.push({ field: 'image_urls', code: 'wrong_count', message: `The ${mode} mode takes exactly one source image (got ${got}).` });
    return;
  }
  const url = value[0];
  if (typeof url === 'string' && /^data:/i.test(url)) {
    const problem = dataUrlProblem(url);
    if (problem) out.push({ field: 'image_urls', code: 'invalid_url', message: problem });
    return;
  }
  if (typeof url !== 'string' || url !== url.trim() || !isHttpUrl(url)) {
    out.push({
      field: 'image_urls',
      code: 'invalid_url',
      message: `The source image must be a public http(s) URL of a JPG, PNG or WebP file (got ${showValue(url)}).`
    });
  }
}

function checkAspect(input: Obj, mode: Mode | undefined, out: Problem[]): void {
  const value = input.aspect_ratio;
  if (value === undefined) return;
  if (mode !== undefined && isImageMode(mode)) {
    out.push({
      field: 'aspect_ratio',
      code: 'not_allowed',
      message: 'The aspect ratio is only for text-to-video modes: an image-to-video keeps the shape of its source image. Leave it empty.'
    });
    return;
  }
  checkChoice(input, 'aspect_ratio', ASPECT_RATIOS, 'aspect ratio', false, out);
}

function checkLoras(input: Obj, mode: Mode | undefined, out: Problem[]): void {
  const value = input.loras;
  const wanted = mode !== undefined && isLoraMode(mode);
  if (value === undefined || value === null) {
    if (wanted) out.push({ field: 'loras', code: 'required', message: `The ${mode} mode needs at least one LoRA (a path and a scale).` });
    return;
  }
  if (!Array.isArray(value)) {
    out.push({ field: 'loras', code: 'wrong_type', message: `The LoRAs must be a list of {path, scale} items (got ${showValue(value)}).` });
    return;
  }
  if (mode !== undefined && !wanted && value.length > 0) {
    out.push({
      field: 'loras',
      code: 'not_allowed',
      message: `LoRAs are only used by LoRA modes; ${mode} ignores them. Remove them or pick ${mode}-LoRA.`
    });
    return;
  }
  if (wanted && value.length === 0) {
    out.push({ field: 'loras', code: 'required', message: `The ${mode} mode needs at least one LoRA (a path and a scale).` });
  }
  if (value.length > LIMITS.lorasMax) {
    out.push({ field: 'loras', code: 'too_many', message: `At most ${LIMITS.lorasMax} LoRAs can be used at once (got ${value.length}).` });
  }
  value.forEach((item: unknown, i: number) => {
    const at = `loras[${i}]`;
    const label = `LoRA ${i + 1}`;
    if (!isObject(item)) {
      out.push({ field: at, code: 'wrong_type', message: `${label} must have a path and a scale (got ${showValue(item)}).` });
      return;
    }
    const path = item.path;
    if (path === undefined || path === null) {
      out.push({ field: `${at}.path`, code: 'required', message: `${label} needs a path: the download URL of the LoRA file.` });
    } else if (typeof path !== 'string') {
      out.push({ field: `${at}.path`, code: 'wrong_type', message: `${label}'s path must be text (got ${showValue(path)}).` });
    } else if (path.trim() === '') {
      out.push({ field: `${at}.path`, code: 'empty', message: `${label}'s path is empty: give the download URL of the LoRA file.` });
    }
    const scale = item.scale;
    if (scale === undefined || scale === null) {
      out.push({ field: `${at}.scale`, code: 'required', message: `${label} needs a scale: ${scaleRule} (1.0 is neutral).` });
    } else if (typeof scale !== 'number' || !Number.isFinite(scale)) {
      out.push({ field: `${at}.scale`, code: 'wrong_type', message: `${label}'s scale must be ${scaleRule} (got ${showValue(scale)}).` });
    } else if (scale < LIMITS.loraScaleMin || scale > LIMITS.loraScaleMax) {
      out.push({ field: `${at}.scale`, code: 'out_of_range', message: `${label}'s scale must be ${scaleRule} (got ${scale}).` });
    }
  });
}

/**
 * Checks a request's `input` against every rule of the model page's validation table, and
 * returns every problem at once (an empty list means valid). The importer, the CLI, the UI and
 * the submit path all use this; nothing it rejects is ever sent.
 */
export function validateInput(input: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isObject(input)) {
    out.push({ field: 'input', code: 'required', message: 'The request has no input object.' });
    return out;
  }
  checkChoice(input, 'mode', MODES, 'mode', true, out);
  const mode = MODES.includes(input.mode as Mode) ? (input.mode as Mode) : undefined;
  checkPrompt(input, out);
  checkChoice(input, 'resolution', RESOLUTIONS, 'resolution', true, out);
  checkDuration(input, out);
  checkImage(input, mode, out);
  checkAspect(input, mode, out);
  checkSeed(input, out);
  checkLoras(input, mode, out);
  return out;
}

/** Checks a whole generateTask body: the delivery fields and the input. */
export function validateRequest(body: unknown): Problem[] {
  if (!isObject(body)) return [{ field: 'body', code: 'required', message: 'The request body must be a JSON object.' }];
  const out: Problem[] = [];
  // The documented default is async.
  const type = body.request_type ?? 'async';
  if (type !== 'async' && type !== 'callback') {
    out.push({
      field: 'request_type',
      code: 'invalid_choice',
      message: `The request type must be "async" or "callback" (got ${showValue(type)}).`
    });
  }
  if (type === 'callback') {
    const url = body.callback_url;
    if (typeof url !== 'string' || !isHttpUrl(url)) {
      out.push({
        field: 'callback_url',
        code: 'invalid_url',
        message: `Callback delivery needs a callback URL the API can reach (got ${showValue(url)}).`
      });
    }
  }
  for (const p of validateInput(body.input)) out.push(p);
  return out;
}
