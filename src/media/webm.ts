/**
 * @module media/webm
 * A WebM writer for recording a call: EBML (RFC 8794: element IDs, variable-size
 * integers, the EBML header with DocType "webm"), and the Matroska elements WebM uses
 * (RFC 9559: Segment 5.1, Info 5.1.2 with TimestampScale, Tracks 5.1.4 with TrackEntry,
 * Video/Audio settings and CodecID V_VP8 / V_VP9 / V_AV1 / A_OPUS with CodecPrivate,
 * CodecDelay and SeekPreRoll for Opus per the Matroska codec mappings, Cluster 5.1.3 with
 * Timestamp and SimpleBlock (RFC 9559 10.2: track vint, signed 16-bit relative
 * timestamp, flags with the keyframe bit 0x80), Cues 5.1.5). The Segment is written with
 * an unknown size (RFC 8794 6.2, all ones) so output can be streamed; clusters are
 * emitted whole, with known sizes, when they close.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { joinBytes } from './frame.js';
import { serializeOpusHead } from './ogg-opus.js';

/** Element IDs (RFC 8794 11.2, RFC 9559 5.1), marker bits included. */
export const EbmlId = {
  Ebml: 0x1a45dfa3,
  EbmlVersion: 0x4286,
  EbmlReadVersion: 0x42f7,
  EbmlMaxIdLength: 0x42f2,
  EbmlMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUid: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecId: 0x86,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  SeekPreRoll: 0x56bb,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  Cues: 0x1c53bb6b,
  CuePoint: 0xbb,
  CueTime: 0xb3,
  CueTrackPositions: 0xb7,
  CueTrack: 0xf7,
  CueClusterPosition: 0xf1,
} as const;

/** RFC 9559 10.2: the SimpleBlock relative timestamp is a signed 16-bit number of ticks. */
export const WEBM_MAX_RELATIVE_TIMESTAMP = 32767;
/** A cluster is closed after this span even without a keyframe (WebM guidelines: at most 5 s or 5 MB). */
export const WEBM_CLUSTER_MAX_DURATION_MS = 5000;
export const WEBM_CLUSTER_MAX_BYTES = 5 * 1024 * 1024;
/** Matroska Opus mapping: SeekPreRoll of 80 ms, in nanoseconds. */
export const WEBM_OPUS_SEEK_PRE_ROLL_NS = 80_000_000;
/** RFC 8794 6.2: an all-ones 8-byte size means unknown. */
const UNKNOWN_SIZE = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

function idBytes(id: number): Uint8Array {
  if (id >= 0x1000000) return Uint8Array.of(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
  if (id >= 0x10000) return Uint8Array.of(id >>> 16, (id >>> 8) & 0xff, id & 0xff);
  if (id >= 0x100) return Uint8Array.of(id >>> 8, id & 0xff);
  return Uint8Array.of(id);
}

/** RFC 8794 4: the shortest variable-size integer for `n` (all-ones values are reserved, so skip them). */
export function ebmlVint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('EBML vint out of range');
  for (let len = 1; len <= 8; len++) {
    const max = 2 ** (7 * len) - 1;
    if (n < max) {
      const out = new Uint8Array(len);
      let v = n;
      for (let i = len - 1; i >= 0; i--) {
        out[i] = v % 256;
        v = Math.floor(v / 256);
      }
      out[0] = (out[0] as number) | (0x80 >> (len - 1));
      return out;
    }
  }
  throw new InvalidArgumentError('EBML vint too large');
}

function element(id: number, body: Uint8Array): Uint8Array {
  return joinBytes([idBytes(id), ebmlVint(body.length), body]);
}
function master(id: number, children: readonly Uint8Array[]): Uint8Array {
  return element(id, joinBytes(children));
}
function uint(id: number, v: number): Uint8Array {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError('EBML uint out of range');
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x % 256);
    x = Math.floor(x / 256);
  } while (x > 0);
  return element(id, new Uint8Array(bytes));
}
function float(id: number, v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v);
  return element(id, b);
}
function str(id: number, s: string): Uint8Array {
  return element(id, new TextEncoder().encode(s));
}

export type WebmCodec = 'VP8' | 'VP9' | 'AV1' | 'OPUS';

const CODEC_ID: Record<WebmCodec, string> = { VP8: 'V_VP8', VP9: 'V_VP9', AV1: 'V_AV1', OPUS: 'A_OPUS' };

export interface WebmVideoTrack {
  readonly kind: 'video';
  readonly codec: 'VP8' | 'VP9' | 'AV1';
  readonly width: number;
  readonly height: number;
  /** CodecPrivate (e.g. an av1C record); optional. */
  readonly codecPrivate?: Uint8Array;
}

export interface WebmAudioTrack {
  readonly kind: 'audio';
  readonly codec: 'OPUS';
  readonly channels: number;
  /** Opus pre-skip in 48 kHz samples (CodecDelay); default 0 (RTP carries no pre-skip). */
  readonly preSkip?: number;
}

export type WebmTrack = WebmVideoTrack | WebmAudioTrack;

export interface WebmWriterOptions {
  /** Tracks are numbered 1, 2, ... in this order. */
  readonly tracks: readonly WebmTrack[];
  readonly writingApp?: string;
  /** Write Cues (cluster positions of video keyframes) in finish(); default true. */
  readonly cues?: boolean;
}

interface PendingBlock {
  readonly track: number;
  readonly timestampMs: number;
  readonly data: Uint8Array;
  readonly keyframe: boolean;
}

/**
 * Streams a WebM file: `start()` returns the EBML header, the Segment start, Info and
 * Tracks; `addFrame()` returns a closed Cluster when the new frame opens the next one
 * (a video keyframe, the 16-bit timestamp range, 5 s or 5 MB), else an empty array;
 * `finish()` returns the last Cluster and the Cues. Timestamps are milliseconds
 * (TimestampScale 1,000,000 ns) and should not decrease by more than 32 s.
 */
export class WebmWriter {
  readonly tracks: readonly WebmTrack[];
  private readonly writingApp: string;
  private readonly writeCues: boolean;
  private readonly hasVideo: boolean;
  private cluster: PendingBlock[] = [];
  private clusterBytes = 0;
  private clusterTimestamp = 0;
  /** Bytes of the Segment body written so far (cluster positions for Cues). */
  private segmentOffset = 0;
  private cuePoints: { timeMs: number; track: number; position: number }[] = [];
  private state: 'new' | 'started' | 'finished' = 'new';

  constructor(opts: WebmWriterOptions) {
    if (opts.tracks.length === 0 || opts.tracks.length > 126) throw new InvalidArgumentError('WebM: 1 to 126 tracks');
    this.tracks = opts.tracks;
    this.writingApp = opts.writingApp ?? 'purertc';
    this.writeCues = opts.cues ?? true;
    this.hasVideo = opts.tracks.some((t) => t.kind === 'video');
  }

  start(): Uint8Array {
    if (this.state !== 'new') throw new InvalidArgumentError('WebmWriter.start() called twice');
    this.state = 'started';
    const header = master(EbmlId.Ebml, [
      uint(EbmlId.EbmlVersion, 1),
      uint(EbmlId.EbmlReadVersion, 1),
      uint(EbmlId.EbmlMaxIdLength, 4),
      uint(EbmlId.EbmlMaxSizeLength, 8),
      str(EbmlId.DocType, 'webm'),
      uint(EbmlId.DocTypeVersion, 4),
      uint(EbmlId.DocTypeReadVersion, 2),
    ]);
    const info = master(EbmlId.Info, [uint(EbmlId.TimestampScale, 1_000_000), str(EbmlId.MuxingApp, 'purertc'), str(EbmlId.WritingApp, this.writingApp)]);
    const tracks = master(
      EbmlId.Tracks,
      this.tracks.map((t, i) => {
        const common = [uint(EbmlId.TrackNumber, i + 1), uint(EbmlId.TrackUid, i + 1), uint(EbmlId.FlagLacing, 0), str(EbmlId.CodecId, CODEC_ID[t.codec])];
        if (t.kind === 'video') {
          return master(EbmlId.TrackEntry, [
            ...common,
            uint(EbmlId.TrackType, 1),
            ...(t.codecPrivate ? [element(EbmlId.CodecPrivate, t.codecPrivate)] : []),
            master(EbmlId.Video, [uint(EbmlId.PixelWidth, t.width), uint(EbmlId.PixelHeight, t.height)]),
          ]);
        }
        const preSkip = t.preSkip ?? 0;
        const head = serializeOpusHead({ version: 1, channels: t.channels, preSkip, inputSampleRate: 48_000, outputGain: 0, mappingFamily: 0 });
        return master(EbmlId.TrackEntry, [
          ...common,
          uint(EbmlId.TrackType, 2),
          element(EbmlId.CodecPrivate, head),
          uint(EbmlId.CodecDelay, Math.round((preSkip * 1e9) / 48_000)),
          uint(EbmlId.SeekPreRoll, WEBM_OPUS_SEEK_PRE_ROLL_NS),
          master(EbmlId.Audio, [float(EbmlId.SamplingFrequency, 48_000), uint(EbmlId.Channels, t.channels)]),
        ]);
      }),
    );
    this.segmentOffset = info.length + tracks.length;
    return joinBytes([header, idBytes(EbmlId.Segment), UNKNOWN_SIZE, info, tracks]);
  }

  /** Add one frame of track `trackNumber` (1-based) at `timestampMs`. */
  addFrame(trackNumber: number, timestampMs: number, data: Uint8Array, keyframe: boolean): Uint8Array {
    if (this.state !== 'started') throw new InvalidArgumentError('WebmWriter.addFrame() outside start()..finish()');
    const track = this.tracks[trackNumber - 1];
    if (track === undefined) throw new InvalidArgumentError(`WebM: no track ${trackNumber}`);
    if (!Number.isInteger(timestampMs) || timestampMs < 0) throw new InvalidArgumentError('WebM: timestamps are non-negative integer milliseconds');
    const isVideoKey = track.kind === 'video' && keyframe;
    const rel = timestampMs - this.clusterTimestamp;
    let out: Uint8Array = new Uint8Array(0);
    if (this.cluster.length > 0) {
      const newCluster =
        (isVideoKey && rel > 0) ||
        (!this.hasVideo && rel >= WEBM_CLUSTER_MAX_DURATION_MS) ||
        rel > WEBM_MAX_RELATIVE_TIMESTAMP ||
        rel < -WEBM_MAX_RELATIVE_TIMESTAMP - 1 ||
        rel >= WEBM_CLUSTER_MAX_DURATION_MS * 6 ||
        this.clusterBytes + data.length > WEBM_CLUSTER_MAX_BYTES;
      if (newCluster) out = this.closeCluster();
    }
    if (this.cluster.length === 0) this.clusterTimestamp = timestampMs;
    // copied: the block outlives the call until its cluster closes
    this.cluster.push({ track: trackNumber, timestampMs, data: new Uint8Array(data), keyframe: track.kind === 'audio' ? true : keyframe });
    this.clusterBytes += data.length;
    return out;
  }

  /** The last cluster and the Cues; the file is complete after this. */
  finish(): Uint8Array {
    if (this.state !== 'started') throw new InvalidArgumentError('WebmWriter.finish() outside start()');
    this.state = 'finished';
    const last = this.closeCluster();
    if (!this.writeCues || this.cuePoints.length === 0) return last;
    const cues = master(
      EbmlId.Cues,
      this.cuePoints.map((c) =>
        master(EbmlId.CuePoint, [uint(EbmlId.CueTime, c.timeMs), master(EbmlId.CueTrackPositions, [uint(EbmlId.CueTrack, c.track), uint(EbmlId.CueClusterPosition, c.position)])]),
      ),
    );
    return joinBytes([last, cues]);
  }

  private closeCluster(): Uint8Array {
    if (this.cluster.length === 0) return new Uint8Array(0);
    const base = this.clusterTimestamp;
    const blocks = this.cluster.map((b) => {
      const head = new Uint8Array(4);
      head[0] = 0x80 | b.track; // track number as a 1-byte vint (tracks 1..126)
      new DataView(head.buffer).setInt16(1, b.timestampMs - base);
      head[3] = b.keyframe ? 0x80 : 0x00;
      return element(EbmlId.SimpleBlock, joinBytes([head, b.data]));
    });
    const firstKey = this.cluster.find((b) => b.keyframe && this.tracks[b.track - 1]?.kind === 'video');
    if (firstKey) this.cuePoints.push({ timeMs: firstKey.timestampMs, track: firstKey.track, position: this.segmentOffset });
    const bytes = master(EbmlId.Cluster, [uint(EbmlId.Timestamp, base), ...blocks]);
    this.segmentOffset += bytes.length;
    this.cluster = [];
    this.clusterBytes = 0;
    return bytes;
  }
}
