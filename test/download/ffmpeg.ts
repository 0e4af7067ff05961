import { execFileSync, spawnSync } from 'node:child_process';

/** Whether Debian's ffmpeg and ffprobe are on the PATH (CI installs them: .ci/run). */
export const hasFfmpeg = ['ffmpeg', 'ffprobe'].every((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0);
export const FFMPEG_SKIP_REASON = 'needs ffmpeg and ffprobe on the PATH (apt-get install ffmpeg) to make and check real videos';

/**
 * A real one-second H.264 + AAC clip made by ffmpeg; `faststart` puts its movie box before the
 * media, `fragmented` writes it as movie fragments with these extra muxer arguments.
 */
export function makeClip(path: string, options: { faststart: boolean; seconds?: number; fragmented?: string[] }): void {
  const seconds = String(options.seconds ?? 1);
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc=size=320x180:rate=24:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'],
    ...(options.faststart ? ['-movflags', '+faststart'] : []),
    ...(options.fragmented ?? []),
    path
  ]);
}

export interface ProbedFormat {
  format: { duration: string; nb_streams: number; tags?: Record<string, string> };
}

export interface ProbedStreams {
  streams: {
    index: number;
    codec_name: string;
    codec_type: string;
    duration: string;
    nb_frames?: string;
    nb_read_frames?: string;
    width?: number;
    height?: number;
  }[];
}

export function ffprobeFormat(path: string): ProbedFormat {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', path], { encoding: 'utf8' })) as ProbedFormat;
}

/** Every stream, with its frames counted by decoding. */
export function ffprobeStreams(path: string): ProbedStreams {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', path], { encoding: 'utf8' })) as ProbedStreams;
}

/** What ffmpeg says when it decodes the whole file: empty when it decodes cleanly. */
export function decodeErrors(path: string): string {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { encoding: 'utf8' });
  return `${run.status === 0 ? '' : `exit ${run.status}\n`}${run.stderr}`.trim();
}
