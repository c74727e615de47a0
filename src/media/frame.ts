/**
 * @module media/frame
 * Shared shapes for RTP video payload formats: an encoded frame, the codec hooks a
 * payload format gives (depacketize, frame start, keyframe), and a frame assembler that
 * applies RFC 3550 5.1's framing rules to packets in sequence order: packets of one
 * frame share a timestamp, the marker bit ends a video frame, and a timestamp change
 * also ends one (RFC 6184 5.1, RFC 9628 4.1, AV1 RTP 7.1 all follow these rules).
 */
import { ParseError } from '../common/errors.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { concatBytes } from '../common/bytes.js';

/** An encoded media frame (an access unit / picture / temporal unit). */
export interface EncodedFrame {
  readonly data: Uint8Array;
  /** RTP timestamp (media clock units). */
  readonly timestamp: number;
  readonly keyframe: boolean;
}

/** The default RTP payload budget: 1200 bytes keeps a packet under common path MTUs with SRTP, TURN and IPv6 headers. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1200;

/** Bound on one reassembled frame (a 4K intra frame is a few MB; this leaves room and stops floods). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Bound on packets in one frame (16 MB at 1200 bytes/packet). */
export const MAX_PACKETS_PER_FRAME = 16 * 1024;

/** What a video payload format provides to assemblers and the jitter buffer. */
export interface PayloadFormat {
  /** Codec name for diagnostics. */
  readonly name: string;
  /** Join one frame's payloads (in sequence order) into the frame's bitstream; throws ParseError. */
  depacketize(payloads: readonly Uint8Array[]): Uint8Array;
  /** True when the payload certainly begins a frame (used to resynchronise after loss). */
  isFrameStart(payload: Uint8Array): boolean;
  /** True when the depacketized frame is a keyframe (decodable on its own). */
  isKeyframe(frame: Uint8Array): boolean;
}

/**
 * Payloads of frames up to half this size are carved from shared slabs of it, one after
 * another (as Node's Buffer pool does); larger frames get a buffer of their own. A payload
 * still held keeps at most its one slab alive, and no byte is handed out twice.
 */
export const PAYLOAD_SLAB_BYTES = 64 * 1024;

/** Fresh room for one frame's packets: a packetizer writes them all into one buffer. */
export class PayloadSlab {
  private slab = new Uint8Array(0);
  private used = 0;

  /** `bytes` of room nobody else holds: the buffer and the offset to write at. */
  reserve(bytes: number): { readonly buf: Uint8Array; readonly offset: number } {
    if (bytes > PAYLOAD_SLAB_BYTES / 2) return { buf: new Uint8Array(bytes), offset: 0 };
    if (this.used + bytes > this.slab.length) {
      this.slab = new Uint8Array(PAYLOAD_SLAB_BYTES);
      this.used = 0;
    }
    const offset = this.used;
    this.used += bytes;
    return { buf: this.slab, offset };
  }
}

/** Splits frames into RTP payloads; the caller sets the marker bit on the last payload. */
export interface Packetizer {
  packetize(frame: Uint8Array): Uint8Array[];
}

/**
 * One frame's bitstream from its payloads in order, each without its payload descriptor
 * (`descriptorBytes(p)` long, which throws ParseError on a malformed one): one allocation,
 * one copy. Throws ParseError past MAX_FRAME_BYTES.
 */
export function joinPayloads(payloads: readonly Uint8Array[], descriptorBytes: (payload: Uint8Array) => number): Uint8Array {
  let size = 0;
  for (const p of payloads) {
    size += p.length - descriptorBytes(p);
    if (size > MAX_FRAME_BYTES) throw new ParseError('frame exceeds MAX_FRAME_BYTES');
  }
  const out = new Uint8Array(size);
  let w = 0;
  for (const p of payloads) {
    const h = descriptorBytes(p);
    out.set(p.subarray(h), w);
    w += p.length - h;
  }
  return out;
}

/** Concatenate parts into one new array. */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...parts);
}

/**
 * Reassembles frames from packets handed in sequence order (the output of a jitter
 * buffer, or a lossless link). A frame is emitted on its marker packet when every packet
 * since its start was consecutive with one timestamp. After a gap, packets are dropped
 * until one that follows a marker packet or that the format says starts a frame.
 * Malformed payloads drop the frame and are counted; `push` never throws on input.
 * Payloads are held by reference until their frame completes.
 */
export class FrameAssembler {
  readonly format: PayloadFormat;
  /** Frames dropped for a gap, a malformed payload or a bound. */
  droppedFrames = 0;
  private payloads: Uint8Array[] = [];
  private size = 0;
  private timestamp = 0;
  private lastSeq = -1;
  private lastWasEnd = false;
  private lastTimestamp = 0;
  private active = false;

  constructor(format: PayloadFormat) {
    this.format = format;
  }

  push(packet: RtpPacket): EncodedFrame | undefined {
    const consecutive = this.lastSeq >= 0 && packet.sequenceNumber === ((this.lastSeq + 1) & 0xffff);
    // the previous packet ended a frame (marker), or this one changes the timestamp (RFC 3550 5.1)
    const afterEnd = consecutive && (this.lastWasEnd || packet.timestamp !== this.lastTimestamp);
    this.lastSeq = packet.sequenceNumber;
    this.lastWasEnd = packet.marker;
    this.lastTimestamp = packet.timestamp;
    if (this.active && (!consecutive || packet.timestamp !== this.timestamp)) this.drop();
    if (!this.active) {
      let start = afterEnd;
      if (!start) {
        try {
          start = this.format.isFrameStart(packet.payload);
        } catch {
          start = false;
        }
      }
      if (!start) return undefined;
      this.active = true;
      this.timestamp = packet.timestamp;
    }
    if (this.size + packet.payload.length > MAX_FRAME_BYTES || this.payloads.length >= MAX_PACKETS_PER_FRAME) {
      this.drop();
      return undefined;
    }
    this.payloads.push(packet.payload);
    this.size += packet.payload.length;
    if (!packet.marker) return undefined;
    const payloads = this.payloads;
    this.reset();
    try {
      const data = this.format.depacketize(payloads);
      return { data, timestamp: packet.timestamp, keyframe: this.format.isKeyframe(data) };
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.droppedFrames++;
      return undefined;
    }
  }

  private reset(): void {
    this.active = false;
    this.payloads = [];
    this.size = 0;
  }

  private drop(): void {
    if (this.active) this.droppedFrames++;
    this.reset();
  }
}
