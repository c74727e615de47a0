/**
 * @module media/vp8
 * RTP payload format for VP8 (RFC 7741): the payload descriptor (section 4.2), the
 * payload header's inverse key frame bit (4.3, from RFC 6386 9.1), packetization of a
 * frame into payloads (4.4: S=1 and PID=0 on the first packet only, marker on the last)
 * and reassembly of frames from packets.
 *
 * ```
 *      0 1 2 3 4 5 6 7
 *     +-+-+-+-+-+-+-+-+
 *     |X|R|N|S|R| PID | (REQUIRED)
 * X:  |I|L|T|K| RSV   | (OPTIONAL)
 * I:  |M| PictureID   | (OPTIONAL, second octet when M = 1)
 * L:  |   TL0PICIDX   | (OPTIONAL)
 * T/K:|TID|Y| KEYIDX  | (OPTIONAL)
 * ```
 */
import { ParseError, InvalidArgumentError } from '../common/errors.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { PAYLOAD_SLAB_BYTES, PayloadSlab, joinPayloads } from './frame.js';

export interface Vp8Descriptor {
  /** N: the frame can be discarded without affecting others. */
  readonly nonReference: boolean;
  /** S: the payload starts a VP8 partition (always set on a frame's first packet). */
  readonly start: boolean;
  /** PID: partition index, 0-7. */
  readonly partitionIndex: number;
  /** PictureID, 7 or 15 bits (see `pictureIdBits`). */
  readonly pictureId?: number;
  readonly pictureIdBits?: 7 | 15;
  readonly tl0PicIdx?: number;
  /** TID (T bit) and the layer sync bit Y. */
  readonly temporalLayer?: { readonly tid: number; readonly layerSync: boolean };
  /** KEYIDX (K bit). */
  readonly keyIdx?: number;
}

/** RFC 7741 4.2: the largest descriptor (1 + X + 2-byte PictureID + TL0PICIDX + TID/KEYIDX). */
export const VP8_MAX_DESCRIPTOR_BYTES = 6;
/** RFC 6386 9.1: a key frame's uncompressed chunk begins 3 bytes of frame tag then the start code 9d 01 2a. */
export const VP8_KEYFRAME_START_CODE = Uint8Array.of(0x9d, 0x01, 0x2a);

/** Parse the descriptor at the start of an RTP payload; `headerBytes` is its length. */
export function parseVp8Descriptor(payload: Uint8Array): { descriptor: Vp8Descriptor; headerBytes: number } {
  const need = (n: number) => {
    if (n > payload.length) throw new ParseError(`VP8 descriptor: needs ${n} bytes, payload has ${payload.length}`, { offset: payload.length });
  };
  need(1);
  const b0 = payload[0] as number;
  let at = 1;
  const base = { nonReference: (b0 & 0x20) !== 0, start: (b0 & 0x10) !== 0, partitionIndex: b0 & 0x07 };
  if ((b0 & 0x80) === 0) return { descriptor: base, headerBytes: 1 };
  need(2);
  const x = payload[at++] as number;
  const d: {
    nonReference: boolean;
    start: boolean;
    partitionIndex: number;
    pictureId?: number;
    pictureIdBits?: 7 | 15;
    tl0PicIdx?: number;
    temporalLayer?: { tid: number; layerSync: boolean };
    keyIdx?: number;
  } = base;
  if (x & 0x80) {
    need(at + 1);
    const p = payload[at++] as number;
    if (p & 0x80) {
      need(at + 1);
      d.pictureId = ((p & 0x7f) << 8) | (payload[at++] as number);
      d.pictureIdBits = 15;
    } else {
      d.pictureId = p;
      d.pictureIdBits = 7;
    }
  }
  if (x & 0x40) {
    need(at + 1);
    d.tl0PicIdx = payload[at++] as number;
  }
  if (x & 0x30) {
    need(at + 1);
    const t = payload[at++] as number;
    if (x & 0x20) d.temporalLayer = { tid: t >>> 6, layerSync: (t & 0x20) !== 0 };
    if (x & 0x10) d.keyIdx = t & 0x1f;
  }
  return { descriptor: d, headerBytes: at };
}

/** Serialize a descriptor. */
export function serializeVp8Descriptor(d: Vp8Descriptor): Uint8Array {
  if (!(d.partitionIndex >= 0 && d.partitionIndex <= 7)) throw new InvalidArgumentError('VP8 PID must be 0-7');
  const out: number[] = [];
  const hasI = d.pictureId !== undefined;
  const hasL = d.tl0PicIdx !== undefined;
  const hasT = d.temporalLayer !== undefined;
  const hasK = d.keyIdx !== undefined;
  const x = hasI || hasL || hasT || hasK;
  out.push((x ? 0x80 : 0) | (d.nonReference ? 0x20 : 0) | (d.start ? 0x10 : 0) | d.partitionIndex);
  if (x) out.push((hasI ? 0x80 : 0) | (hasL ? 0x40 : 0) | (hasT ? 0x20 : 0) | (hasK ? 0x10 : 0));
  if (d.pictureId !== undefined) {
    const bits = d.pictureIdBits ?? 15;
    if (bits === 7) {
      if (!(d.pictureId >= 0 && d.pictureId <= 0x7f)) throw new InvalidArgumentError('7-bit PictureID out of range');
      out.push(d.pictureId);
    } else {
      if (!(d.pictureId >= 0 && d.pictureId <= 0x7fff)) throw new InvalidArgumentError('15-bit PictureID out of range');
      out.push(0x80 | (d.pictureId >>> 8), d.pictureId & 0xff);
    }
  }
  if (d.tl0PicIdx !== undefined) out.push(d.tl0PicIdx & 0xff);
  if (hasT || hasK) out.push(((d.temporalLayer?.tid ?? 0) & 3) << 6 | (d.temporalLayer?.layerSync ? 0x20 : 0) | ((d.keyIdx ?? 0) & 0x1f));
  return Uint8Array.from(out);
}

/** RFC 6386 9.1 / RFC 7741 4.3: the frame's P bit is 0 for a key frame. */
export function isVp8KeyframeData(frame: Uint8Array): boolean {
  return frame.length >= 1 && ((frame[0] as number) & 0x01) === 0;
}

/** True when this RTP payload begins a key frame (S=1, PID=0 and the payload header's P bit clear). */
export function isVp8KeyframePayload(payload: Uint8Array): boolean {
  const { descriptor, headerBytes } = parseVp8Descriptor(payload);
  return descriptor.start && descriptor.partitionIndex === 0 && isVp8KeyframeData(payload.subarray(headerBytes));
}

/** RFC 7741 4.2: the descriptor the packetizer writes: X, then I with a 15-bit (M) PictureID. */
const VP8_PACKETIZER_DESCRIPTOR_BYTES = 4;

/**
 * Payloads of frames up to half this size are carved from shared slabs of it, one
 * allocation per several frames as Node's Buffer pool does; larger frames get a buffer
 * of their own. A payload still held keeps at most its one slab alive.
 */
export const VP8_PAYLOAD_SLAB_BYTES = PAYLOAD_SLAB_BYTES;

/**
 * Splits frames into RTP payloads (RFC 7741 4.4, partition boundaries ignored: PID 0, S on
 * the first packet). The descriptors and the frame's bytes are written into one slab
 * (`VP8_PAYLOAD_SLAB_BYTES`), each payload a view into it: no allocation per packet.
 */
export class Vp8Packetizer {
  readonly maxPayloadBytes: number;
  private pictureId: number;
  /** Where payloads are written: every octet of a frame's range is written before it is handed out. */
  private readonly slab = new PayloadSlab();

  /** `pictureId`: the first 15-bit PictureID (RFC 7741 4.2: may start at a random value). */
  constructor(opts: { readonly maxPayloadBytes: number; readonly pictureId?: number }) {
    if (!(opts.maxPayloadBytes > VP8_MAX_DESCRIPTOR_BYTES)) throw new InvalidArgumentError('maxPayloadBytes must leave room for payload data');
    this.maxPayloadBytes = opts.maxPayloadBytes;
    this.pictureId = (opts.pictureId ?? 0) & 0x7fff;
  }

  /** The payloads of one frame, in order; the caller sets the RTP marker on the last one. */
  packetize(frame: Uint8Array): Uint8Array[] {
    const n = frame.length;
    if (n === 0) throw new InvalidArgumentError('empty VP8 frame');
    const pictureId = this.pictureId;
    this.pictureId = (pictureId + 1) & 0x7fff;
    const room = Math.floor(this.maxPayloadBytes) - VP8_PACKETIZER_DESCRIPTOR_BYTES;
    const count = Math.ceil(n / room);
    const total = VP8_PACKETIZER_DESCRIPTOR_BYTES * count + n;
    const { buf, offset } = this.slab.reserve(total);
    let w = offset;
    const out: Uint8Array[] = [];
    for (let at = 0; at < n; at += room) {
      const end = n - at <= room ? n : at + room;
      const start = w;
      buf[w] = at === 0 ? 0x90 : 0x80; // X, S on the first packet only, PID 0
      buf[w + 1] = 0x80; // I
      buf[w + 2] = 0x80 | (pictureId >> 8); // M: 15-bit PictureID
      buf[w + 3] = pictureId & 0xff;
      w += VP8_PACKETIZER_DESCRIPTOR_BYTES;
      buf.set(at === 0 && end === n ? frame : frame.subarray(at, end), w);
      w += end - at;
      out.push(buf.subarray(start, w));
    }
    return out;
  }
}

/**
 * The descriptor's length in octets (RFC 7741 4.2: X adds an octet, then I one or two
 * (M), L one, and T or K one between them), without building the descriptor; throws
 * ParseError as `parseVp8Descriptor` does.
 */
function vp8DescriptorBytes(payload: Uint8Array): number {
  const len = payload.length;
  if (len < 1) throw new ParseError(`VP8 descriptor: needs 1 bytes, payload has ${len}`, { offset: len });
  if (((payload[0] as number) & 0x80) === 0) return 1;
  if (len < 2) throw new ParseError(`VP8 descriptor: needs 2 bytes, payload has ${len}`, { offset: len });
  const x = payload[1] as number;
  let n = 2;
  if (x & 0x80) n += len > 2 && (payload[2] as number) & 0x80 ? 2 : 1;
  if (x & 0x40) n++;
  if (x & 0x30) n++;
  if (n > len) throw new ParseError(`VP8 descriptor: needs ${n} bytes, payload has ${len}`, { offset: len });
  return n;
}

/** Join the payload data (descriptors removed) of one frame's payloads, in order. */
export function depacketizeVp8(payloads: readonly Uint8Array[]): Uint8Array {
  return joinPayloads(payloads, vp8DescriptorBytes);
}

/** Bound on a reassembled frame (RFC 6386 allows 16383x16383; real frames are far smaller). */
export const VP8_MAX_FRAME_BYTES = 8 * 1024 * 1024;

export interface Vp8Frame {
  readonly data: Uint8Array;
  readonly timestamp: number;
  readonly keyframe: boolean;
  readonly pictureId: number | undefined;
}

/**
 * Reassembles frames from RTP packets given in sequence order (after a jitter buffer). A
 * frame is emitted when its marker packet arrives and every packet since its S=1, PID=0
 * start was consecutive with the same timestamp; otherwise it is dropped and counted.
 */
export class Vp8Depacketizer {
  /** Frames dropped for a gap, a timestamp change or the size bound. */
  droppedFrames = 0;
  private parts: Uint8Array[] = [];
  private size = 0;
  private timestamp = 0;
  private nextSeq = -1;
  private pictureId: number | undefined;
  private active = false;

  /** Push one packet; returns a complete frame when this packet finishes one. Malformed descriptors drop the frame. */
  push(packet: RtpPacket): Vp8Frame | undefined {
    let parsed: { descriptor: Vp8Descriptor; headerBytes: number };
    try {
      parsed = parseVp8Descriptor(packet.payload);
    } catch {
      this.drop();
      return undefined;
    }
    const { descriptor, headerBytes } = parsed;
    const data = packet.payload.subarray(headerBytes);
    if (descriptor.start && descriptor.partitionIndex === 0) {
      if (this.active) this.drop();
      this.active = true;
      this.parts = [];
      this.size = 0;
      this.timestamp = packet.timestamp;
      this.pictureId = descriptor.pictureId;
    } else if (!this.active || packet.sequenceNumber !== this.nextSeq || packet.timestamp !== this.timestamp) {
      if (this.active) this.drop();
      return undefined;
    }
    this.nextSeq = (packet.sequenceNumber + 1) & 0xffff;
    if (this.size + data.length > VP8_MAX_FRAME_BYTES) {
      this.drop();
      return undefined;
    }
    this.parts.push(data);
    this.size += data.length;
    if (!packet.marker) return undefined;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    this.active = false;
    this.parts = [];
    this.size = 0;
    return { data: out, timestamp: this.timestamp, keyframe: isVp8KeyframeData(out), pictureId: this.pictureId };
  }

  private drop(): void {
    if (this.active) this.droppedFrames++;
    this.active = false;
    this.parts = [];
    this.size = 0;
  }
}
