import { DEFAULT_BATCH_DEFAULTS, type BatchDefaults } from './batch-defaults';
import type { Micros } from './pricing';

export type Theme = 'system' | 'light' | 'dark';

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
  theme: Theme;
  /** Status requests per minute, all polling together (APIXO allows 10,000). */
  requestBudgetPerMinute: number;
  /** auto: the simulator runs while no API key is set. */
  simulator: SimulatorMode;
}

export const SETTINGS_VERSION = 1;

export const SETTINGS_LIMITS = {
  concurrencyMax: 1000,
  budgetMin: 60,
  budgetMax: 10_000
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
    theme: 'system',
    requestBudgetPerMinute: 7_000,
    simulator: 'auto'
  };
}

/** What `settings:update` takes: any top-level setting but the version. */
export type SettingsPatch = Partial<Omit<Settings, 'schemaVersion'>>;
