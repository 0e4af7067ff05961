import { DEFAULT_BATCH_DEFAULTS, type BatchDefaults } from './batch-defaults';
import type { Micros } from './pricing';

export type Theme = 'system' | 'light' | 'dark';

/**
 * Where local source images are put so APIXO can fetch them (it has no upload endpoint):
 * none; an S3-compatible bucket with presigned GET URLs; or inline `data:` URLs, which APIXO
 * does not document (experimental). While simulating, the simulator's own upload is used.
 */
export type HostingKind = 'none' | 's3' | 'data-url';

/** An S3-compatible bucket: AWS S3, Cloudflare R2, Backblaze B2, MinIO. The secret key is kept apart, encrypted. */
export interface S3Hosting {
  /** `https://s3.eu-west-1.amazonaws.com`, `https://<account>.r2.cloudflarestorage.com`, `http://127.0.0.1:9000` … */
  endpoint: string;
  /** `us-east-1`; R2 takes `auto`. */
  region: string;
  bucket: string;
  accessKeyId: string;
  /** Prepended to every uploaded image's key. */
  prefix: string;
  /** `endpoint/bucket/key` (MinIO, R2, B2) rather than `bucket.endpoint/key`. */
  pathStyle: boolean;
  /** How long a presigned GET URL stays valid, in hours (S3 allows at most 168, a week). */
  urlHours: number;
}

export interface HostingSettings {
  kind: HostingKind;
  s3: S3Hosting;
}

export const DEFAULT_HOSTING: HostingSettings = Object.freeze({
  kind: 'none',
  s3: Object.freeze({ endpoint: '', region: 'us-east-1', bucket: '', accessKeyId: '', prefix: 'ltx-batch-studio/', pathStyle: true, urlHours: 168 })
}) as HostingSettings;

/** When the built-in simulator stands in for APIXO. */
export type SimulatorMode = 'auto' | 'on' | 'off';

/** Everything a person can set; small, kept by the settings store (electron-store in the app). */
export interface Settings {
  schemaVersion: typeof SETTINGS_VERSION;
  /** Tasks in flight at once. */
  concurrency: number;
  /** Where videos go. */
  libraryDir: string;
  /** Where the queue's journal lives. */
  dataDir: string;
  /** Batch defaults for imports. */
  defaults: BatchDefaults;
  /** Optional spending caps: for each new batch, and across all batches. */
  caps: { perBatchMicros?: Micros; overallMicros?: Micros };
  /** Native notifications when a batch finishes or needs attention. */
  notifications: boolean;
  /** Keeps the computer from sleeping while videos are being generated (an overnight run). */
  keepAwake: boolean;
  theme: Theme;
  /** Status requests per minute, all polling together (APIXO allows 10,000). */
  requestBudgetPerMinute: number;
  /** auto: the simulator runs while no API key is set. */
  simulator: SimulatorMode;
  /** Where local source images are hosted. */
  hosting: HostingSettings;
}

export const SETTINGS_VERSION = 1;

export const SETTINGS_LIMITS = {
  concurrencyMax: 1000,
  budgetMin: 60,
  budgetMax: 10_000,
  urlHoursMin: 1,
  urlHoursMax: 168
} as const;

/** Defaults; the folders are filled in by the host (they depend on the OS). */
export function defaultSettings(folders: { libraryDir: string; dataDir: string }): Settings {
  return {
    schemaVersion: SETTINGS_VERSION,
    concurrency: 4,
    libraryDir: folders.libraryDir,
    dataDir: folders.dataDir,
    defaults: { ...DEFAULT_BATCH_DEFAULTS },
    caps: {},
    notifications: true,
    keepAwake: true,
    theme: 'system',
    requestBudgetPerMinute: 7_000,
    simulator: 'auto',
    hosting: structuredClone(DEFAULT_HOSTING)
  };
}

/** What `settings:update` takes: any top-level setting but the version. */
export type SettingsPatch = Partial<Omit<Settings, 'schemaVersion'>>;
