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
import { DEFAULT_MAX_PAYLOAD_BYTES, FrameAssembler, MAX_FRAME_BYTES, joinBytes } from './frame.js';
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
  let at = 0;
  const u8 = (what: string): number => {
    const v = payload[at];
    if (v === undefined) throw new ParseError(`VP9 descriptor: truncated at ${what}`, { offset: at });
    at++;
    return v;
  };
  const b0 = u8('first octet');
  const i = (b0 & 0x80) !== 0;
  const p = (b0 & 0x40) !== 0;
  const l = (b0 & 0x20) !== 0;
  const f = (b0 & 0x10) !== 0;
  const v = (b0 & 0x02) !== 0;
  const d: {
    -readonly [K in keyof Vp9Descriptor]: Vp9Descriptor[K];
  } = {
    interPicturePredicted: p,
    flexible: f,
    startOfFrame: (b0 & 0x08) !== 0,
    endOfFrame: (b0 & 0x04) !== 0,
    notUpperReference: (b0 & 0x01) !== 0,
  };
  if (i) {
    const x = u8('picture id');
    if (x & 0x80) {
      d.pictureId = ((x & 0x7f) << 8) | u8('extended picture id');
      d.pictureIdBits = 15;
    } else {
      d.pictureId = x;
      d.pictureIdBits = 7;
    }
  }
  if (l) {
    const x = u8('layer indices');
    d.layer = { tid: x >> 5, switchingUp: (x & 0x10) !== 0, sid: (x >> 1) & 0x07, interLayerDependency: (x & 0x01) !== 0 };
    if (!f) d.tl0PicIdx = u8('TL0PICIDX');
  }
  if (p && f) {
    const diffs: number[] = [];
    for (;;) {
      const x = u8('P_DIFF');
      diffs.push(x >> 1);
      if ((x & 1) === 0) break;
      if (diffs.length >= VP9_MAX_P_DIFFS) throw new ParseError('VP9 descriptor: more than 3 P_DIFF', { offset: at });
    }
    d.pDiffs = diffs;
  }
  if (v) {
    const x = u8('SS');
    const spatialLayers = (x >> 5) + 1;
    const ss: { spatialLayers: number; resolutions?: { width: number; height: number }[]; pictureGroup?: Vp9PictureGroupEntry[] } = { spatialLayers };
    if (x & 0x10) {
      ss.resolutions = [];
      for (let k = 0; k < spatialLayers; k++) {
        const width = (u8('width') << 8) | u8('width');
        const height = (u8('height') << 8) | u8('height');
        ss.resolutions.push({ width, height });
      }
    }
    if (x & 0x08) {
      const ng = u8('N_G');
      ss.pictureGroup = [];
      for (let k = 0; k < ng; k++) {
        const y = u8('N_G entry');
        const r = (y >> 2) & 0x03;
        const pDiffs: number[] = [];
        for (let j = 0; j < r; j++) pDiffs.push(u8('N_G P_DIFF'));
        ss.pictureGroup.push({ tid: y >> 5, switchingUp: (y & 0x10) !== 0, pDiffs });
      }
    }
    d.scalability = ss;
  }
  return { descriptor: d, headerBytes: at };
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
  if (d.scalability) {
    const ss = d.scalability;
    if (ss.spatialLayers < 1 || ss.spatialLayers > VP9_MAX_SPATIAL_LAYERS) throw new InvalidArgumentError('1-8 spatial layers');
    out.push(((ss.spatialLayers - 1) << 5) | (ss.resolutions ? 0x10 : 0) | (ss.pictureGroup ? 0x08 : 0));
    if (ss.resolutions) {
      if (ss.resolutions.length !== ss.spatialLayers) throw new InvalidArgumentError('one resolution per spatial layer');
      for (const r of ss.resolutions) out.push((r.width >> 8) & 0xff, r.width & 0xff, (r.height >> 8) & 0xff, r.height & 0xff);
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
  return new Uint8Array(out);
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

/** Read the start of the uncompressed header; throws ParseError on a bad frame_marker or sync code. */
export function parseVp9FrameInfo(frame: Uint8Array): Vp9FrameInfo {
  let bit = 0;
  const read = (n: number): number => {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const byte = frame[bit >> 3];
      if (byte === undefined) throw new ParseError('VP9 uncompressed header truncated', { offset: bit >> 3 });
      v = (v << 1) | ((byte >> (7 - (bit & 7))) & 1);
      bit++;
    }
    return v;
  };
  if (read(2) !== 2) throw new ParseError('VP9: frame_marker is not 2', { offset: 0 });
  const low = read(1);
  const high = read(1);
  const profile = (high << 1) | low;
  if (profile === 3) read(1);
  const showExistingFrame = read(1) === 1;
  if (showExistingFrame) return { profile, showExistingFrame, keyframe: false };
  const keyframe = read(1) === 0;
  if (!keyframe) return { profile, showExistingFrame, keyframe };
  read(1); // show_frame
  read(1); // error_resilient_mode
  for (const s of VP9_SYNC_CODE) if (read(8) !== s) throw new ParseError('VP9: bad frame_sync_code', { offset: bit >> 3 });
  if (profile >= 2) read(1); // ten_or_twelve_bit
  const colorSpace = read(3);
  if (colorSpace !== VP9_CS_RGB) {
    read(1); // color_range
    if (profile === 1 || profile === 3) read(3); // subsampling_x, subsampling_y, reserved_zero
  } else if (profile === 1 || profile === 3) {
    read(1);
  }
  const width = read(16) + 1;
  const height = read(16) + 1;
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

/**
 * Splits VP9 frames into RTP payloads the way libwebrtc does for one spatial and one
 * temporal layer: 15-bit picture ID, optional layer indices, P from the uncompressed header, and
 * on keyframes a scalability structure with the resolution (and, in non-flexible mode,
 * the picture group).
 */
export class Vp9Packetizer {
  readonly maxPayloadBytes: number;
  readonly flexible: boolean;
  private pictureId: number;
  private tl0PicIdx: number;
  private readonly layerIndices: boolean;

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
    if (frame.length === 0) throw new InvalidArgumentError('empty VP9 frame');
    let info: Vp9FrameInfo | undefined;
    try {
      info = parseVp9FrameInfo(frame);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
    const keyframe = info?.keyframe ?? false;
    const pictureId = this.pictureId;
    this.pictureId = (pictureId + 1) & 0x7fff;
    const tl0PicIdx = this.tl0PicIdx;
    this.tl0PicIdx = (tl0PicIdx + 1) & 0xff;
    const base = {
      interPicturePredicted: !keyframe,
      flexible: this.flexible,
      // Z: with one spatial layer no upper layer refers to this one (libwebrtc sets it too)
      notUpperReference: true,
      pictureId,
      pictureIdBits: 15 as const,
      ...(this.layerIndices ? { layer: { tid: 0, switchingUp: false, sid: 0, interLayerDependency: false }, ...(this.flexible ? {} : { tl0PicIdx }) } : {}),
      ...(this.flexible && !keyframe ? { pDiffs: [1] } : {}),
    };
    const scalability: Vp9ScalabilityStructure | undefined =
      keyframe && info?.width !== undefined && info.height !== undefined
        ? {
            spatialLayers: 1,
            resolutions: [{ width: info.width, height: info.height }],
            // non-flexible mode describes its picture group (libwebrtc's one-layer GOF: T0 refers to the previous picture)
            ...(this.flexible ? {} : { pictureGroup: VP9_ONE_LAYER_PICTURE_GROUP }),
          }
        : undefined;
    // four descriptor variants at most: first/middle x end/not end (B, E and SS differ)
    const firstHeader = serializeVp9Descriptor({ ...base, startOfFrame: true, endOfFrame: false, scalability });
    const out: Uint8Array[] = [];
    if (firstHeader.length + frame.length <= this.maxPayloadBytes) {
      firstHeader[0] = (firstHeader[0] as number) | 0x04; // E: the frame fits in one packet
      out.push(joinBytes([firstHeader, frame]));
      return out;
    }
    // middle and last packets differ only in E (0x04 of the first octet)
    const middle = serializeVp9Descriptor({ ...base, startOfFrame: false, endOfFrame: false });
    // one allocation for the whole frame; each payload is a view into it
    const firstRoom = this.maxPayloadBytes - firstHeader.length;
    const room = this.maxPayloadBytes - middle.length;
    const count = 1 + Math.ceil((frame.length - firstRoom) / room);
    const buf = new Uint8Array(firstHeader.length + middle.length * (count - 1) + frame.length);
    buf.set(firstHeader, 0);
    buf.set(frame.subarray(0, firstRoom), firstHeader.length);
    out.push(buf.subarray(0, this.maxPayloadBytes));
    let w = this.maxPayloadBytes;
    for (let at = firstRoom; at < frame.length; at += room) {
      const end = Math.min(frame.length, at + room);
      const start = w;
      for (let k = 0; k < middle.length; k++) buf[w + k] = middle[k] as number;
      if (end === frame.length) buf[w] = (buf[w] as number) | 0x04;
      w += middle.length;
      buf.set(frame.subarray(at, end), w);
      w += end - at;
      out.push(buf.subarray(start, w));
    }
    return out;
  }
}

/** Join one frame's payloads (descriptors removed); throws ParseError if B/E do not frame the run. */
export function depacketizeVp9(payloads: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  payloads.forEach((p, k) => {
    const { descriptor, headerBytes } = parseVp9Descriptor(p);
    if (k === 0 && !descriptor.startOfFrame) throw new ParseError('VP9: first payload of a frame without B');
    const data = p.subarray(headerBytes);
    size += data.length;
    if (size > MAX_FRAME_BYTES) throw new ParseError('VP9: frame exceeds MAX_FRAME_BYTES');
    parts.push(data);
  });
  if (parts.length === 0) throw new ParseError('VP9: no payloads');
  return joinBytes(parts);
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
