/**
 * The library people browse: its index, the folder watch, queries, export and trash
 * (architecture.md, "The library folder is the source of truth"). Node only: never imports electron.
 */
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
export { LibraryWatcher, LOOK_SHARE, type LibraryWatcherOptions } from './library-watcher';
export { FolderWatch, type FolderWatchOptions } from './folder-watch';
export { scanTree, statVideo, isVideoName, isIgnoredPath, type TreeScan, type VideoStat } from './library-scan';
export { ThumbnailStore, thumbnailKey, decodeJpegDataUrl, MAX_THUMBNAIL_BYTES, THUMBS_FOLDER } from './thumbnails';
export { exportVideos, checkExportFolder, type ExportSource } from './library-export';
export { manifestCsv, manifestCells, guardFormula, MANIFEST_HEADERS, type ManifestRow } from './manifest-csv';
export { ChangeBatcher } from './change-batcher';
export { aspectLabel } from './aspect';
