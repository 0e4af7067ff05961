import { open, type FileHandle } from 'node:fs/promises';

/**
 * What a video file says about itself, read from its ISO-BMFF boxes (architecture.md,
 * "Downloads": width, height, duration, fps and audio are read from the file, never assumed).
 */
export type { VideoProbe } from '@shared/library';
import type { VideoProbe } from '@shared/library';

export type Mp4ProbeProblem = 'empty' | 'not_mp4' | 'truncated' | 'no_moov' | 'too_large' | 'malformed' | 'no_video' | 'unreadable';

/** Why a file could not be probed, with a sentence for people. */
export class Mp4ProbeError extends Error {
  readonly problem: Mp4ProbeProblem;

  constructor(problem: Mp4ProbeProblem, message: string) {
    super(message);
    this.name = 'Mp4ProbeError';
    this.problem = problem;
  }
}

/** The movie box of any real video is far below this; a larger one is refused, not allocated. */
export const MAX_MOOV_BYTES = 64 * 1024 * 1024;
/** Top-level boxes walked before giving up (fragmented files have a few per second of video). */
const MAX_TOP_LEVEL_BOXES = 100_000;
/** Boxes looked at inside the movie box, in all. */
const MAX_INNER_BOXES = 200_000;
/** Tracks considered. */
const MAX_TRACKS = 64;

/** True when the bytes start like an MP4: a box whose type, at offset 4, is `ftyp`. */
export function isMp4Header(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70;
}

function fourcc(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);
}

/** A box type is four bytes, conventionally printable (`©xyz` uses 0xA9). */
function plausibleType(buf: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 4; i++) {
    const c = buf[i];
    if (!((c >= 0x20 && c <= 0x7e) || c === 0xa9)) return false;
  }
  return true;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** A box inside an in-memory buffer: its type and the byte range of its payload. */
interface Box {
  type: string;
  /** Where the box's header starts. */
  at: number;
  start: number;
  end: number;
}

/** Walks boxes inside a buffer, checking every size against its parent and counting them all. */
class BoxReader {
  private seen = 0;

  constructor(private readonly buf: Buffer) {}

  *children(start: number, end: number): Generator<Box> {
    let at = start;
    while (at + 8 <= end) {
      if (++this.seen > MAX_INNER_BOXES) throw malformed('it has too many boxes');
      let size = this.buf.readUInt32BE(at);
      let header = 8;
      if (size === 1) {
        if (at + 16 > end) throw malformed('a box header is cut short');
        const big = this.buf.readBigUInt64BE(at + 8);
        if (big > BigInt(end - at)) throw malformed('a box is larger than its parent');
        size = Number(big);
        header = 16;
      } else if (size === 0) {
        size = end - at;
      }
      if (size < header || at + size > end) throw malformed('a box is larger than its parent');
      yield { type: fourcc(this.buf, at + 4), at, start: at + header, end: at + size };
      at += size;
    }
  }

  first(parent: Box, type: string): Box | undefined {
    for (const child of this.children(parent.start, parent.end)) if (child.type === type) return child;
    return undefined;
  }

  path(parent: Box, ...types: string[]): Box | undefined {
    let box: Box | undefined = parent;
    for (const type of types) {
      box = box && this.first(box, type);
      if (!box) return undefined;
    }
    return box;
  }

  need(box: Box, bytes: number, what: string): void {
    if (box.end - box.start < bytes) throw malformed(`its ${what} box is too short`);
  }
}

function malformed(why: string): Mp4ProbeError {
  return new Mp4ProbeError('malformed', `The file is not a readable MP4: ${why}.`);
}

interface Track {
  /** The track's ID (`tkhd`), which a fragment's `tfhd` names. */
  id: number;
  handler: string;
  width: number;
  height: number;
  timescale: number;
  mediaDuration: number;
  sampleCount: number;
  sampleTime: number;
  codec?: string;
  entryWidth: number;
  entryHeight: number;
}

/** Duration and timescale of an `mvhd` or `mdhd` (both versions): the fields sit at the same places. */
function readTimes(r: BoxReader, buf: Buffer, box: Box, what: string): { timescale: number; duration: number } {
  r.need(box, 4, what);
  const version = buf[box.start];
  if (version === 1) {
    r.need(box, 32, what);
    return { timescale: buf.readUInt32BE(box.start + 20), duration: Number(buf.readBigUInt64BE(box.start + 24)) };
  }
  r.need(box, 20, what);
  const duration = buf.readUInt32BE(box.start + 16);
  // 0xffffffff means "unknown" in version 0.
  return { timescale: buf.readUInt32BE(box.start + 12), duration: duration === 0xffffffff ? 0 : duration };
}

function readTrack(r: BoxReader, buf: Buffer, trak: Box): Track | undefined {
  const mdia = r.first(trak, 'mdia');
  if (!mdia) return undefined;
  const hdlr = r.first(mdia, 'hdlr');
  const mdhd = r.first(mdia, 'mdhd');
  if (!hdlr || !mdhd) return undefined;
  r.need(hdlr, 12, 'hdlr');
  const track: Track = {
    id: 0,
    handler: fourcc(buf, hdlr.start + 8),
    width: 0,
    height: 0,
    timescale: 0,
    mediaDuration: 0,
    sampleCount: 0,
    sampleTime: 0,
    entryWidth: 0,
    entryHeight: 0
  };
  const times = readTimes(r, buf, mdhd, 'mdhd');
  track.timescale = times.timescale;
  track.mediaDuration = times.duration;

  const tkhd = r.first(trak, 'tkhd');
  if (tkhd) {
    const v1 = buf[tkhd.start] === 1;
    r.need(tkhd, v1 ? 24 : 16, 'tkhd');
    track.id = buf.readUInt32BE(tkhd.start + (v1 ? 20 : 12));
    const matrixAt = tkhd.start + (v1 ? 52 : 40);
    const sizeAt = tkhd.start + (v1 ? 88 : 76);
    r.need(tkhd, sizeAt + 8 - tkhd.start, 'tkhd');
    // 16.16 fixed point.
    let width = Math.round(buf.readUInt32BE(sizeAt) / 65536);
    let height = Math.round(buf.readUInt32BE(sizeAt + 4) / 65536);
    // A matrix of [0 ±1; ∓1 0] turns the picture a quarter: the display size swaps.
    const a = buf.readInt32BE(matrixAt);
    const b = buf.readInt32BE(matrixAt + 4);
    if (a === 0 && Math.abs(b) === 0x10000) [width, height] = [height, width];
    track.width = width;
    track.height = height;
  }

  const stbl = r.path(mdia, 'minf', 'stbl');
  if (stbl) {
    const stsd = r.first(stbl, 'stsd');
    if (stsd) {
      r.need(stsd, 8, 'stsd');
      // The first sample entry follows the version/flags and entry count.
      for (const entry of r.children(stsd.start + 8, stsd.end)) {
        if (plausibleType(buf, entry.at + 4) && entry.type.trim() !== '') track.codec = entry.type;
        // Visual sample entries hold a 16-bit width and height 24 bytes into their payload.
        if (entry.end - entry.start >= 28) {
          track.entryWidth = buf.readUInt16BE(entry.start + 24);
          track.entryHeight = buf.readUInt16BE(entry.start + 26);
        }
        break;
      }
    }
    const stts = r.first(stbl, 'stts');
    if (stts) {
      r.need(stts, 8, 'stts');
      const count = buf.readUInt32BE(stts.start + 4);
      if (count > (stts.end - stts.start - 8) / 8) throw malformed('its stts box lists more entries than it holds');
      for (let i = 0, at = stts.start + 8; i < count; i++, at += 8) {
        const samples = buf.readUInt32BE(at);
        track.sampleCount += samples;
        track.sampleTime += samples * buf.readUInt32BE(at + 4);
      }
    }
  }
  return track;
}

/** Reads exactly `length` bytes at `position`, or says the file is cut short. */
async function readAt(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new Mp4ProbeError('truncated', 'The file is cut short: it ends inside a box.');
    got += bytesRead;
  }
  return buf;
}

/** The fragment boxes of a fragmented MP4 read in all, at most (each is a few KB: sample tables, never media). */
const MAX_FRAGMENT_BYTES = 64 * 1024 * 1024;

/** A file's metadata: its movie box, and the movie fragment boxes (`moof`) of a fragmented file. */
interface Metadata {
  moov: Buffer;
  moofs: Buffer[];
}

/** Finds the movie box (and any movie fragments) by walking the top-level boxes with small positional reads. */
async function readMoov(handle: FileHandle, fileSize: number): Promise<Metadata> {
  let at = 0;
  let moov: Buffer | undefined;
  const moofs: Buffer[] = [];
  let fragmentBytes = 0;
  for (let n = 0; at < fileSize; n++) {
    if (n >= MAX_TOP_LEVEL_BOXES) throw malformed('it has too many top-level boxes');
    if (fileSize - at < 8) {
      // A few stray bytes after the last box; harmless once the movie box is known.
      if (moov) break;
      throw new Mp4ProbeError('truncated', 'The file is cut short: it ends inside a box header.');
    }
    const head = await readAt(handle, Math.min(16, fileSize - at), at);
    if (!plausibleType(head, 4)) {
      // Padding or junk after a complete movie is harmless.
      if (moov) break;
      if (n === 0) throw new Mp4ProbeError('not_mp4', 'The file is not an MP4 video (it does not start with an MP4 box).');
      throw malformed(`a box at byte ${at} has no readable type`);
    }
    if (n === 0 && !['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'styp', 'pdin'].includes(fourcc(head, 4))) {
      throw new Mp4ProbeError('not_mp4', 'The file is not an MP4 video (its first box is not one an MP4 starts with).');
    }
    let size = head.readUInt32BE(0);
    let header = 8;
    if (size === 1) {
      if (head.length < 16) throw new Mp4ProbeError('truncated', 'The file is cut short: it ends inside a box header.');
      const big = head.readBigUInt64BE(8);
      size = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
      header = 16;
    } else if (size === 0) {
      size = fileSize - at;
    }
    if (size < header) throw malformed(`a box at byte ${at} has an impossible size`);
    if (at + size > fileSize) {
      throw new Mp4ProbeError('truncated', `The file is cut short: its ${fourcc(head, 4)} box needs ${at + size} bytes but the file has ${fileSize}.`);
    }
    if (fourcc(head, 4) === 'moov') {
      if (moov) throw malformed('it has two movie (moov) boxes');
      if (size > MAX_MOOV_BYTES) throw new Mp4ProbeError('too_large', `The file's movie box is ${size} bytes, more than the ${MAX_MOOV_BYTES} this app reads.`);
      const whole = await readAt(handle, size, at);
      moov = whole.subarray(header);
    } else if (fourcc(head, 4) === 'moof') {
      // A fragment's sample tables: their durations give a fragmented file's length (the media itself is never read).
      fragmentBytes += size;
      if (fragmentBytes > MAX_FRAGMENT_BYTES)
        throw new Mp4ProbeError('too_large', `The file's movie fragments hold more than the ${MAX_FRAGMENT_BYTES} bytes of tables this app reads.`);
      moofs.push((await readAt(handle, size, at)).subarray(header));
    }
    at += size;
  }
  if (!moov) throw new Mp4ProbeError('no_moov', 'The file has no movie (moov) box: it is incomplete or not a finished MP4.');
  return { moov, moofs };
}

/** A track's defaults for its fragments (`mvex/trex`). */
interface TrackDefaults {
  duration: number;
}

/** The `trex` defaults of each track, by track ID. */
function readTrex(r: BoxReader, buf: Buffer, mvex: Box): Map<number, TrackDefaults> {
  const defaults = new Map<number, TrackDefaults>();
  for (const trex of r.children(mvex.start, mvex.end)) {
    if (trex.type !== 'trex') continue;
    r.need(trex, 24, 'trex');
    defaults.set(buf.readUInt32BE(trex.start + 4), { duration: buf.readUInt32BE(trex.start + 12) });
  }
  return defaults;
}

/**
 * Adds each fragment's samples and their durations to its track (`moof/traf`: `tfhd` names the
 * track and may set a default duration; each `trun` lists its samples, with their own durations
 * when its flags say so; else the `trex` default applies).
 */
function addFragments(moofs: readonly Buffer[], tracks: readonly Track[], trex: Map<number, TrackDefaults>): void {
  const byId = new Map(tracks.map((t) => [t.id, t]));
  for (const moof of moofs) {
    const r = new BoxReader(moof);
    for (const traf of r.children(0, moof.length)) {
      if (traf.type !== 'traf') continue;
      const tfhd = r.first(traf, 'tfhd');
      if (!tfhd) continue;
      r.need(tfhd, 8, 'tfhd');
      const tfhdFlags = moof.readUInt32BE(tfhd.start) & 0xffffff;
      const track = byId.get(moof.readUInt32BE(tfhd.start + 4));
      if (!track) continue;
      let defaultDuration = trex.get(track.id)?.duration ?? 0;
      if (tfhdFlags & 0x08) {
        // After the base data offset (8 bytes) and the sample description index (4), when present.
        const at = tfhd.start + 8 + (tfhdFlags & 0x01 ? 8 : 0) + (tfhdFlags & 0x02 ? 4 : 0);
        r.need(tfhd, at + 4 - tfhd.start, 'tfhd');
        defaultDuration = moof.readUInt32BE(at);
      }
      for (const trun of r.children(traf.start, traf.end)) {
        if (trun.type !== 'trun') continue;
        r.need(trun, 8, 'trun');
        const flags = moof.readUInt32BE(trun.start) & 0xffffff;
        const count = moof.readUInt32BE(trun.start + 4);
        const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
        let at = trun.start + 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
        if (count > 0 && perSample > 0 && count > (trun.end - at) / perSample) throw malformed('its trun box lists more samples than it holds');
        track.sampleCount += count;
        if (!(flags & 0x100)) {
          track.sampleTime += count * defaultDuration;
          continue;
        }
        for (let i = 0; i < count; i++, at += perSample) track.sampleTime += moof.readUInt32BE(at);
      }
    }
  }
}

/** Reads the movie box of a buffer's worth of MP4 metadata, and the fragments of a fragmented file. */
function parseMoov({ moov: buf, moofs }: Metadata): VideoProbe {
  const r = new BoxReader(buf);
  let trex = new Map<number, TrackDefaults>();
  const root: Box = { type: 'moov', at: 0, start: 0, end: buf.length };
  const tracks: Track[] = [];
  let movieDuration = 0;
  let fragmentDuration = 0;
  let movieTimescale = 0;
  for (const box of r.children(root.start, root.end)) {
    if (box.type === 'mvhd') {
      const t = readTimes(r, buf, box, 'mvhd');
      movieTimescale = t.timescale;
      movieDuration = t.timescale > 0 ? t.duration / t.timescale : 0;
    } else if (box.type === 'trak') {
      if (tracks.length >= MAX_TRACKS) throw malformed('it has too many tracks');
      const track = readTrack(r, buf, box);
      if (track) tracks.push(track);
    } else if (box.type === 'mvex') {
      trex = readTrex(r, buf, box);
      const mehd = r.first(box, 'mehd');
      if (mehd && movieTimescale > 0) {
        r.need(mehd, 8, 'mehd');
        const v1 = buf[mehd.start] === 1;
        if (v1) r.need(mehd, 12, 'mehd');
        fragmentDuration = (v1 ? Number(buf.readBigUInt64BE(mehd.start + 4)) : buf.readUInt32BE(mehd.start + 4)) / movieTimescale;
      }
    }
  }
  const video = tracks.find((t) => t.handler === 'vide');
  if (!video) throw new Mp4ProbeError('no_video', 'The file has no video track.');
  const audio = tracks.find((t) => t.handler === 'soun');
  if (moofs.length > 0) addFragments(moofs, tracks, trex);
  const trackDuration = Math.max(0, ...tracks.map((t) => (t.timescale > 0 ? t.mediaDuration / t.timescale : 0)));
  // A fragmented file's movie and tracks say 0, or only what precedes its fragments: unless `mehd`
  // gives the whole length, its samples (in the movie box and every fragment) say how long it is.
  const sampledDuration = Math.max(0, ...tracks.map((t) => (t.timescale > 0 ? t.sampleTime / t.timescale : 0)));
  const durationSec =
    moofs.length > 0 ? fragmentDuration || Math.max(movieDuration, trackDuration, sampledDuration) : movieDuration || fragmentDuration || trackDuration;
  const sampleSeconds = video.timescale > 0 ? video.sampleTime / video.timescale : 0;
  const fps = sampleSeconds > 0 && video.sampleCount > 0 ? video.sampleCount / sampleSeconds : 0;
  const width = video.width || video.entryWidth;
  const height = video.height || video.entryHeight;
  const probe: VideoProbe = {
    width,
    height,
    durationSec: round3(Number.isFinite(durationSec) ? durationSec : 0),
    fps: round3(Number.isFinite(fps) ? fps : 0),
    hasAudio: audio !== undefined
  };
  if (video.codec) probe.videoCodec = video.codec;
  if (audio?.codec) probe.audioCodec = audio.codec;
  return probe;
}

/**
 * Reads a video's size, duration, frame rate and tracks from its MP4 boxes, wherever the movie
 * box is (start or end), with small positional reads: the media data is never read. A file that
 * is empty, cut short, not an MP4 or hostile ends in an `Mp4ProbeError` saying so.
 */
export async function probeMp4(path: string): Promise<VideoProbe> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new Mp4ProbeError('unreadable', `The file could not be opened (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Mp4ProbeError('unreadable', 'This is not a file.');
    if (stats.size === 0) throw new Mp4ProbeError('empty', 'The file is empty (0 bytes).');
    return parseMoov(await readMoov(handle, stats.size));
  } catch (error) {
    if (error instanceof Mp4ProbeError) throw error;
    throw new Mp4ProbeError('unreadable', `The file could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  } finally {
    await handle.close();
  }
}
