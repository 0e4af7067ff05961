/** Byte counts in words people read. */
const KB = 1024;
const MB = 1024 * KB;

/** 52428800 → "50.0 MB", 33554432 → "32 MB", 2048 → "2 KB", 100 → "100 bytes". */
export function fileSize(bytes: number): string {
  if (bytes >= MB) return `${bytes % MB === 0 ? bytes / MB : (bytes / MB).toFixed(1)} MB`;
  if (bytes >= KB) return `${bytes % KB === 0 ? bytes / KB : (bytes / KB).toFixed(1)} KB`;
  return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
}
