import type { Problem } from '@shared/validation';

/** Fields of the body itself; everything else the validator names lives under `input`. */
const TOP_LEVEL_FIELDS = new Set(['request_type', 'callback_url', 'input']);

/** The dotted path of a field in the whole body: `input.prompt`, `input.loras[1].scale`, `callback_url`. */
function bodyPath(field: string): string {
  return TOP_LEVEL_FIELDS.has(field) ? field : `input.${field}`;
}

/** The value at a body path such as `input.loras[1].scale`, or undefined. */
function valueAt(body: unknown, path: string): unknown {
  let value = body;
  for (const step of path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * A validator problem in the server's words (the `data.error` of a 400), in the style of the
 * documented example `Missing required field: input.prompt`: a field that is absent (or null)
 * is named by its path; any other problem (including a present but empty list) reads
 * `Invalid <field>: <the validator's sentence>`, e.g. `Invalid duration: The duration must be …`.
 */
export function serverStyleError(problem: Problem, body: unknown): string {
  if (problem.field === 'body') return `Invalid request body: ${problem.message}`;
  const path = bodyPath(problem.field);
  if (problem.code === 'required' && valueAt(body, path) == null) return `Missing required field: ${path}`;
  return `Invalid ${problem.field}: ${problem.message}`;
}
