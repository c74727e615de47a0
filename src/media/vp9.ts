/**
 * @module media/vp9
 * RTP payload format for VP9 (RFC 9628): the payload descriptor (section 4.2) in flexible
 * (F=1, reference P_DIFFs) and non-flexible (F=0, TL0PICIDX) modes, the scalability
 * structure (4.2.1), 15-bit picture IDs, packetization by the B/E semantics of 4.2 (B on
 * a frame's first packet, E on its last, which also carries the RTP marker of 4.1), and keyframe
 * detection from the P bit and the VP9 uncompressed header (VP9 bitstream spec 6.2:
 * frame_marker, profile, show_existing_frame, frame_type 0 = KEY_FRAME).
 *
 * ```
 *        0 1 2 3 4 5 6 7
 *       +-+-+-+-+-+-+-+-+
 *       |I|P|L|F|B|E|V|Z| (REQUIRED)
 *  I:   |M| PICTURE ID  | (REQUIRED when I; M: 15-bit with the next octet)
 *  M:   | EXTENDED PID  |
 *  L:   | TID |U| SID |D|
 *       |   TL0PICIDX   | (non-flexible mode only)
 *  P,F: | P_DIFF      |N| (up to 3 times, flexible mode only)
 *  V:   | SS            |
 *
 *  SS:  | N_S |Y|G|-|-|-|
 *  Y:   |  WIDTH, HEIGHT (16 bits each) x (N_S + 1)
 *  G:   |      N_G      |
 *  N_G: | TID |U| R |-|-| then R x P_DIFF octets
 * ```
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, FrameAssembler, MAX_FRAME_BYTES, PAYLOAD_SLAB_BYTES, PayloadSlab, joinPayloads } from './frame.js';
import type { PayloadFormat } from './frame.js';

/** RFC 9628 4.2: at most 3 reference indices (P_DIFF) per picture in flexible mode. */
export const VP9_MAX_P_DIFFS = 3;
/** RFC 9628 4.2.1: N_S is 3 bits, so at most 8 spatial layers. */
export const VP9_MAX_SPATIAL_LAYERS = 8;

export interface Vp9PictureGroupEntry {
  readonly tid: number;
  readonly switchingUp: boolean;
  readonly pDiffs: readonly number[];
}

export interface Vp9ScalabilityStructure {
  /** N_S + 1. */
  readonly spatialLayers: number;
  /** Y: per-layer resolution. */
  readonly resolutions?: readonly { readonly width: number; readonly height: number }[];
  /** G: picture group description. */
  readonly pictureGroup?: readonly Vp9PictureGroupEntry[];
}

export interface Vp9Descriptor {
  /** P: inter-picture predicted (0 on a keyframe's base layer). */
  readonly interPicturePredicted: boolean;
  /** F: flexible mode. */
  readonly flexible: boolean;
  /** B: first packet of a layer frame. */
  readonly startOfFrame: boolean;
  /** E: last packet of a layer frame. */
  readonly endOfFrame: boolean;
  /** Z: not used for inter-layer prediction by higher layers. */
  readonly notUpperReference: boolean;
  readonly pictureId?: number;
  readonly pictureIdBits?: 7 | 15;
  /** L: layer indices. */
  readonly layer?: { readonly tid: number; readonly switchingUp: boolean; readonly sid: number; readonly interLayerDependency: boolean };
  /** Non-flexible mode with L. */
  readonly tl0PicIdx?: number;
  /** Flexible mode with P. */
  readonly pDiffs?: readonly number[];
  readonly scalability?: Vp9ScalabilityStructure;
}

/** Parse the descriptor at the start of a VP9 RTP payload. */
export function parseVp9Descriptor(payload: Uint8Array): { descriptor: Vp9Descriptor; headerBytes: number } {
  const len = payload.length;
  if (len < 1) throw truncated('first octet', 0);
  const b0 = payload[0] as number;
  let at = 1;
  const p = (b0 & 0x40) !== 0;
  const f = (b0 & 0x10) !== 0;
  const d: {
    -readonly [K in keyof Vp9Descriptor]: Vp9Descriptor[K];
  } = {
    interPicturePredicted: p,
    flexible: f,
    startOfFrame: (b0 & 0x08) !== 0,
    endOfFrame: (b0 & 0x04) !== 0,
    notUpperReference: (b0 & 0x01) !== 0,
  };
  if (b0 & 0x80) {
    if (at >= len) throw truncated('picture id', at);
    const x = payload[at++] as number;
    if (x & 0x80) {
      if (at >= len) throw truncated('extended picture id', at);
      d.pictureId = ((x & 0x7f) << 8) | (payload[at++] as number);
      d.pictureIdBits = 15;
    } else {
      d.pictureId = x;
      d.pictureIdBits = 7;
    }
  }
  if (b0 & 0x20) {
    if (at >= len) throw truncated('layer indices', at);
    const x = payload[at++] as number;
    d.layer = { tid: x >> 5, switchingUp: (x & 0x10) !== 0, sid: (x >> 1) & 0x07, interLayerDependency: (x & 0x01) !== 0 };
    if (!f) {
      if (at >= len) throw truncated('TL0PICIDX', at);
      d.tl0PicIdx = payload[at++] as number;
    }
  }
  if (p && f) {
    const diffs: number[] = [];
    for (;;) {
      if (at >= len) throw truncated('P_DIFF', at);
      const x = payload[at++] as number;
      diffs.push(x >> 1);
      if ((x & 1) === 0) break;
      if (diffs.length >= VP9_MAX_P_DIFFS) throw new ParseError('VP9 descriptor: more than 3 P_DIFF', { offset: at });
    }
    d.pDiffs = diffs;
  }
  if (b0 & 0x02) {
    const parsed = parseScalability(payload, at);
    d.scalability = parsed.ss;
    at = parsed.at;
  }
  return { descriptor: d, headerBytes: at };
}

function truncated(what: string, offset: number): ParseError {
  return new ParseError(`VP9 descriptor: truncated at ${what}`, { offset });
}

/** RFC 9628 4.2.1: the scalability structure at `at`; returns it and the offset after it. */
function parseScalability(payload: Uint8Array, start: number): { ss: Vp9ScalabilityStructure; at: number } {
  let at = start;
  const len = payload.length;
  if (at >= len) throw truncated('SS', at);
  const x = payload[at++] as number;
  const spatialLayers = (x >> 5) + 1;
  const ss: { spatialLayers: number; resolutions?: { width: number; height: number }[]; pictureGroup?: Vp9PictureGroupEntry[] } = { spatialLayers };
  if (x & 0x10) {
    ss.resolutions = [];
    for (let k = 0; k < spatialLayers; k++) {
      if (at + 4 > len) throw truncated('resolution', len);
      const width = ((payload[at] as number) << 8) | (payload[at + 1] as number);
      const height = ((payload[at + 2] as number) << 8) | (payload[at + 3] as number);
      at += 4;
      ss.resolutions.push({ width, height });
    }
  }
  if (x & 0x08) {
    if (at >= len) throw truncated('N_G', at);
    const ng = payload[at++] as number;
    ss.pictureGroup = [];
    for (let k = 0; k < ng; k++) {
      if (at >= len) throw truncated('N_G entry', at);
      const y = payload[at++] as number;
      const r = (y >> 2) & 0x03;
      if (at + r > len) throw truncated('N_G P_DIFF', len);
      const pDiffs: number[] = [];
      for (let j = 0; j < r; j++) pDiffs.push(payload[at++] as number);
      ss.pictureGroup.push({ tid: y >> 5, switchingUp: (y & 0x10) !== 0, pDiffs });
    }
  }
  return { ss, at };
}

/** Serialize a descriptor (the inverse of `parseVp9Descriptor`). */
export function serializeVp9Descriptor(d: Vp9Descriptor): Uint8Array {
  const out: number[] = [];
  const i = d.pictureId !== undefined;
  const hasP = d.interPicturePredicted && d.flexible;
  out.push(
    (i ? 0x80 : 0) |
      (d.interPicturePredicted ? 0x40 : 0) |
      (d.layer ? 0x20 : 0) |
      (d.flexible ? 0x10 : 0) |
      (d.startOfFrame ? 0x08 : 0) |
      (d.endOfFrame ? 0x04 : 0) |
      (d.scalability ? 0x02 : 0) |
      (d.notUpperReference ? 0x01 : 0),
  );
  if (d.pictureId !== undefined) {
    if (d.pictureIdBits === 7) out.push(d.pictureId & 0x7f);
    else out.push(0x80 | ((d.pictureId >> 8) & 0x7f), d.pictureId & 0xff);
  }
  if (d.layer) {
    const y = d.layer;
    out.push(((y.tid & 7) << 5) | (y.switchingUp ? 0x10 : 0) | ((y.sid & 7) << 1) | (y.interLayerDependency ? 1 : 0));
    if (!d.flexible) out.push((d.tl0PicIdx ?? 0) & 0xff);
  }
  if (hasP) {
    const diffs = d.pDiffs ?? [];
    if (diffs.length < 1 || diffs.length > VP9_MAX_P_DIFFS) throw new InvalidArgumentError('flexible mode with P needs 1-3 P_DIFF');
    for (let k = 0; k < diffs.length; k++) out.push((((diffs[k] as number) & 0x7f) << 1) | (k < diffs.length - 1 ? 1 : 0));
  }
  if (d.scalability) pushScalability(out, d.scalability);
  return new Uint8Array(out);
}

/** Append the RFC 9628 4.2.1 scalability structure's octets to `out`. */
function pushScalability(out: number[], ss: Vp9ScalabilityStructure): void {
  if (ss.spatialLayers < 1 || ss.spatialLayers > VP9_MAX_SPATIAL_LAYERS) throw new InvalidArgumentError('1-8 spatial layers');
  out.push(((ss.spatialLayers - 1) << 5) | (ss.resolutions ? 0x10 : 0) | (ss.pictureGroup ? 0x08 : 0));
  if (ss.resolutions) {
    if (ss.resolutions.length !== ss.spatialLayers) throw new InvalidArgumentError('one resolution per spatial layer');
    for (const r of ss.resolutions) {
      if (!(isUint16(r.width) && isUint16(r.height))) throw new InvalidArgumentError('SS WIDTH and HEIGHT are 16 bits');
      out.push(r.width >> 8, r.width & 0xff, r.height >> 8, r.height & 0xff);
    }
  }
  if (ss.pictureGroup) {
    if (ss.pictureGroup.length > 255) throw new InvalidArgumentError('N_G is 8 bits');
    out.push(ss.pictureGroup.length);
    for (const g of ss.pictureGroup) {
      if (g.pDiffs.length > 3) throw new InvalidArgumentError('R is 2 bits');
      out.push(((g.tid & 7) << 5) | (g.switchingUp ? 0x10 : 0) | (g.pDiffs.length << 2));
      for (const x of g.pDiffs) out.push(x & 0xff);
    }
  }
}

function isUint16(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff;
}

/** What the VP9 uncompressed header (bitstream spec 6.2) says about a frame. */
export interface Vp9FrameInfo {
  readonly profile: number;
  readonly showExistingFrame: boolean;
  readonly keyframe: boolean;
  /** Present for keyframes. */
  readonly width?: number;
  readonly height?: number;
}

/** VP9 bitstream spec 6.2 frame_sync_code. */
const VP9_SYNC_CODE = [0x49, 0x83, 0x42] as const;
/** VP9 spec 7.2: color_space CS_RGB. */
const VP9_CS_RGB = 7;

/** `n` bits (n <= 16) of `frame` from bit offset `bit`, most significant first (VP9 spec 4.9 f(n)). */
function readBits(frame: Uint8Array, bit: number, n: number): number {
  if ((bit + n + 7) >> 3 > frame.length) throw new ParseError('VP9 uncompressed header truncated', { offset: frame.length });
  let v = 0;
  for (let k = 0; k < n; k++, bit++) v = (v << 1) | (((frame[bit >> 3] as number) >> (7 - (bit & 7))) & 1);
  return v;
}

/** Read the start of the uncompressed header; throws ParseError on a bad frame_marker or sync code. */
export function parseVp9FrameInfo(frame: Uint8Array): Vp9FrameInfo {
  // frame_marker, profile_low_bit, profile_high_bit, [reserved_zero], show_existing_frame
  // and frame_type all sit in the first octet
  if (frame.length < 1) throw new ParseError('VP9 uncompressed header truncated', { offset: 0 });
  const b0 = frame[0] as number;
  if (b0 >> 6 !== 2) throw new ParseError('VP9: frame_marker is not 2', { offset: 0 });
  const profile = (((b0 >> 4) & 1) << 1) | ((b0 >> 5) & 1);
  let bit = profile === 3 ? 5 : 4;
  const showExistingFrame = ((b0 >> (7 - bit)) & 1) === 1;
  if (showExistingFrame) return { profile, showExistingFrame, keyframe: false };
  bit++;
  const keyframe = ((b0 >> (7 - bit)) & 1) === 0;
  if (!keyframe) return { profile, showExistingFrame, keyframe };
  bit += 3; // frame_type, show_frame, error_resilient_mode
  for (const s of VP9_SYNC_CODE) {
    if (readBits(frame, bit, 8) !== s) throw new ParseError('VP9: bad frame_sync_code', { offset: bit >> 3 });
    bit += 8;
  }
  if (profile >= 2) bit++; // ten_or_twelve_bit
  const colorSpace = readBits(frame, bit, 3);
  bit += 3;
  if (colorSpace !== VP9_CS_RGB) {
    bit++; // color_range
    if (profile === 1 || profile === 3) bit += 3; // subsampling_x, subsampling_y, reserved_zero
  } else if (profile === 1 || profile === 3) {
    bit++; // reserved_zero
  }
  const width = readBits(frame, bit, 16) + 1;
  const height = readBits(frame, bit + 16, 16) + 1;
  return { profile, showExistingFrame, keyframe, width, height };
}

/** True when the frame's uncompressed header says KEY_FRAME; false for malformed data. */
export function isVp9Keyframe(frame: Uint8Array): boolean {
  try {
    return parseVp9FrameInfo(frame).keyframe;
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
}

/**
 * The largest first-packet descriptor the packetizer writes: 1 + 2 (picture ID) + 2 (L,
 * TL0PICIDX) + 1 (SS) + 4 (one resolution) + 3 (N_G = 1 with one P_DIFF) = 13, plus one
 * byte of frame data.
 */
export const VP9_MIN_PAYLOAD_BYTES = 14;

/** RFC 9628 4.2.1 picture group of one temporal layer: each picture references the one before (P_DIFF 1). */
const VP9_ONE_LAYER_PICTURE_GROUP: readonly Vp9PictureGroupEntry[] = [{ tid: 0, switchingUp: false, pDiffs: [1] }];

export interface Vp9PacketizerOptions {
  readonly maxPayloadBytes?: number;
  /** RFC 9628 4.2 F bit: 'flexible' (P_DIFF references) or 'non-flexible' (TL0PICIDX), default non-flexible. */
  readonly mode?: 'flexible' | 'non-flexible';
  /** First 15-bit picture ID (RFC 9628 4.2: a random start is recommended). */
  readonly pictureId?: number;
  /** First TL0PICIDX (non-flexible mode with layer indices). */
  readonly tl0PicIdx?: number;
  /**
   * Send the L octet (TID/U/SID/D, and TL0PICIDX in non-flexible mode). libwebrtc sends it
   * only with more than one layer, so the default is false, as Chrome sends one layer.
   */
  readonly layerIndices?: boolean;
}

/** VP9 spec 6.2 / 7.2: in the first octet of a frame, frame_marker is 0b10; then profile_low_bit, profile_high_bit. */
const VP9_FRAME_MARKER = 2;

/**
 * What the first octet of the uncompressed header says (VP9 spec 6.2: frame_marker,
 * profile, reserved_zero for profile 3, show_existing_frame, frame_type): true when the
 * frame may be a keyframe and the rest of the header has to be read, false when it
 * certainly is not one (an inter frame, a shown existing frame, or no VP9 frame marker).
 */
function mayBeVp9Keyframe(b0: number): boolean {
  if (b0 >> 6 !== VP9_FRAME_MARKER) return false;
  // profile 3 (both profile bits set) has a reserved_zero bit before show_existing_frame
  const flags = (b0 & 0x30) === 0x30 ? b0 << 1 : b0;
  return (flags & 0x0c) === 0; // show_existing_frame = 0 and frame_type = KEY_FRAME (0)
}

/**
 * Payloads of frames up to half this size are carved from shared slabs of it, one
 * allocation per several frames as Node's Buffer pool does; larger frames get a buffer
 * of their own. A payload still held keeps at most its one slab alive.
 */
export const VP9_PAYLOAD_SLAB_BYTES = PAYLOAD_SLAB_BYTES;

/**
 * Splits VP9 frames into RTP payloads the way libwebrtc does for one spatial and one
 * temporal layer: 15-bit picture ID, optional layer indices, P from the uncompressed header, and
 * on keyframes a scalability structure with the resolution (and, in non-flexible mode,
 * the picture group).
 *
 * The descriptor octets are written straight into a slab (`VP9_PAYLOAD_SLAB_BYTES`), each
 * payload a view into it (no allocation per packet, nor per frame); the frame header
 * is read once, and only past its first octet on keyframes; the scalability structure's
 * octets are kept while the resolution stays the same.
 */
export class Vp9Packetizer {
  readonly maxPayloadBytes: number;
  readonly flexible: boolean;
  private pictureId: number;
  private tl0PicIdx: number;
  private readonly layerIndices: boolean;
  /** The SS octets of the last keyframe and the resolution they describe. */
  private ssBytes: Uint8Array | undefined;
  private ssWidth = -1;
  private ssHeight = -1;
  /** Where payloads are written: every octet of a frame's range is written before it is handed out. */
  private readonly slab = new PayloadSlab();

  constructor(opts: Vp9PacketizerOptions = {}) {
    const max = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < VP9_MIN_PAYLOAD_BYTES) throw new InvalidArgumentError(`maxPayloadBytes must be at least ${VP9_MIN_PAYLOAD_BYTES}`);
    this.maxPayloadBytes = max;
    this.flexible = opts.mode === 'flexible';
    this.pictureId = (opts.pictureId ?? 0) & 0x7fff;
    this.tl0PicIdx = (opts.tl0PicIdx ?? 0) & 0xff;
    this.layerIndices = opts.layerIndices ?? false;
  }

  packetize(frame: Uint8Array): Uint8Array[] {
    const n = frame.length;
    if (n === 0) throw new InvalidArgumentError('empty VP9 frame');
    // SS on a keyframe's first packet (RFC 9628 4.2.1); a keyframe is one the header says so of
    const ss = mayBeVp9Keyframe(frame[0] as number) ? this.keyframeScalability(frame) : undefined;
    const keyframe = ss !== undefined;
    const flexible = this.flexible;
    const layerIndices = this.layerIndices;
    const pictureId = this.pictureId;
    this.pictureId = (pictureId + 1) & 0x7fff;
    const tl0PicIdx = this.tl0PicIdx;
    this.tl0PicIdx = (tl0PicIdx + 1) & 0xff;
    // RFC 9628 4.2: I (15-bit M picture ID), P, L, F; Z: with one spatial layer no upper
    // layer refers to this one (libwebrtc sets it too)
    const octet0 = 0x80 | (keyframe ? 0 : 0x40) | (layerIndices ? 0x20 : 0) | (flexible ? 0x10 : 0) | 0x01;
    const pid0 = 0x80 | (pictureId >> 8);
    const pid1 = pictureId & 0xff;
    // one reference (P_DIFF 1, N = 0) in flexible mode on inter pictures
    const pDiff = flexible && !keyframe;
    const headerBytes = 3 + (layerIndices ? (flexible ? 1 : 2) : 0) + (pDiff ? 1 : 0);
    const ssLength = ss === undefined ? 0 : ss.length;
    const max = this.maxPayloadBytes;
    const firstRoom = max - headerBytes - ssLength;
    const count = n <= firstRoom ? 1 : 1 + Math.ceil((n - firstRoom) / (max - headerBytes));
    const total = headerBytes * count + ssLength + n;
    const { buf, offset } = this.slab.reserve(total);
    let w = offset;
    const out: Uint8Array[] = [];
    let at = 0;
    for (let k = 0; k < count; k++) {
      const start = w;
      const room = k === 0 ? firstRoom : max - headerBytes;
      const end = n - at <= room ? n : at + room;
      // B on the first packet (with V when it carries the SS), E on the last (RFC 9628 4.2)
      buf[w] = octet0 | (k === 0 ? (keyframe ? 0x0a : 0x08) : 0) | (end === n ? 0x04 : 0);
      buf[w + 1] = pid0;
      buf[w + 2] = pid1;
      w += 3;
      if (layerIndices) {
        buf[w++] = 0; // TID 0, U 0, SID 0, D 0
        if (!flexible) buf[w++] = tl0PicIdx;
      }
      if (pDiff) buf[w++] = 0x02;
      if (k === 0 && ss !== undefined) {
        buf.set(ss, w);
        w += ssLength;
      }
      buf.set(at === 0 && end === n ? frame : frame.subarray(at, end), w);
      w += end - at;
      at = end;
      out.push(buf.subarray(start, w));
    }
    return out;
  }

  /** The SS octets for a keyframe (cached per resolution), or undefined when the header is not a keyframe's. */
  private keyframeScalability(frame: Uint8Array): Uint8Array | undefined {
    let info: Vp9FrameInfo;
    try {
      info = parseVp9FrameInfo(frame);
    } catch (e) {
      if (e instanceof ParseError) return undefined;
      throw e;
    }
    if (!info.keyframe || info.width === undefined || info.height === undefined) return undefined;
    if (this.ssBytes === undefined || info.width !== this.ssWidth || info.height !== this.ssHeight) {
      const octets: number[] = [];
      pushScalability(octets, {
        spatialLayers: 1,
        // VP9 sizes reach 65536 (16 bits of size - 1), SS fields are 16 bits: Y only when they fit
        ...(isUint16(info.width) && isUint16(info.height) ? { resolutions: [{ width: info.width, height: info.height }] } : {}),
        // non-flexible mode describes its picture group (libwebrtc's one-layer GOF: T0 refers to the previous picture)
        ...(this.flexible ? {} : { pictureGroup: VP9_ONE_LAYER_PICTURE_GROUP }),
      });
      this.ssBytes = Uint8Array.from(octets);
      this.ssWidth = info.width;
      this.ssHeight = info.height;
    }
    return this.ssBytes;
  }
}

/**
 * The descriptor's length in octets, read as `parseVp9Descriptor` reads it (and throwing
 * the same ParseErrors) without building the descriptor: the depacketizer's path.
 */
function vp9DescriptorBytes(payload: Uint8Array): number {
  const len = payload.length;
  if (len < 1) throw truncated('first octet', 0);
  const b0 = payload[0] as number;
  let at = 1;
  if (b0 & 0x80) {
    if (at >= len) throw truncated('picture id', at);
    at += (payload[at] as number) & 0x80 ? 2 : 1;
    if (at > len) throw truncated('extended picture id', len);
  }
  if (b0 & 0x20) {
    at += b0 & 0x10 ? 1 : 2; // TL0PICIDX in non-flexible mode
    if (at > len) throw truncated('layer indices', len);
  }
  if ((b0 & 0x50) === 0x50) {
    for (let k = 1; ; k++) {
      if (at >= len) throw truncated('P_DIFF', at);
      if (((payload[at++] as number) & 1) === 0) break;
      if (k >= VP9_MAX_P_DIFFS) throw new ParseError('VP9 descriptor: more than 3 P_DIFF', { offset: at });
    }
  }
  if (b0 & 0x02) at = parseScalability(payload, at).at;
  return at;
}

/** Join one frame's payloads (descriptors removed); throws ParseError if B/E do not frame the run. */
export function depacketizeVp9(payloads: readonly Uint8Array[]): Uint8Array {
  const first = payloads[0];
  if (first === undefined) throw new ParseError('VP9: no payloads');
  vp9DescriptorBytes(first);
  if (((first[0] as number) & 0x08) === 0) throw new ParseError('VP9: first payload of a frame without B');
  return joinPayloads(payloads, vp9DescriptorBytes);
}

/**
 * True when a payload begins a keyframe: B set, P clear, base spatial layer, and the
 * uncompressed header says KEY_FRAME when this payload holds enough of it (with a small
 * MTU the header may continue in the next packet; then the P bit decides).
 */
export function isVp9KeyframePayload(payload: Uint8Array): boolean {
  const { descriptor, headerBytes } = parseVp9Descriptor(payload);
  if (!descriptor.startOfFrame || descriptor.interPicturePredicted || (descriptor.layer?.sid ?? 0) !== 0) return false;
  try {
    return parseVp9FrameInfo(payload.subarray(headerBytes)).keyframe;
  } catch (e) {
    if (e instanceof ParseError) return true;
    throw e;
  }
}

export const vp9Format: PayloadFormat = {
  name: 'VP9',
  depacketize: depacketizeVp9,
  isFrameStart(payload) {
    return parseVp9Descriptor(payload).descriptor.startOfFrame;
  },
  isKeyframe: isVp9Keyframe,
};

/** Reassembles VP9 frames from RTP packets in sequence order. */
export class Vp9Depacketizer extends FrameAssembler {
  constructor() {
    super(vp9Format);
  }
}
