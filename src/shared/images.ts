/** Source images for image-to-video: what a drop holds, and what the composer sends. */
import type { VideoParent } from './batch';
import type { BatchDefaults } from './batch-defaults';
import type { Micros } from './pricing';
import type { SweepSpec } from './sweep';

/** The three formats APIXO takes. */
export type ImageKind = 'jpeg' | 'png' | 'webp';

// Every limit on a source image, in one place: the importer, a drop, a link, the hosts, the
// request validator and the simulator all read these.

/** APIXO takes source images of at most 10 MB. */
export const IMAGE_MAX_BYTES = 10 * 1024 * 1024;
/** A captured frame crosses to main as `data:image/png;base64,…`. */
export const PNG_DATA_URL_PREFIX = 'data:image/png;base64,';
/** The longest such URL taken: a PNG of `IMAGE_MAX_BYTES` in base64, plus its prefix. */
export const FRAME_DATA_URL_MAX = PNG_DATA_URL_PREFIX.length + Math.ceil(IMAGE_MAX_BYTES / 3) * 4;

/** Largest image sent inline as a data: URL: the URL is stored in the queue's journal with every task that uses it. */
export const DATA_URL_MAX_BYTES = 1_500_000;

/** A JPEG's size is in its frame header, after any EXIF or XMP: it is looked for this far in (those blocks rarely reach past it). */
export const JPEG_HEAD_BYTES = 512 * 1024;

/** The Content-Type each image kind is served with. */
export const IMAGE_MIME: Readonly<Record<ImageKind, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** The file extension each image kind is stored under. */
export const IMAGE_EXT: Readonly<Record<ImageKind, string>> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** A checked source image, copied into the app's cache under its content hash. */
export interface SourceImage {
  /** SHA-256 of the bytes, hex: the image's id. */
  id: string;
  /** The file name people know it by. */
  name: string;
  kind: ImageKind;
  width: number;
  height: number;
  sizeBytes: number;
  /** Media reference of the cached copy (`cache/sources/<id>.<ext>`), for thumbnails. */
  preview: string;
  /** Where it came from: a file on this computer (needs hosting) or a public URL (used as it is). */
  origin: { kind: 'file'; path: string } | { kind: 'url'; url: string };
}

/** Something dropped that is not used, and why, in words a person reads. */
export interface RefusedItem {
  name: string;
  reason: string;
}

/** What a drop turned out to hold: images to animate, CSV files to import, the rest refused. */
export interface DropInspection {
  images: SourceImage[];
  /** Paths of CSV (or TSV/TXT) files. */
  csv: string[];
  refused: RefusedItem[];
}

/** One row of the composer: an optional source image (by id) and its prompt. */
export interface ComposerRow {
  imageId?: string;
  prompt: string;
  /** The video whose frame is this row's image ("Continue from the last frame"). */
  parent?: VideoParent;
}

/** A new batch from the composer: the mode of each row follows from its image and the LoRAs. */
export interface ComposerRequest {
  name: string;
  rows: ComposerRow[];
  defaults: BatchDefaults;
  /** Videos per row, each with its own seed (from the seed policy). */
  takes: number;
  capMicros?: Micros;
  /** Every take tried across these axes (sweep.ts), counted and refused over the cap before it expands. */
  sweep?: SweepSpec;
}

/** A composer prefilled from a library video ("use these settings"). */
export interface ComposerDraft {
  rows: { image?: SourceImage; prompt: string; parent?: VideoParent }[];
  defaults: BatchDefaults;
}

/** Whether local images can be hosted now, and if not, what to set up. */
export interface HostingStatus {
  /** What hosts images now: `S3 bucket "clips"`, `the simulator`, `data: URLs (experimental)`, or `nothing`. */
  label: string;
  ready: boolean;
  /** The sentence to show: what is used, or exactly what to set up. */
  message: string;
  /** Whether the bucket's secret key is stored (it is never sent back). */
  secretSet: boolean;
  /** True while the simulator's own upload hosts images. */
  simulated: boolean;
}

export interface HostingTest {
  ok: boolean;
  message: string;
}
