import type { Mode, Resolution } from '@shared/model';
import type { Micros } from '@shared/pricing';
import { aspectLabel } from './aspect';
import type { VideoProbe } from './mp4-probe';
import type { Sidecar, SidecarProblem } from './sidecar';

/** `app`: the video has a valid sidecar written by this app; `unknown`: only the file itself is known. */
export type EntryOrigin = 'app' | 'unknown';

/** One video in the library, with what its sidecar (or the file itself) says, ready to query. */
export interface LibraryEntry {
  /** Path from the library folder, with `/` separators: `batch-a/2025-01-31_robot_s42_0a1b2c3d.mp4`. */
  path: string;
  /** The file name. */
  name: string;
  sizeBytes: number;
  mtimeMs: number;
  origin: EntryOrigin;
  sidecar?: Sidecar;
  /** A sidecar that exists but was not used, and why (absent when there is simply none). */
  sidecarProblem?: { problem: SidecarProblem; reason: string };
  /** From the sidecar for app videos; read from the file for unknown ones (absent if that failed or was deferred). */
  probe?: VideoProbe;
  /** Why the file could not be probed. */
  probeError?: string;

  // Derived, for querying and display.
  /** The prompt; empty for unknown videos. */
  prompt: string;
  mode?: Mode;
  resolution?: Resolution;
  /** `16:9`, `9:16` …: the requested ratio, else the file's. */
  aspect?: string;
  /** The requested seconds for app videos (the clean number people chose), the measured length otherwise. */
  durationSec?: number;
  batchId?: string;
  batchName?: string;
  /** Epoch ms: the sidecar's `createdAt`, else the file's modification time. */
  createdAt: number;
  favourite: boolean;
  /** What APIXO charged, else the estimate made before submitting. */
  costMicros?: Micros;
}

export interface FileFacts {
  path: string;
  name: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** An entry for a video with a valid sidecar. */
export function appEntry(file: FileFacts, sidecar: Sidecar): LibraryEntry {
  const created = Date.parse(sidecar.createdAt);
  const probe = sidecar.probe;
  return {
    ...file,
    origin: 'app',
    sidecar,
    probe,
    prompt: sidecar.prompt,
    mode: sidecar.mode,
    resolution: sidecar.resolution,
    aspect: sidecar.aspectRatio ?? aspectLabel(probe.width, probe.height),
    durationSec: sidecar.duration,
    batchId: sidecar.batch.id,
    batchName: sidecar.batch.name,
    createdAt: Number.isNaN(created) ? file.mtimeMs : created,
    favourite: sidecar.favourite === true,
    costMicros: sidecar.costMicros ?? sidecar.estimateMicros
  };
}

/** An entry for a video known only by its file. */
export function unknownEntry(
  file: FileFacts,
  probe: VideoProbe | undefined,
  probeError: string | undefined,
  sidecarProblem: LibraryEntry['sidecarProblem']
): LibraryEntry {
  const entry: LibraryEntry = {
    ...file,
    origin: 'unknown',
    prompt: '',
    createdAt: file.mtimeMs,
    favourite: false
  };
  if (sidecarProblem) entry.sidecarProblem = sidecarProblem;
  if (probeError) entry.probeError = probeError;
  if (probe) {
    entry.probe = probe;
    entry.aspect = aspectLabel(probe.width, probe.height);
    entry.durationSec = probe.durationSec;
  }
  return entry;
}
