/**
 * @module node/media-files
 * File sources and sinks for MediaStreamTrack on Node (purertc; werift offers the same
 * kind of helpers). Sources pace encoded frames on the wall clock with setTimeout and
 * write them to a track; sinks listen to a track's `frame` events and write a file.
 *
 * Sources (each returns `{ stop(), done }`; `done` settles when the file ends without
 * `loop`, on `stop()`, or when the track ends; it rejects when the file does not parse):
 * - `playIvf`: VP8 / VP9 / AV1 in IVF (media/ivf). Frame timestamps are the file's
 *   (timebase numerator/denominator seconds) scaled to the 90 kHz RTP video clock
 *   (RFC 7741 4.1, RFC 9628, AV1 RTP); keyframes from the bitstream (RFC 6386 9.1 frame
 *   tag for VP8, the uncompressed header for VP9, a sequence header OBU for AV1).
 *   Keyframe requests: a `keyframerequest` on the track (the remote sent PLI/FIR, or
 *   replaceTrack switched to this source) makes the player jump to the next keyframe of
 *   the file and send it at once (with `loop`, wrapping to the first one); timestamps stay
 *   on the wall clock, so the receiver sees a cut, not a time jump. Without a later
 *   keyframe (and no loop) the request is ignored.
 * - `playOggOpus`: Ogg Opus (RFC 7845, media/ogg-opus); timestamps at 48 kHz (RFC 7587
 *   4.1) advanced by each packet's duration from its TOC (RFC 6716 3.1), which also paces
 *   it (20 ms for the usual packets).
 * - `playAnnexB`: H.264 Annex B (media/annexb) access units at `fps` on the 90 kHz clock
 *   (RFC 6184 5.1); keyframes are access units with an IDR slice.
 *
 * Sinks (each returns a recorder whose `stop()` resolves once the file is complete):
 * - `recordIvf`: frames into IVF with a 1/clock-rate timebase and RTP timestamps
 *   unwrapped (rtp/unwrap) from the first frame; starts at the first keyframe (a remote
 *   track is asked for one); the frame count in the header is written on stop.
 * - `recordAnnexB`: H.264 access units (Annex B, as the receiver reassembles them) from the
 *   first IDR access unit on.
 * - `recordOggOpus`: Opus frames into Ogg Opus (media/ogg-opus OggOpusWriter).
 * - `WebmRecorder`: an audio and a video track into one WebM (media/webm WebmWriter),
 *   starting at the first video keyframe (or the first audio frame when there is no video);
 *   each track's times are its RTP timestamps from its first frame, placed on the wall
 *   clock at that frame's arrival.
 *
 * Writes go through one promise chain per file; at most MAX_PENDING_WRITE_BYTES wait for
 * the disk, frames beyond are dropped and counted (`framesDropped`).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { randomU32, secureRandom } from '../common/random.js';
import { isAv1Keyframe } from '../media/av1.js';
import { isH264Keyframe } from '../media/h264.js';
import { readAnnexBAccessUnits } from '../media/annexb.js';
import { parseIvf, serializeIvfFrame, serializeIvfHeader } from '../media/ivf.js';
import { OggOpusWriter, readOggOpus } from '../media/ogg-opus.js';
import { opusPacketDurationSamples } from '../media/opus.js';
import { isVp8KeyframeData, VP8_KEYFRAME_START_CODE } from '../media/vp8.js';
import { isVp9Keyframe, parseVp9FrameInfo } from '../media/vp9.js';
import { WebmWriter } from '../media/webm.js';
import type { WebmTrack } from '../media/webm.js';
import { TimestampUnwrapper } from '../rtp/unwrap.js';
import type { MediaStreamTrack, RTCEncodedFrame } from './media-stream-track.js';
import type { RTCEncodedFrameEvent } from './media-stream-track.js';

/** The RTP clock of video (RFC 7741 4.1, RFC 6184 5.1). */
export const VIDEO_CLOCK_HZ = 90_000;
/** The RTP clock of Opus (RFC 7587 4.1). */
export const OPUS_CLOCK_HZ = 48_000;
/** Samples of a 20 ms Opus packet at 48 kHz, used when a packet's TOC does not parse. */
const OPUS_DEFAULT_PACKET_SAMPLES = 960;
/** Bytes a recorder lets wait for the disk before it drops frames. */
export const MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;
/** Frames a source sends in one timer callback when it fell behind (the rest wait for the next). */
const MAX_FRAMES_PER_TICK = 64;

export interface PlaybackOptions {
  /** Start again at the end (timestamps keep increasing). */
  readonly loop?: boolean;
}

export interface Playback {
  stop(): void;
  readonly done: Promise<void>;
}

/** One frame of a source with its file time in clock ticks (not wrapped). */
export interface TimedFrame {
  readonly data: Uint8Array;
  readonly ticks: number;
  readonly keyframe: boolean;
}

export interface SourceMedia {
  readonly frames: readonly TimedFrame[];
  readonly clockRate: number;
  readonly mimeType: string;
  /** Ticks from the last frame's time to the time the loop restarts. */
  readonly lastDuration: number;
}

async function bytesOf(src: string | Uint8Array): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  const b = await readFile(src);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const IVF_MIME: Readonly<Record<string, string>> = { VP80: 'video/VP8', VP90: 'video/VP9', AV01: 'video/AV1' };

function ivfKeyframe(fourcc: string, data: Uint8Array): boolean {
  if (fourcc === 'VP80') return isVp8KeyframeData(data);
  if (fourcc === 'VP90') return isVp9Keyframe(data);
  if (fourcc === 'AV01') return isAv1Keyframe(data);
  return false;
}

/** IVF frames on the 90 kHz clock. */
export function ivfSource(bytes: Uint8Array): SourceMedia {
  const { header, frames } = parseIvf(bytes);
  const num = header.timebaseNumerator || 1;
  const den = header.timebaseDenominator || 30;
  const first = frames[0]?.timestamp ?? 0n;
  const out = frames.map((f) => ({ data: f.data, ticks: Math.round((Number(f.timestamp - first) * VIDEO_CLOCK_HZ * num) / den), keyframe: ivfKeyframe(header.fourcc, f.data) }));
  return { frames: out, clockRate: VIDEO_CLOCK_HZ, mimeType: IVF_MIME[header.fourcc] ?? 'video/VP8', lastDuration: averageSpacing(out, Math.round(VIDEO_CLOCK_HZ / 30)) };
}

/** Ogg Opus packets on the 48 kHz clock, each after the previous one's duration. */
export function oggOpusSource(bytes: Uint8Array): SourceMedia {
  const file = readOggOpus(bytes);
  let ticks = 0;
  let last = OPUS_DEFAULT_PACKET_SAMPLES;
  const frames: TimedFrame[] = [];
  for (const p of file.packets) {
    if (p.data.length === 0) continue;
    frames.push({ data: p.data, ticks, keyframe: true });
    try {
      last = opusPacketDurationSamples(p.data);
    } catch {
      last = OPUS_DEFAULT_PACKET_SAMPLES;
    }
    ticks += last;
  }
  return { frames, clockRate: OPUS_CLOCK_HZ, mimeType: 'audio/opus', lastDuration: last };
}

/** H.264 access units at `fps` on the 90 kHz clock. */
export function annexBSource(bytes: Uint8Array, fps: number): SourceMedia {
  if (!(fps > 0 && fps <= 1000)) throw new RangeError('fps must be in (0, 1000]');
  const step = VIDEO_CLOCK_HZ / fps;
  const frames = readAnnexBAccessUnits(bytes).map((au, i) => ({ data: au, ticks: Math.round(i * step), keyframe: isH264Keyframe(au) }));
  return { frames, clockRate: VIDEO_CLOCK_HZ, mimeType: 'video/H264', lastDuration: Math.round(step) };
}

function averageSpacing(frames: readonly TimedFrame[], fallback: number): number {
  const first = frames[0];
  const last = frames[frames.length - 1];
  if (!first || !last || frames.length < 2) return fallback;
  return Math.max(1, Math.round((last.ticks - first.ticks) / (frames.length - 1)));
}

/**
 * Plays `load()`'s frames into `track` on the wall clock. Output timestamps are
 * `file ticks + offset`; the offset grows at each loop and on keyframe jumps so that
 * they follow the wall clock.
 */
function play(track: MediaStreamTrack, load: () => Promise<SourceMedia>, options: PlaybackOptions): Playback {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;
  let resolveDone: () => void = () => undefined;
  let rejectDone: (e: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  let media: SourceMedia | undefined;
  let index = 0;
  let offset = 0;
  let anchorWall = 0;
  let anchorTicks = 0;
  let lastOut = -1;
  let jumpCount = 0;

  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    track.removeEventListener('keyframerequest', onKeyframeRequest);
    if (error === undefined) resolveDone();
    else rejectDone(error);
  };
  const ticksNow = (m: SourceMedia): number => anchorTicks + ((performance.now() - anchorWall) * m.clockRate) / 1000;
  const schedule = (): void => {
    const m = media;
    if (finished || !m) return;
    const f = m.frames[index];
    if (!f) {
      if (!options.loop || m.frames.length === 0) return finish();
      timer = setTimeout(tick, 0);
      return;
    }
    const due = anchorWall + ((f.ticks + offset - anchorTicks) * 1000) / m.clockRate;
    timer = setTimeout(tick, Math.max(0, due - performance.now()));
  };
  const tick = (): void => {
    timer = undefined;
    const m = media;
    if (finished || !m) return;
    for (let n = 0; n < MAX_FRAMES_PER_TICK; n++) {
      if (track.readyState === 'ended') return finish();
      let f = m.frames[index];
      if (!f) {
        if (!options.loop || m.frames.length === 0) return finish();
        const first = m.frames[0] as TimedFrame;
        const last = m.frames[m.frames.length - 1] as TimedFrame;
        offset += last.ticks - first.ticks + m.lastDuration;
        index = 0;
        f = first;
      }
      const out = f.ticks + offset;
      if (anchorWall + ((out - anchorTicks) * 1000) / m.clockRate > performance.now() + 1) break;
      const at = index;
      const jumps = jumpCount;
      lastOut = out;
      try {
        track.writeFrame({ data: f.data, timestamp: Math.round(out) >>> 0, keyframe: f.keyframe, mimeType: m.mimeType });
      } catch (e) {
        return finish((track.readyState as string) === 'ended' ? undefined : e);
      }
      // A listener may have asked for a keyframe while this frame was delivered: the jump stands.
      if (jumps !== jumpCount) return;
      index = at + 1;
    }
    schedule();
  };
  /** Jump to the next keyframe and send it now (see the module comment). */
  function onKeyframeRequest(): void {
    const m = media;
    if (finished || !m) return;
    let k = -1;
    for (let i = index; i < m.frames.length; i++) {
      if ((m.frames[i] as TimedFrame).keyframe) {
        k = i;
        break;
      }
    }
    if (k < 0 && options.loop) k = m.frames.findIndex((f) => f.keyframe);
    if (k < 0 || k === index) return;
    const now = Math.max(ticksNow(m), lastOut + 1);
    offset = now - (m.frames[k] as TimedFrame).ticks;
    index = k;
    jumpCount++;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, 0);
  }

  track.addEventListener('keyframerequest', onKeyframeRequest);
  load().then(
    (m) => {
      if (finished) return;
      media = m;
      anchorWall = performance.now();
      anchorTicks = m.frames[0]?.ticks ?? 0;
      schedule();
    },
    (e: unknown) => finish(e),
  );
  return { stop: () => finish(), done };
}

/** Plays an IVF file (path or bytes) into a video track; see the module comment. */
export function playIvf(track: MediaStreamTrack, source: string | Uint8Array, options: PlaybackOptions = {}): Playback {
  return play(track, async () => ivfSource(await bytesOf(source)), options);
}

/** Plays an Ogg Opus file (path or bytes) into an audio track. */
export function playOggOpus(track: MediaStreamTrack, source: string | Uint8Array, options: PlaybackOptions = {}): Playback {
  return play(track, async () => oggOpusSource(await bytesOf(source)), options);
}

/** Plays an H.264 Annex B stream (path or bytes) into a video track at `fps`. */
export function playAnnexB(track: MediaStreamTrack, source: string | Uint8Array, options: PlaybackOptions & { readonly fps: number }): Playback {
  if (!(options?.fps > 0 && options.fps <= 1000)) throw new RangeError('playAnnexB needs fps in (0, 1000]');
  return play(track, async () => annexBSource(await bytesOf(source), options.fps), options);
}

// ------------------------------------------------------------------ sinks

/** One file written through a chain of writes (bounded by MAX_PENDING_WRITE_BYTES). */
class FileSink {
  #chain: Promise<FileHandle>;
  #pending = 0;
  #position = 0;
  failed: unknown;
  constructor(path: string) {
    this.#chain = open(path, 'w');
    this.#chain.catch((e: unknown) => {
      this.failed = e;
    });
  }
  /** False when the bytes were dropped (too much waiting for the disk, or the file failed). */
  write(bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    if (this.failed !== undefined || this.#pending + bytes.length > MAX_PENDING_WRITE_BYTES) return false;
    this.#pending += bytes.length;
    const at = this.#position;
    this.#position += bytes.length;
    this.#chain = this.#chain.then(async (fh) => {
      try {
        await fh.write(bytes, 0, bytes.length, at);
      } catch (e) {
        this.failed ??= e;
      }
      this.#pending -= bytes.length;
      return fh;
    });
    return true;
  }
  /** Overwrites bytes at `position` (a header field). */
  patch(bytes: Uint8Array, position: number): void {
    this.#chain = this.#chain.then(async (fh) => {
      try {
        await fh.write(bytes, 0, bytes.length, position);
      } catch (e) {
        this.failed ??= e;
      }
      return fh;
    });
  }
  async close(): Promise<void> {
    const fh = await this.#chain;
    await fh.close();
    if (this.failed !== undefined) throw this.failed;
  }
}

export interface Recorder {
  /** Stops listening and completes the file. */
  stop(): Promise<void>;
  /** Frames written. */
  readonly frames: number;
  /** Frames not written (before the first keyframe, or dropped waiting for the disk). */
  readonly framesDropped: number;
}

/** A Recorder over a running tally and the function that finishes the file. */
function recorderOf(tally: { readonly frames: number; readonly dropped: number }, stop: () => Promise<void>): Recorder {
  return {
    get frames() {
      return tally.frames;
    },
    get framesDropped() {
      return tally.dropped;
    },
    stop,
  };
}

/** Width and height from a VP8 keyframe (RFC 6386 9.1: start code, then 14-bit sizes) or a VP9 one. */
function frameSize(mimeType: string | undefined, data: Uint8Array): { width: number; height: number } | undefined {
  const m = mimeType?.toLowerCase();
  if ((m === undefined || m === 'video/vp8') && data.length >= 10 && isVp8KeyframeData(data) && data[3] === VP8_KEYFRAME_START_CODE[0] && data[4] === VP8_KEYFRAME_START_CODE[1] && data[5] === VP8_KEYFRAME_START_CODE[2]) {
    return { width: ((data[6] as number) | ((data[7] as number) << 8)) & 0x3fff, height: ((data[8] as number) | ((data[9] as number) << 8)) & 0x3fff };
  }
  if (m === 'video/vp9') {
    try {
      const info = parseVp9FrameInfo(data);
      if (info.width !== undefined && info.height !== undefined) return { width: info.width, height: info.height };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const FOURCC: Readonly<Record<string, string>> = { 'video/vp8': 'VP80', 'video/vp9': 'VP90', 'video/av1': 'AV01' };

/** Listens to `frame` events of `track`; returns the unsubscribe function. */
function onFrames(track: MediaStreamTrack, fn: (f: RTCEncodedFrame) => void): () => void {
  const listener = (e: Event): void => fn((e as RTCEncodedFrameEvent).frame);
  track.addEventListener('frame', listener);
  return () => track.removeEventListener('frame', listener);
}

/** Records a video track's frames into an IVF file; see the module comment. */
export function recordIvf(track: MediaStreamTrack, path: string, options: { readonly fourcc?: string } = {}): Recorder {
  if (options.fourcc !== undefined && options.fourcc.length !== 4) throw new TypeError('fourcc must be 4 characters');
  const sink = new FileSink(path);
  const unwrap = new TimestampUnwrapper();
  let first: number | undefined;
  const tally = { frames: 0, dropped: 0 };
  let header: { fourcc: string; width: number; height: number; clockRate: number } | undefined;
  const off = onFrames(track, (f) => {
    if (header === undefined) {
      if (!f.keyframe) {
        tally.dropped++;
        return;
      }
      const size = frameSize(f.mimeType, f.data) ?? { width: 0, height: 0 };
      header = { fourcc: options.fourcc ?? FOURCC[f.mimeType?.toLowerCase() ?? ''] ?? 'VP80', ...size, clockRate: f.clockRate ?? VIDEO_CLOCK_HZ };
      sink.write(serializeIvfHeader({ fourcc: header.fourcc, width: header.width, height: header.height, timebaseDenominator: header.clockRate, timebaseNumerator: 1, frameCount: 0 }));
    }
    const t = unwrap.unwrap(f.timestamp);
    first ??= t;
    if (sink.write(serializeIvfFrame({ timestamp: BigInt(Math.max(0, t - first)), data: f.data }))) tally.frames++;
    else tally.dropped++;
  });
  if (track.remote) track.requestKeyframe();
  return recorderOf(tally, async () => {
    off();
    if (header === undefined) {
      sink.write(serializeIvfHeader({ fourcc: options.fourcc ?? 'VP80', width: 0, height: 0, timebaseDenominator: VIDEO_CLOCK_HZ, timebaseNumerator: 1, frameCount: 0 }));
    } else {
      const count = new Uint8Array(4);
      new DataView(count.buffer).setUint32(0, tally.frames, true);
      sink.patch(count, 24);
    }
    await sink.close();
  });
}

/**
 * Records an H.264 track as an Annex B byte stream (the receiver's frames are access
 * units with start codes, media/h264), from the first IDR access unit on.
 */
export function recordAnnexB(track: MediaStreamTrack, path: string): Recorder {
  const sink = new FileSink(path);
  let started = false;
  const tally = { frames: 0, dropped: 0 };
  const off = onFrames(track, (f) => {
    started ||= f.keyframe;
    if (started && sink.write(f.data)) tally.frames++;
    else tally.dropped++;
  });
  if (track.remote) track.requestKeyframe();
  return recorderOf(tally, async () => {
    off();
    await sink.close();
  });
}

/** Records an Opus track into an Ogg Opus file. */
export function recordOggOpus(track: MediaStreamTrack, path: string, options: { readonly channels?: number } = {}): Recorder {
  const sink = new FileSink(path);
  const writer = new OggOpusWriter({ serialNumber: randomU32(secureRandom), channels: options.channels ?? 2 });
  sink.write(writer.start());
  const tally = { frames: 0, dropped: 0 };
  const off = onFrames(track, (f) => {
    let page: Uint8Array;
    try {
      page = writer.write(f.data);
    } catch {
      tally.dropped++;
      return;
    }
    if (sink.write(page)) tally.frames++;
    else tally.dropped++;
  });
  return recorderOf(tally, async () => {
    off();
    sink.write(writer.finish());
    await sink.close();
  });
}

export interface WebmRecorderOptions {
  readonly video?: MediaStreamTrack;
  readonly audio?: MediaStreamTrack;
  /** Used when the first frame does not say (default VP8). */
  readonly videoCodec?: 'VP8' | 'VP9' | 'AV1';
  /** Used when the first keyframe does not give its size (default 640x480). */
  readonly width?: number;
  readonly height?: number;
  readonly channels?: number;
}

const WEBM_VIDEO: Readonly<Record<string, 'VP8' | 'VP9' | 'AV1'>> = { 'video/vp8': 'VP8', 'video/vp9': 'VP9', 'video/av1': 'AV1' };

/** Records an audio and/or a video track into one WebM file; see the module comment. */
export class WebmRecorder implements Recorder {
  readonly #sink: FileSink;
  readonly #options: WebmRecorderOptions;
  readonly #offs: (() => void)[] = [];
  #writer: WebmWriter | undefined;
  #startWall = 0;
  #trackNumbers = { video: 0, audio: 0 };
  readonly #timing = new Map<'video' | 'audio', { unwrap: TimestampUnwrapper; firstTicks: number; startMs: number }>();
  #frames = 0;
  #dropped = 0;
  #stopped = false;

  constructor(path: string, options: WebmRecorderOptions) {
    if (!options.video && !options.audio) throw new TypeError('WebmRecorder needs a video or an audio track');
    if (options.video && options.video.kind !== 'video') throw new TypeError('options.video must be a video track');
    if (options.audio && options.audio.kind !== 'audio') throw new TypeError('options.audio must be an audio track');
    this.#options = options;
    this.#sink = new FileSink(path);
    if (options.video) {
      this.#offs.push(onFrames(options.video, (f) => this.#frame('video', f)));
      if (options.video.remote) options.video.requestKeyframe();
    }
    if (options.audio) this.#offs.push(onFrames(options.audio, (f) => this.#frame('audio', f)));
  }

  get frames(): number {
    return this.#frames;
  }
  get framesDropped(): number {
    return this.#dropped;
  }

  #start(first: RTCEncodedFrame | undefined): void {
    const o = this.#options;
    const tracks: WebmTrack[] = [];
    if (o.video) {
      const size = first ? frameSize(first.mimeType, first.data) : undefined;
      const codec = WEBM_VIDEO[first?.mimeType?.toLowerCase() ?? ''] ?? o.videoCodec ?? 'VP8';
      tracks.push({ kind: 'video', codec, width: size?.width ?? o.width ?? 640, height: size?.height ?? o.height ?? 480 });
      this.#trackNumbers.video = tracks.length;
    }
    if (o.audio) {
      tracks.push({ kind: 'audio', codec: 'OPUS', channels: o.channels ?? 2 });
      this.#trackNumbers.audio = tracks.length;
    }
    this.#writer = new WebmWriter({ tracks });
    this.#startWall = performance.now();
    this.#sink.write(this.#writer.start());
  }

  #frame(kind: 'video' | 'audio', f: RTCEncodedFrame): void {
    if (this.#stopped) return;
    if (this.#writer === undefined) {
      const startsHere = this.#options.video ? kind === 'video' && f.keyframe : true;
      if (!startsHere) {
        this.#dropped++;
        return;
      }
      this.#start(kind === 'video' ? f : undefined);
    }
    const writer = this.#writer as WebmWriter;
    let timing = this.#timing.get(kind);
    if (!timing) {
      const unwrap = new TimestampUnwrapper();
      timing = { unwrap, firstTicks: unwrap.unwrap(f.timestamp), startMs: performance.now() - this.#startWall };
      this.#timing.set(kind, timing);
    }
    const clock = f.clockRate ?? (kind === 'audio' ? OPUS_CLOCK_HZ : VIDEO_CLOCK_HZ);
    const ms = Math.max(0, Math.round(timing.startMs + ((timing.unwrap.unwrap(f.timestamp) - timing.firstTicks) * 1000) / clock));
    let bytes: Uint8Array;
    try {
      bytes = writer.addFrame(kind === 'video' ? this.#trackNumbers.video : this.#trackNumbers.audio, ms, f.data, f.keyframe);
    } catch {
      this.#dropped++;
      return;
    }
    if (this.#sink.write(bytes)) this.#frames++;
    else this.#dropped++;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const off of this.#offs) off();
    if (this.#writer === undefined) this.#start(undefined);
    this.#sink.write((this.#writer as WebmWriter).finish());
    await this.#sink.close();
  }
}
