import type { LibraryEntry, Sidecar, VideoProbe } from '@shared/library';
import { aspectLabel } from './aspect';

export type { EntryOrigin, LibraryEntry } from '@shared/library';

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
  const title = sidecar.name?.trim();
  return {
    ...file,
    origin: 'app',
    sidecar,
    probe,
    ...(title ? { title } : {}),
    prompt: sidecar.prompt,
    mode: sidecar.mode,
    resolution: sidecar.resolution,
    aspect: sidecar.aspectRatio ?? aspectLabel(probe.width, probe.height),
    durationSec: sidecar.duration,
    batchId: sidecar.batch.id,
    batchName: sidecar.batch.name,
    ...(sidecar.parent ? { parent: sidecar.parent } : {}),
    createdAt: Number.isNaN(created) ? file.mtimeMs : created,
    favourite: sidecar.favourite === true,
    ...(sidecar.verdict === 'keep' || sidecar.verdict === 'reject' ? { verdict: sidecar.verdict } : {}),
    row: sidecar.sourceRow.row,
    take: sidecar.sourceRow.take,
    ...(sidecar.sourceRow.axes ? { axes: sidecar.sourceRow.axes } : {}),
    costMicros: sidecar.costMicros ?? sidecar.estimateMicros,
    // Made by the simulator: its cost is what APIXO would have asked, never money spent (docs/architecture.md, "Money").
    ...(sidecar.simulated === true ? { simulated: true } : {})
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
