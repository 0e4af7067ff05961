import type { Resolution } from '@shared/model';

/**
 * Result files as large as real ones (`SimulatorOptions.fileSizes: 'real'`), made on the fly from
 * a sample clip and never stored: the sample's frames are played in a loop for the task's whole
 * duration, and every video frame carries an H.264 filler NAL unit (type 12, which decoders
 * skip) that brings the file to a real file's size for its resolution. The file stays a valid,
 * playable MP4 (`ftyp`, a `moov` first, then one `mdat`) with the right duration in `mvhd`,
 * `tkhd`, `mdhd` and the edit list, and any byte range of it can be made without the rest.
 *
 * Only the layout (a few KB per clip, resolution and duration) is kept; the media bytes are
 * slices of the sample clip and of one shared filler buffer.
 */

/**
 * Bytes per second of a real result, by resolution: 3, 6 and 12 Mbit/s. These are the app's own
 * expected sizes (download/video-size.ts, what a free-space check reserves), in line with the
 * H.264 bitrates YouTube recommends for SDR uploads at 24–30 fps (2.5, 5 and 8 Mbit/s), rounded
 * up because a generated clip is all motion. 1080p × 20 s is then 30 MB.
 */
export const REAL_BYTES_PER_SECOND: Readonly<Record<Resolution, number>> = { '480p': 3e6 / 8, '720p': 6e6 / 8, '1080p': 12e6 / 8 };

/** The largest piece handed out at once. */
const PIECE_BYTES = 64 * 1024;
const FILLER = Buffer.alloc(PIECE_BYTES, 0xff);
const FILLER_END = Buffer.from([0x80]);

interface Box {
  type: string;
  /** Where the box starts (its header). */
  at: number;
  /** Where its payload starts and the box ends. */
  start: number;
  end: number;
}

function boxes(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let at = from; at + 8 <= to;) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) throw new Error(`sample clip: box ${type} runs past its parent`);
    out.push({ type, at, start: at + header, end: at + size });
    at += size;
  }
  return out;
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  return boxes(buf, parent.start, parent.end).find((b) => b.type === type);
}

function need(buf: Buffer, parent: Box, type: string): Box {
  const found = child(buf, parent, type);
  if (!found) throw new Error(`sample clip: no ${type} in ${parent.type}`);
  return found;
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...parts]);
}

function u32s(values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32BE(v >>> 0, i * 4));
  return buf;
}

/** A full box: version and flags, then the payload. */
function fullBox(type: string, versionFlags: number, payload: Buffer): Buffer {
  return box(type, u32s([versionFlags]), payload);
}

/** A copy of a box whose duration field (after version/flags) is set, for mvhd, mdhd (`at` = 12/20) and tkhd (16/24). */
function withDuration(buf: Buffer, b: Box, v0At: number, v1At: number, duration: number): Buffer {
  const copy = Buffer.from(buf.subarray(b.at, b.end));
  const version = buf[b.start];
  const at = b.start - b.at + 4 + (version === 1 ? v1At : v0At);
  if (version === 1) copy.writeBigUInt64BE(BigInt(duration), at);
  else copy.writeUInt32BE(duration, at);
  return copy;
}

/** A track's samples as the clip holds them. */
interface SourceTrack {
  trak: Box;
  handler: string;
  timescale: number;
  /** Per sample: where it is in the clip, its length, duration, composition offset, whether it is a sync sample. */
  offsets: number[];
  sizes: number[];
  deltas: number[];
  ctts?: { versionFlags: number; offsets: number[] };
  sync?: Set<number>;
  /** AVC NAL length field size (video only). */
  nalLength: number;
}

function readTrack(buf: Buffer, trak: Box): SourceTrack {
  const mdia = need(buf, trak, 'mdia');
  const mdhd = need(buf, mdia, 'mdhd');
  const timescale = buf.readUInt32BE(mdhd.start + (buf[mdhd.start] === 1 ? 20 : 12));
  const handler = buf.toString('latin1', need(buf, mdia, 'hdlr').start + 8, need(buf, mdia, 'hdlr').start + 12);
  const stbl = need(buf, need(buf, mdia, 'minf'), 'stbl');
  const table = (type: string): Box | undefined => child(buf, stbl, type);

  const stsz = table('stsz')!;
  const fixed = buf.readUInt32BE(stsz.start + 4);
  const count = buf.readUInt32BE(stsz.start + 8);
  const sizes = Array.from({ length: count }, (_, i) => (fixed > 0 ? fixed : buf.readUInt32BE(stsz.start + 12 + 4 * i)));

  const stco = table('stco');
  const co64 = table('co64');
  const chunkBox = stco ?? co64;
  if (!chunkBox) throw new Error('sample clip: a track has no chunk offsets');
  const chunks = Array.from({ length: buf.readUInt32BE(chunkBox.start + 4) }, (_, i) =>
    stco ? buf.readUInt32BE(chunkBox.start + 8 + 4 * i) : Number(buf.readBigUInt64BE(chunkBox.start + 8 + 8 * i))
  );
  const stsc = table('stsc')!;
  const runs = Array.from({ length: buf.readUInt32BE(stsc.start + 4) }, (_, i) => ({
    first: buf.readUInt32BE(stsc.start + 8 + 12 * i),
    perChunk: buf.readUInt32BE(stsc.start + 12 + 12 * i)
  }));
  const offsets: number[] = [];
  for (let c = 0, s = 0; c < chunks.length && s < count; c++) {
    let perChunk = 0;
    for (const run of runs) if (run.first <= c + 1) perChunk = run.perChunk;
    for (let k = 0, at = chunks[c]; k < perChunk && s < count; k++, s++) {
      offsets.push(at);
      at += sizes[s];
    }
  }

  const stts = table('stts')!;
  const deltas: number[] = [];
  for (let i = 0, n = buf.readUInt32BE(stts.start + 4); i < n; i++) {
    const times = buf.readUInt32BE(stts.start + 8 + 8 * i);
    const delta = buf.readUInt32BE(stts.start + 12 + 8 * i);
    for (let k = 0; k < times; k++) deltas.push(delta);
  }
  const cttsBox = table('ctts');
  let ctts: SourceTrack['ctts'];
  if (cttsBox) {
    const list: number[] = [];
    for (let i = 0, n = buf.readUInt32BE(cttsBox.start + 4); i < n; i++) {
      const times = buf.readUInt32BE(cttsBox.start + 8 + 8 * i);
      const offset = buf.readUInt32BE(cttsBox.start + 12 + 8 * i);
      for (let k = 0; k < times; k++) list.push(offset);
    }
    ctts = { versionFlags: buf.readUInt32BE(cttsBox.start), offsets: list };
  }
  const stss = table('stss');
  const sync = stss ? new Set(Array.from({ length: buf.readUInt32BE(stss.start + 4) }, (_, i) => buf.readUInt32BE(stss.start + 8 + 4 * i) - 1)) : undefined;

  let nalLength = 4;
  if (handler === 'vide') {
    const stsd = table('stsd')!;
    const raw = buf.subarray(stsd.start, stsd.end);
    const avcC = raw.indexOf('avcC', 0, 'latin1');
    if (avcC < 0) throw new Error('sample clip: the video is not H.264 (no avcC)');
    nalLength = (raw[avcC + 4 + 4] & 3) + 1;
  }
  if (offsets.length !== count || deltas.length !== count) throw new Error('sample clip: its sample tables do not agree');
  return { trak, handler, timescale, offsets, sizes, deltas, ctts, sync, nalLength };
}

/** One sample of the made file: a slice of the clip, then `pad` bytes of filler NAL unit. */
interface OutSample {
  from: number;
  length: number;
  pad: number;
}

/** A made file: its header bytes (ftyp, moov, the mdat header), then samples. */
export interface SizedClip {
  readonly size: number;
  readonly durationSec: number;
  /** The file's bytes from `start` to `end` (inclusive), a piece at a time. */
  pieces(start: number, end: number): Generator<Buffer>;
}

/** Runs of equal values: [count, value, count, value …]. */
function runs(values: number[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (out.length > 0 && out[out.length - 1] === v) out[out.length - 2]++;
    else out.push(1, v);
  }
  return out;
}

interface BuiltTrack {
  source: SourceTrack;
  samples: number[];
  /** The track's media duration in its timescale. */
  mediaDuration: number;
}

/**
 * Makes the layout of a `durationSec` file of about `targetBytes` from a sample clip (H.264 +
 * any other tracks, moov with sample tables, as ffmpeg writes them).
 */
export function sizeClip(clip: Buffer, durationSec: number, targetBytes: number): SizedClip {
  const top = boxes(clip, 0, clip.length);
  const ftyp = top.find((b) => b.type === 'ftyp');
  const moov = top.find((b) => b.type === 'moov');
  if (!ftyp || !moov) throw new Error('sample clip: no ftyp or moov');
  const mvhd = need(clip, moov, 'mvhd');
  const movieTimescale = clip.readUInt32BE(mvhd.start + (clip[mvhd.start] === 1 ? 20 : 12));
  const movieDuration = Math.round(durationSec * movieTimescale);

  // Each track: the clip's samples in a loop until the duration is covered.
  const tracks: BuiltTrack[] = boxes(clip, moov.start, moov.end)
    .filter((b) => b.type === 'trak')
    .map((trak) => {
      const source = readTrack(clip, trak);
      const want = durationSec * source.timescale;
      const samples: number[] = [];
      let media = 0;
      for (let j = 0; media < want; j++) {
        const i = j % source.sizes.length;
        samples.push(i);
        media += source.deltas[i];
      }
      return { source, samples, mediaDuration: media };
    });
  const video = tracks.find((t) => t.source.handler === 'vide');
  if (!video) throw new Error('sample clip: no video track');

  const build = (pad: number, mdatStart: number): { moov: Buffer; order: { track: BuiltTrack; sample: OutSample }[] } => {
    const order: { track: BuiltTrack; sample: OutSample }[] = [];
    let at = mdatStart + 8;
    const traks: Buffer[] = [];
    for (const track of tracks) {
      const { source } = track;
      const extra = track === video ? pad : 0;
      const chunkOffsets: number[] = [];
      const sizes: number[] = [];
      for (const i of track.samples) {
        const sample = { from: source.offsets[i], length: source.sizes[i], pad: extra };
        order.push({ track, sample });
        chunkOffsets.push(at);
        sizes.push(sample.length + extra);
        at += sample.length + extra;
      }
      const stblParts: Buffer[] = [Buffer.from(clip.subarray(...span(need(clip, stblOf(clip, source.trak), 'stsd'))))];
      const times = runs(track.samples.map((i) => source.deltas[i]));
      stblParts.push(fullBox('stts', 0, u32s([times.length / 2, ...times])));
      if (source.sync) {
        const syncs = track.samples.flatMap((i, j) => (source.sync!.has(i) ? [j + 1] : []));
        stblParts.push(fullBox('stss', 0, u32s([syncs.length, ...syncs])));
      }
      if (source.ctts) {
        const r = runs(track.samples.map((i) => source.ctts!.offsets[i]));
        stblParts.push(fullBox('ctts', source.ctts.versionFlags, u32s([r.length / 2, ...r])));
      }
      stblParts.push(fullBox('stsc', 0, u32s([1, 1, 1, 1])));
      stblParts.push(fullBox('stsz', 0, u32s([0, sizes.length, ...sizes])));
      stblParts.push(fullBox('stco', 0, u32s([chunkOffsets.length, ...chunkOffsets])));
      traks.push(rebuildTrak(clip, source.trak, movieDuration, track.mediaDuration, box('stbl', ...stblParts)));
    }
    const kept = boxes(clip, moov.start, moov.end)
      .filter((b) => b.type === 'udta')
      .map((b) => Buffer.from(clip.subarray(b.at, b.end)));
    return { moov: box('moov', withDuration(clip, mvhd, 12, 20, movieDuration), ...traks, ...kept), order };
  };

  const ftypBytes = Buffer.from(clip.subarray(ftyp.at, ftyp.end));
  // Sizes do not depend on the offsets: a first build measures, the second places.
  const probe = build(0, 0);
  const headerBytes = ftypBytes.length + probe.moov.length + 8;
  const mediaBytes = probe.order.reduce((n, o) => n + o.sample.length, 0);
  const minPad = video.source.nalLength + 2;
  let pad = Math.floor((targetBytes - headerBytes - mediaBytes) / video.samples.length);
  if (pad < minPad) pad = 0;
  const { moov: moovBytes, order } = build(pad, ftypBytes.length + probe.moov.length);
  const payload = order.reduce((n, o) => n + o.sample.length + o.sample.pad, 0);
  if (8 + payload > 0xffffffff) throw new Error('sized clip: over 4 GB');
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(8 + payload, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  const header = Buffer.concat([ftypBytes, moovBytes, mdatHeader]);
  const fillerHead = Buffer.alloc(video.source.nalLength + 1);
  if (pad > 0) {
    fillerHead.writeUIntBE(pad - video.source.nalLength, 0, video.source.nalLength);
    fillerHead[video.source.nalLength] = 0x0c; // nal_unit_type 12: filler data
  }
  // Where each sample starts in the file, and the end.
  const starts = new Float64Array(order.length + 1);
  starts[0] = header.length;
  order.forEach((o, i) => (starts[i + 1] = starts[i] + o.sample.length + o.sample.pad));
  const size = starts[order.length];

  /** A sample's bytes, as pieces: its slice of the clip, then the filler NAL unit. */
  function* sampleBytes(s: OutSample): Generator<Buffer> {
    yield clip.subarray(s.from, s.from + s.length);
    if (s.pad === 0) return;
    yield fillerHead;
    for (let left = s.pad - fillerHead.length - 1; left > 0; left -= PIECE_BYTES) yield FILLER.subarray(0, Math.min(PIECE_BYTES, left));
    yield FILLER_END;
  }

  return {
    size,
    durationSec,
    *pieces(start: number, end: number): Generator<Buffer> {
      let pos = start;
      const stop = end + 1;
      if (pos < header.length) {
        yield header.subarray(pos, Math.min(header.length, stop));
        pos = header.length;
      }
      // The first sample holding `pos`.
      let lo = 0;
      let hi = order.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= pos) lo = mid;
        else hi = mid - 1;
      }
      for (let i = lo; i < order.length && pos < stop; i++) {
        let at = starts[i];
        for (const piece of sampleBytes(order[i].sample)) {
          const pieceEnd = at + piece.length;
          if (pieceEnd > pos && at < stop) {
            const out = piece.subarray(Math.max(0, pos - at), Math.min(piece.length, stop - at));
            pos += out.length;
            yield out;
          }
          at = pieceEnd;
          if (at >= stop) break;
        }
      }
    }
  };
}

function span(b: Box): [number, number] {
  return [b.at, b.end];
}

function stblOf(buf: Buffer, trak: Box): Box {
  return need(buf, need(buf, need(buf, trak, 'mdia'), 'minf'), 'stbl');
}

/** The track box with its durations set and its sample table replaced; other boxes copied (sample groups dropped with the old table). */
function rebuildTrak(buf: Buffer, trak: Box, movieDuration: number, mediaDuration: number, stbl: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const b of boxes(buf, trak.start, trak.end)) {
    if (b.type === 'tkhd') parts.push(withDuration(buf, b, 16, 24, movieDuration));
    else if (b.type === 'edts') parts.push(rebuildEdts(buf, b, movieDuration));
    else if (b.type === 'mdia') {
      const mdia: Buffer[] = [];
      for (const m of boxes(buf, b.start, b.end)) {
        if (m.type === 'mdhd') mdia.push(withDuration(buf, m, 12, 20, mediaDuration));
        else if (m.type === 'minf') {
          const minf = boxes(buf, m.start, m.end).map((x) => (x.type === 'stbl' ? stbl : Buffer.from(buf.subarray(x.at, x.end))));
          mdia.push(box('minf', ...minf));
        } else mdia.push(Buffer.from(buf.subarray(m.at, m.end)));
      }
      parts.push(box('mdia', ...mdia));
    } else parts.push(Buffer.from(buf.subarray(b.at, b.end)));
  }
  return box('trak', ...parts);
}

/** One edit: the whole movie, from the media time the clip's (last) edit starts at. */
function rebuildEdts(buf: Buffer, edts: Box, movieDuration: number): Buffer {
  const elst = child(buf, edts, 'elst');
  if (!elst) return Buffer.from(buf.subarray(edts.at, edts.end));
  const v1 = buf[elst.start] === 1;
  const n = buf.readUInt32BE(elst.start + 4);
  const entry = elst.start + 8 + (n - 1) * (v1 ? 20 : 12);
  const mediaTime = v1 ? Number(buf.readBigInt64BE(entry + 8)) : buf.readInt32BE(entry + 4);
  const rate = buf.readUInt32BE(entry + (v1 ? 16 : 8));
  const payload = Buffer.alloc(12);
  payload.writeUInt32BE(1, 0);
  payload.writeUInt32BE(movieDuration, 4);
  payload.writeInt32BE(mediaTime, 8);
  return box('edts', fullBox('elst', 0, Buffer.concat([payload, u32s([rate])])));
}
