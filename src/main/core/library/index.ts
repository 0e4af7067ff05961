/**
 * The download stage and the library (architecture.md, "Downloads" and "The library folder is
 * the source of truth"). Node only: never imports electron.
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
export { LibraryIndex, type LibraryIndexOptions } from './library-index';
export type { LibraryEntry, EntryOrigin } from './library-entry';
export {
  foldText,
  listBatches,
  type LibraryQuery,
  type LibraryQueryResult,
  type LibrarySearchResult,
  type LibraryFacets,
  type LibrarySort
} from './library-query';
export { LibraryService, type LibraryServiceOptions } from './library-service';
export { LibraryError, isLibraryError, type LibraryErrorCode } from './library-error';
export { LibraryWatcher, type LibraryWatcherOptions } from './library-watcher';
export { FolderWatch, type FolderWatchOptions } from './folder-watch';
export { scanTree, statVideo, isVideoName, isIgnoredPath, type TreeScan, type VideoStat } from './library-scan';
export { ThumbnailStore, thumbnailKey, decodeJpegDataUrl, MAX_THUMBNAIL_BYTES, THUMBS_FOLDER } from './thumbnails';
export { exportVideos, checkExportFolder, type ExportSource } from './library-export';
export { manifestCsv, manifestCells, guardFormula, MANIFEST_HEADERS, type ManifestRow } from './manifest-csv';
export { ChangeBatcher } from './change-batcher';
export { aspectLabel } from './aspect';
export { writeFileAtomic, fsyncDir } from '../util/fs-durable';
