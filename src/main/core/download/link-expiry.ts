/**
 * When a result link stops working, as well as the app can tell (architecture.md, "Downloads"):
 * downloads run soonest-to-expire first. APIXO keeps results for a limited time: its LTX page
 * says 15 days, its general response-format page 24 hours, so the shorter is assumed from the
 * moment the task succeeded. A signed link that carries its own expiry (object storage's
 * `Expires`/`expires`, S3's `X-Amz-Date` + `X-Amz-Expires`, Google's `X-Goog-Date` +
 * `X-Goog-Expires`, Azure's `se`) may say sooner: the earlier of the two counts.
 */

/** The shorter of APIXO's two stated retention periods. */
export const RESULT_RETENTION_MS = 24 * 60 * 60 * 1000;

/** `20261203T083900Z` → ms since the epoch. */
function compactDate(value: string | null): number | undefined {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

function seconds(value: string | null): number | undefined {
  return value !== null && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

/** An epoch in seconds or in milliseconds (13 digits), as links write either. */
function epoch(value: string | null): number | undefined {
  if (value === null || !/^\d{9,13}$/.test(value)) return undefined;
  const n = Number(value);
  return value.length >= 12 ? n : n * 1000;
}

/** The expiry a signed link carries in its query, if it carries one. */
export function signedExpiry(url: string): number | undefined {
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const get = (name: string): string | null => {
    for (const [key, value] of query) if (key.toLowerCase() === name) return value;
    return null;
  };
  const amz = compactDate(get('x-amz-date'));
  const amzFor = seconds(get('x-amz-expires'));
  if (amz !== undefined && amzFor !== undefined) return amz + amzFor * 1000;
  const goog = compactDate(get('x-goog-date'));
  const googFor = seconds(get('x-goog-expires'));
  if (goog !== undefined && googFor !== undefined) return goog + googFor * 1000;
  const plain = epoch(get('expires'));
  if (plain !== undefined) return plain;
  const azure = get('se');
  if (azure && /^\d{4}-\d{2}-\d{2}T/.test(azure)) {
    const at = Date.parse(azure);
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}

/**
 * When the task's link is expected to stop working: the earlier of its own signed expiry and
 * the retention from `succeededAt` (× timeScale, as the app's every wait is).
 */
export function linkExpiresAt(url: string, succeededAt: number, timeScale = 1): number {
  const kept = succeededAt + RESULT_RETENTION_MS * timeScale;
  const signed = signedExpiry(url);
  return signed === undefined ? kept : Math.min(signed, kept);
}
