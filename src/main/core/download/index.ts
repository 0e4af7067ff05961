/**
 * Writing a finished video: the download itself, the file's name, its sidecar and the MP4 probe
 * that checks it (architecture.md, "Downloads"). Node only: never imports electron.
 */
export { probeMp4, isMp4Header, Mp4ProbeError, MAX_MOOV_BYTES, type VideoProbe, type Mp4ProbeProblem } from './mp4-probe';
export {
  slugify,
  asciiWords,
  sanitizeTaskId,
  localDate,
  safeStem,
  videoBaseName,
  videoFileName,
  sidecarPathFor,
  partPathFor,
  reserveUniquePath,
  SLUG_MAX,
  TASK_ID_CHARS,
  PART_SUFFIX,
  SIDECAR_EXT,
  type VideoNameParts
} from './naming';
export {
  readSidecar,
  writeSidecar,
  parseSidecar,
  validateSidecar,
  formatSidecar,
  SIDECAR_SCHEMA,
  SIDECAR_APP,
  MAX_SIDECAR_BYTES,
  type Sidecar,
  type SidecarTimings,
  type SidecarProblem,
  type SidecarRead
} from './sidecar';
export {
  downloadVideo,
  DOWNLOAD_BACKOFF,
  DEFAULT_DOWNLOAD_ATTEMPTS,
  DEFAULT_STALL_TIMEOUT_MS,
  DEFAULT_DOWNLOAD_TIMEOUT_MS,
  type DownloadOptions,
  type DownloadResult
} from './downloader';
export { DownloadError, isDownloadError, DOWNLOAD_GUIDANCE, type DownloadErrorKind, type DownloadErrorDetails } from './download-error';
