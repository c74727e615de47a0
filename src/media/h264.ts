/**
 * @module media/h264
 * RTP payload format for H.264 (RFC 6184): the NAL unit header (section 1.3, 5.3),
 * single NAL unit packets (5.6), STAP-A aggregation (5.7.1) and FU-A fragmentation
 * (5.8), in packetization-mode 0 (single NAL only, 6.2) and 1 (non-interleaved, 6.3).
 * Frames are access units as Annex B bytes; a keyframe is an access unit with an IDR
 * slice (nal_unit_type 5), which a WebRTC sender precedes with SPS and PPS.
 *
 * ```
 * NAL header        STAP-A (5.7.1)                    FU-A (5.8)
 * +-+-+-+-+-+-+-+-+ +---------+------+-----+------+..  +-----------+---------+-----
 * |F|NRI|  Type   | |hdr t=24 | size | NAL | size |..  |ind t=28   |S|E|R|Type| data
 * +-+-+-+-+-+-+-+-+ +---------+------+-----+------+..  +-----------+---------+-----
 * ```
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { H264NalType, h264NalType, joinAnnexB, splitAnnexB } from './annexb.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, FrameAssembler, MAX_FRAME_BYTES, joinBytes } from './frame.js';
import type { PayloadFormat } from './frame.js';

/** RFC 6184 5.8: FU indicator + FU header. */
export const H264_FU_A_HEADER_BYTES = 2;
/** RFC 6184 5.7.1: STAP-A NAL header byte. */
export const H264_STAP_A_HEADER_BYTES = 1;
/** RFC 6184 5.7.1: 16-bit NAL unit size before each aggregated NAL. */
export const H264_STAP_A_SIZE_BYTES = 2;
/** Bound on NAL units in one access unit after depacketization (stops a flood of tiny STAP-A entries). */
export const H264_MAX_NALS_PER_FRAME = 4096;

export type H264PacketizationMode = 0 | 1;

export interface H264PacketizerOptions {
  /** Largest payload, default 1200 bytes. */
  readonly maxPayloadBytes?: number;
  /** RFC 6184 6.2/6.3: 0 = single NAL unit only, 1 = also STAP-A and FU-A (default). */
  readonly packetizationMode?: H264PacketizationMode;
  /** Drop access unit delimiters (type 9) as libwebrtc does; default false. */
  readonly dropAud?: boolean;
  /**
   * Put the last SPS and PPS seen before an IDR access unit that lacks them, so every
   * keyframe is decodable on its own (what libwebrtc's H264 sender guarantees); default true.
   */
  readonly insertParameterSets?: boolean;
}

/** Splits H.264 access units (Annex B bytes) into RTP payloads (RFC 6184 5.6-5.8). */
export class H264Packetizer {
  readonly maxPayloadBytes: number;
  readonly packetizationMode: H264PacketizationMode;
  private readonly dropAud: boolean;
  private readonly insertParameterSets: boolean;
  private sps: Uint8Array | undefined;
  private pps: Uint8Array | undefined;

  constructor(opts: H264PacketizerOptions = {}) {
    const max = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < H264_FU_A_HEADER_BYTES + 1) throw new InvalidArgumentError('maxPayloadBytes must leave room for an FU-A header and data');
    this.maxPayloadBytes = max;
    this.packetizationMode = opts.packetizationMode ?? 1;
    this.dropAud = opts.dropAud ?? false;
    this.insertParameterSets = opts.insertParameterSets ?? true;
  }

  /** Payloads for one access unit given as Annex B bytes; throws InvalidArgumentError in mode 0 when a NAL exceeds the budget. */
  packetize(accessUnit: Uint8Array): Uint8Array[] {
    return this.packetizeNals(splitAnnexB(accessUnit));
  }

  /** Remember SPS/PPS and put them before an IDR slice that comes without them (in place). */
  private addParameterSets(nals: Uint8Array[]): void {
    let hasSps = false;
    let hasPps = false;
    let firstIdr = -1;
    for (let i = 0; i < nals.length; i++) {
      const n = nals[i] as Uint8Array;
      const t = h264NalType(n);
      if (t === H264NalType.Sps) {
        hasSps = true;
        this.sps = new Uint8Array(n); // a copy even for a Buffer view
      } else if (t === H264NalType.Pps) {
        hasPps = true;
        this.pps = new Uint8Array(n);
      } else if (t === H264NalType.Idr && firstIdr < 0) {
        firstIdr = i;
      }
    }
    if (firstIdr < 0) return;
    const add: Uint8Array[] = [];
    if (!hasSps && this.sps) add.push(this.sps);
    if (!hasPps && this.pps) add.push(this.pps);
    if (add.length > 0) nals.splice(firstIdr, 0, ...add);
  }

  /** Payloads for one access unit given as NAL units (without start codes). */
  packetizeNals(input: readonly Uint8Array[]): Uint8Array[] {
    const nals = input.filter((n) => n.length > 0 && !(this.dropAud && h264NalType(n) === H264NalType.Aud));
    if (nals.length === 0) throw new InvalidArgumentError('access unit has no NAL units');
    if (this.insertParameterSets) this.addParameterSets(nals);
    const max = this.maxPayloadBytes;
    const out: Uint8Array[] = [];
    if (this.packetizationMode === 0) {
      for (const nal of nals) {
        if (nal.length > max) throw new InvalidArgumentError(`NAL of ${nal.length} bytes exceeds ${max} in packetization-mode 0`);
        out.push(nal);
      }
      return out;
    }
    let i = 0;
    while (i < nals.length) {
      const nal = nals[i] as Uint8Array;
      if (nal.length > max) {
        out.push(...fragmentFuA(nal, max));
        i++;
        continue;
      }
      // Aggregate as many following NALs as fit into one STAP-A (RFC 6184 5.7.1).
      let size = H264_STAP_A_HEADER_BYTES + H264_STAP_A_SIZE_BYTES + nal.length;
      let j = i + 1;
      while (j < nals.length) {
        const next = nals[j] as Uint8Array;
        if (size + H264_STAP_A_SIZE_BYTES + next.length > max) break;
        size += H264_STAP_A_SIZE_BYTES + next.length;
        j++;
      }
      if (j - i < 2) {
        out.push(nal);
        i++;
        continue;
      }
      out.push(buildStapA(nals.slice(i, j)));
      i = j;
    }
    return out;
  }
}

function buildStapA(nals: readonly Uint8Array[]): Uint8Array {
  let f = 0;
  let nri = 0;
  let size = H264_STAP_A_HEADER_BYTES;
  for (const n of nals) {
    f |= (n[0] as number) & 0x80;
    nri = Math.max(nri, (n[0] as number) & 0x60);
    size += H264_STAP_A_SIZE_BYTES + n.length;
  }
  const out = new Uint8Array(size);
  out[0] = f | nri | H264NalType.StapA;
  let at = 1;
  for (const n of nals) {
    out[at] = n.length >>> 8;
    out[at + 1] = n.length & 0xff;
    out.set(n, at + 2);
    at += 2 + n.length;
  }
  return out;
}

function fragmentFuA(nal: Uint8Array, max: number): Uint8Array[] {
  const header = nal[0] as number;
  const indicator = (header & 0xe0) | H264NalType.FuA;
  const type = header & 0x1f;
  const room = max - H264_FU_A_HEADER_BYTES;
  const count = Math.ceil((nal.length - 1) / room);
  // one allocation for all fragments; each payload is a view into it
  const buf = new Uint8Array(count * H264_FU_A_HEADER_BYTES + nal.length - 1);
  const out: Uint8Array[] = [];
  let w = 0;
  for (let at = 1; at < nal.length; at += room) {
    const end = Math.min(nal.length, at + room);
    const start = w;
    buf[w] = indicator;
    buf[w + 1] = (at === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
    buf.set(nal.subarray(at, end), w + H264_FU_A_HEADER_BYTES);
    w += H264_FU_A_HEADER_BYTES + end - at;
    out.push(buf.subarray(start, w));
  }
  return out;
}

/**
 * The NAL units carried by one access unit's payloads, in order (RFC 6184 5.6-5.8).
 * Throws ParseError for truncated aggregation, FU-A runs without start or end, and the
 * interleaved-mode types (STAP-B, MTAP, FU-B) that packetization-mode 1 does not allow.
 */
export function depacketizeH264Nals(payloads: readonly Uint8Array[]): Uint8Array[] {
  const nals: Uint8Array[] = [];
  let fu: Uint8Array[] | undefined;
  let fuSize = 0;
  let total = 0;
  const add = (nal: Uint8Array) => {
    if (nals.length >= H264_MAX_NALS_PER_FRAME) throw new ParseError('H.264: too many NAL units in one frame');
    total += nal.length;
    if (total > MAX_FRAME_BYTES) throw new ParseError('H.264: frame exceeds MAX_FRAME_BYTES');
    nals.push(nal);
  };
  for (const p of payloads) {
    if (p.length === 0) throw new ParseError('H.264: empty payload', { offset: 0 });
    const b0 = p[0] as number;
    if (b0 & 0x80) throw new ParseError('H.264: forbidden_zero_bit set', { offset: 0 });
    const type = b0 & 0x1f;
    if (fu !== undefined && type !== H264NalType.FuA) throw new ParseError('H.264: FU-A fragment run not ended', { offset: 0 });
    if (type >= 1 && type <= 23) {
      add(p);
    } else if (type === H264NalType.StapA) {
      let at = 1;
      if (p.length < 1 + H264_STAP_A_SIZE_BYTES) throw new ParseError('H.264: STAP-A without a NAL', { offset: 1 });
      while (at < p.length) {
        if (at + H264_STAP_A_SIZE_BYTES > p.length) throw new ParseError('H.264: truncated STAP-A size', { offset: at });
        const size = ((p[at] as number) << 8) | (p[at + 1] as number);
        at += H264_STAP_A_SIZE_BYTES;
        if (size === 0 || at + size > p.length) throw new ParseError(`H.264: STAP-A NAL of ${size} bytes does not fit`, { offset: at });
        add(p.subarray(at, at + size));
        at += size;
      }
    } else if (type === H264NalType.FuA) {
      if (p.length < H264_FU_A_HEADER_BYTES) throw new ParseError('H.264: truncated FU-A header', { offset: 1 });
      const h = p[1] as number;
      const start = (h & 0x80) !== 0;
      const end = (h & 0x40) !== 0;
      if (start && end) throw new ParseError('H.264: FU-A with both S and E set', { offset: 1 });
      const data = p.subarray(H264_FU_A_HEADER_BYTES);
      if (start) {
        fu = [Uint8Array.of((b0 & 0xe0) | (h & 0x1f))];
        fuSize = 1;
      } else if (fu === undefined) {
        throw new ParseError('H.264: FU-A continuation without a start', { offset: 1 });
      }
      fuSize += data.length;
      if (fuSize > MAX_FRAME_BYTES) throw new ParseError('H.264: FU-A exceeds MAX_FRAME_BYTES');
      fu.push(data);
      if (end) {
        add(joinBytes(fu));
        fu = undefined;
      }
    } else {
      throw new ParseError(`H.264: unsupported NAL/packet type ${type}`, { offset: 0 });
    }
  }
  if (fu !== undefined) throw new ParseError('H.264: FU-A fragment run not ended');
  if (nals.length === 0) throw new ParseError('H.264: no NAL units');
  return nals;
}

/** One access unit's payloads joined as Annex B bytes (4-byte start codes). */
export function depacketizeH264(payloads: readonly Uint8Array[]): Uint8Array {
  return joinAnnexB(depacketizeH264Nals(payloads));
}

/** True when the Annex B access unit contains an IDR slice. */
export function isH264Keyframe(accessUnit: Uint8Array): boolean {
  return splitAnnexB(accessUnit).some((n) => h264NalType(n) === H264NalType.Idr);
}

/** NAL unit types in a payload (one for single NAL and FU-A, each entry for STAP-A); [] when malformed. */
export function h264PayloadNalTypes(payload: Uint8Array): number[] {
  const b0 = payload[0];
  if (b0 === undefined) return [];
  const type = b0 & 0x1f;
  if (type === H264NalType.FuA) return payload.length > 1 ? [(payload[1] as number) & 0x1f] : [];
  if (type !== H264NalType.StapA) return [type];
  const out: number[] = [];
  let at = 1;
  while (at + 2 < payload.length) {
    const size = ((payload[at] as number) << 8) | (payload[at + 1] as number);
    out.push((payload[at + 2] as number) & 0x1f);
    at += 2 + size;
  }
  return out;
}

/** True when a payload carries (the start of) an IDR slice, or SPS/PPS that precede one. */
export function isH264KeyframePayload(payload: Uint8Array): boolean {
  const types = h264PayloadNalTypes(payload);
  if (payload[0] !== undefined && ((payload[0] as number) & 0x1f) === H264NalType.FuA && ((payload[1] ?? 0) & 0x80) === 0) return false;
  return types.some((t) => t === H264NalType.Idr || t === H264NalType.Sps);
}

/** The H.264 payload format hooks: a frame certainly starts at an AUD or SPS (what follows a lost frame is only decodable from a keyframe). */
export const h264Format: PayloadFormat = {
  name: 'H264',
  depacketize: depacketizeH264,
  isFrameStart(payload) {
    const first = h264PayloadNalTypes(payload)[0];
    if ((payload[0] ?? 0) & 0x80) return false;
    if (((payload[0] ?? 0) & 0x1f) === H264NalType.FuA && ((payload[1] ?? 0) & 0x80) === 0) return false;
    return first === H264NalType.Aud || first === H264NalType.Sps;
  },
  isKeyframe: isH264Keyframe,
};

/** Reassembles H.264 access units from RTP packets in sequence order. */
export class H264Depacketizer extends FrameAssembler {
  constructor() {
    super(h264Format);
  }
}

