/** Small wording and number helpers shared by the components. */
export { fileSize } from '@shared/file-size';

/** "1 video", "13 videos". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** A duration as a clock: "0:42", "12:05", "1:02:03". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A rough time to go, in words: "under a minute", "about 4 min", "about 2 h 10 min". */
export function formatRemaining(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `about ${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `about ${h} h` : `about ${h} h ${m} min`;
}

/** A time of day, for "created 14:02". */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The last characters of the stored key, as the main process hints them ("…1a2b"). */
export function keyHintText(hint: string | undefined): string {
  const tail = (hint ?? '').replace(/^[….]+/, '');
  return tail ? `…${tail}` : '';
}

/** Micros as a plain amount for a text field ("12.50"): what `parseUsd` reads back. */
export function dollarsText(micros: number | undefined): string {
  return micros === undefined ? '' : formatUsdPlain(micros);
}

function formatUsdPlain(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  return `${whole}.${fraction}`;
}
