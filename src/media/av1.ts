/**
 * @module media/av1
 * RTP payload format for AV1 (AOMedia "RTP Payload Format For AV1", v1.0): the
 * aggregation header (section 4.4: Z continues a fragment, Y is continued, W counts OBU
 * elements, N starts a coded video sequence), OBU elements with and without a LEB128
 * length (4.3: when W > 0 the last element has none), fragmentation across packets
 * (5: OBUs travel without obu_size, temporal delimiters and tile lists are not sent),
 * and reassembly into a low-overhead bitstream temporal unit (AV1 spec 5.2 / Annex B
 * of the RTP spec 7.1: each OBU with obu_has_size_field = 1, led by a temporal delimiter).
 *
 * ```
 * aggregation header   OBU header (AV1 spec 5.3.2)
 *  0 1 2 3 4 5 6 7      0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+    +-+-+-+-+-+-+-+-+
 * |Z|Y| W |N|-|-|-|    |F| type  |X|S|R|   X: extension octet follows, S: obu_size follows
 * +-+-+-+-+-+-+-+-+    +-+-+-+-+-+-+-+-+
 * ```
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, FrameAssembler, MAX_FRAME_BYTES, joinBytes } from './frame.js';
import type { PayloadFormat } from './frame.js';

/** AV1 spec 6.2.2 obu_type values. */
export const Av1ObuType = {
  SequenceHeader: 1,
  TemporalDelimiter: 2,
  FrameHeader: 3,
  TileGroup: 4,
  Metadata: 5,
  Frame: 6,
  RedundantFrameHeader: 7,
  TileList: 8,
  Padding: 15,
} as const;

/** AV1 spec 4.10.5: leb128() reads at most 8 bytes. */
export const AV1_LEB128_MAX_BYTES = 8;
/** Bound on OBUs in one temporal unit after depacketization. */
export const AV1_MAX_OBUS_PER_FRAME = 4096;
/** A temporal delimiter OBU with obu_size 0 (AV1 spec 5.6). */
export const AV1_TEMPORAL_DELIMITER = Uint8Array.of(0x12, 0x00);

/** Read an unsigned LEB128 (AV1 spec 4.10.5) at `at`; returns value and byte count. */
export function readLeb128(bytes: Uint8Array, at: number): { value: number; bytes: number } {
  let value = 0;
  for (let k = 0; k < AV1_LEB128_MAX_BYTES; k++) {
    const b = bytes[at + k];
    if (b === undefined) throw new ParseError('AV1: truncated leb128', { offset: at + k });
    value += (b & 0x7f) * 2 ** (7 * k);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw new ParseError('AV1: leb128 above 2^32 - 1', { offset: at });
      return { value, bytes: k + 1 };
    }
  }
  throw new ParseError('AV1: leb128 longer than 8 bytes', { offset: at });
}

/** Minimal LEB128 encoding of `value` (0 .. 2^32 - 1). */
export function writeLeb128(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new InvalidArgumentError('leb128 value out of range');
  const out: number[] = [];
  let v = value;
  do {
    const b = v % 128;
    v = Math.floor(v / 128);
    out.push(v > 0 ? b | 0x80 : b);
  } while (v > 0);
  return new Uint8Array(out);
}

function leb128Size(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** One OBU: its type, the extension octet if any, and its payload (without header or size). */
export interface Av1Obu {
  readonly type: number;
  readonly extension?: number;
  readonly payload: Uint8Array;
}

/** Parse one OBU element (header, optional extension, optional obu_size, payload) spanning all of `element`. */
export function parseAv1ObuElement(element: Uint8Array): Av1Obu {
  const h = element[0];
  if (h === undefined) throw new ParseError('AV1: empty OBU', { offset: 0 });
  if (h & 0x80) throw new ParseError('AV1: obu_forbidden_bit set', { offset: 0 });
  const type = (h >> 3) & 0x0f;
  let at = 1;
  let extension: number | undefined;
  if (h & 0x04) {
    extension = element[1];
    if (extension === undefined) throw new ParseError('AV1: truncated OBU extension', { offset: 1 });
    at = 2;
  }
  let payload: Uint8Array;
  if (h & 0x02) {
    const size = readLeb128(element, at);
    at += size.bytes;
    if (at + size.value > element.length) throw new ParseError('AV1: obu_size beyond the element', { offset: at });
    payload = element.subarray(at, at + size.value);
  } else {
    payload = element.subarray(at);
  }
  return extension === undefined ? { type, payload } : { type, extension, payload };
}

/** Split a low-overhead bitstream (every OBU with obu_size) into OBUs. */
export function parseAv1Obus(temporalUnit: Uint8Array): Av1Obu[] {
  const out: Av1Obu[] = [];
  let at = 0;
  while (at < temporalUnit.length) {
    if (out.length >= AV1_MAX_OBUS_PER_FRAME) throw new ParseError('AV1: too many OBUs', { offset: at });
    const h = temporalUnit[at] as number;
    if ((h & 0x02) === 0) throw new ParseError('AV1: OBU without obu_size in a low-overhead stream', { offset: at });
    const ext = h & 0x04 ? 1 : 0;
    const size = readLeb128(temporalUnit, at + 1 + ext);
    const end = at + 1 + ext + size.bytes + size.value;
    if (end > temporalUnit.length) throw new ParseError('AV1: OBU runs past the end', { offset: at });
    out.push(parseAv1ObuElement(temporalUnit.subarray(at, end)));
    at = end;
  }
  return out;
}

/** Serialize an OBU with obu_has_size_field = 1 (`withSize`) or without. */
export function serializeAv1Obu(obu: Av1Obu, withSize = true): Uint8Array {
  const ext = obu.extension !== undefined;
  const head = [((obu.type & 0x0f) << 3) | (ext ? 0x04 : 0) | (withSize ? 0x02 : 0)];
  if (ext) head.push((obu.extension as number) & 0xff);
  return joinBytes([Uint8Array.from(head), withSize ? writeLeb128(obu.payload.length) : new Uint8Array(0), obu.payload]);
}

/** The aggregation header fields (section 4.4). */
export interface Av1AggregationHeader {
  readonly z: boolean;
  readonly y: boolean;
  readonly w: number;
  readonly n: boolean;
}

/** Parse one RTP payload into its aggregation header and OBU elements (fragments are raw bytes). */
export function parseAv1Payload(payload: Uint8Array): { header: Av1AggregationHeader; elements: Uint8Array[] } {
  const b0 = payload[0];
  if (b0 === undefined) throw new ParseError('AV1: empty payload', { offset: 0 });
  const header = { z: (b0 & 0x80) !== 0, y: (b0 & 0x40) !== 0, w: (b0 >> 4) & 0x03, n: (b0 & 0x08) !== 0 };
  const elements: Uint8Array[] = [];
  let at = 1;
  while (at < payload.length) {
    if (elements.length >= AV1_MAX_OBUS_PER_FRAME) throw new ParseError('AV1: too many OBU elements', { offset: at });
    const last = header.w > 0 && elements.length === header.w - 1;
    let size: number;
    if (last) {
      size = payload.length - at;
    } else {
      const l = readLeb128(payload, at);
      at += l.bytes;
      size = l.value;
      if (at + size > payload.length) throw new ParseError('AV1: OBU element length beyond the payload', { offset: at });
    }
    elements.push(payload.subarray(at, at + size));
    at += size;
  }
  if (header.w > 0 && elements.length !== header.w) throw new ParseError(`AV1: W=${header.w} but ${elements.length} elements`, { offset: 0 });
  if (elements.length === 0 && !(header.z && header.y)) throw new ParseError('AV1: payload without OBU elements', { offset: 0 });
  return { header, elements };
}

export interface Av1PacketizerOptions {
  readonly maxPayloadBytes?: number;
}

/**
 * Splits AV1 temporal units (low-overhead bitstream, as in IVF files) into RTP payloads:
 * temporal delimiters, tile lists and padding are dropped, obu_size removed, elements
 * aggregated greedily and fragmented across packets; N is set on the first packet of a
 * temporal unit that carries a sequence header (the start of a coded video sequence).
 */
export class Av1Packetizer {
  readonly maxPayloadBytes: number;

  constructor(opts: Av1PacketizerOptions = {}) {
    const max = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < 3) throw new InvalidArgumentError('maxPayloadBytes must be at least 3');
    this.maxPayloadBytes = max;
  }

  packetize(temporalUnit: Uint8Array): Uint8Array[] {
    let obus: Av1Obu[];
    try {
      obus = parseAv1Obus(temporalUnit);
    } catch (e) {
      if (e instanceof ParseError) throw new InvalidArgumentError(`not an AV1 temporal unit: ${e.message}`);
      throw e;
    }
    const sent = obus.filter((o) => o.type !== Av1ObuType.TemporalDelimiter && o.type !== Av1ObuType.TileList && o.type !== Av1ObuType.Padding);
    if (sent.length === 0) throw new InvalidArgumentError('AV1 temporal unit has no OBUs to send');
    const newSequence = sent.some((o) => o.type === Av1ObuType.SequenceHeader);
    const elements = sent.map((o) => serializeAv1Obu(o, false));
    // packets as lists of element slices, with Z (starts with a continuation) and Y (ends continued)
    const packets: { z: boolean; y: boolean; parts: Uint8Array[] }[] = [];
    let cur = { z: false, y: false, parts: [] as Uint8Array[] };
    let room = this.maxPayloadBytes - 1;
    const flush = () => {
      packets.push(cur);
      room = this.maxPayloadBytes - 1;
    };
    for (const el of elements) {
      let rest = el;
      let continuing = false;
      while (rest.length > 0) {
        const whole = leb128Size(rest.length) + rest.length;
        if (whole <= room) {
          if (continuing && cur.parts.length === 0) cur.z = true;
          cur.parts.push(rest);
          room -= whole;
          rest = new Uint8Array(0);
          break;
        }
        // the largest fragment f with leb128Size(f) + f <= room
        let f = room - leb128Size(room);
        while (f > 0 && leb128Size(f) + f > room) f--;
        if (f <= 0) {
          flush();
          cur = { z: false, y: false, parts: [] };
          continue;
        }
        if (continuing && cur.parts.length === 0) cur.z = true;
        cur.parts.push(rest.subarray(0, f));
        cur.y = true;
        rest = rest.subarray(f);
        continuing = true;
        flush();
        cur = { z: false, y: false, parts: [] };
      }
    }
    if (cur.parts.length > 0) packets.push(cur);
    return packets.map((pkt, k) => {
      const w = pkt.parts.length <= 3 ? pkt.parts.length : 0;
      const head = (pkt.z ? 0x80 : 0) | (pkt.y ? 0x40 : 0) | (w << 4) | (k === 0 && newSequence ? 0x08 : 0);
      const chunks: Uint8Array[] = [Uint8Array.of(head)];
      pkt.parts.forEach((part, j) => {
        if (!(w > 0 && j === w - 1)) chunks.push(writeLeb128(part.length));
        chunks.push(part);
      });
      return joinBytes(chunks);
    });
  }
}

/**
 * Reassemble one temporal unit from its payloads: fragments are joined (Z must follow
 * Y), each OBU is rewritten with obu_size, and a temporal delimiter leads (section 7.1).
 */
export function depacketizeAv1(payloads: readonly Uint8Array[]): Uint8Array {
  const out: Uint8Array[] = [AV1_TEMPORAL_DELIMITER];
  let size = AV1_TEMPORAL_DELIMITER.length;
  let count = 0;
  let fragment: Uint8Array[] | undefined;
  let fragmentSize = 0;
  const emit = (element: Uint8Array) => {
    const obu = parseAv1ObuElement(element);
    if (obu.type === Av1ObuType.TemporalDelimiter) return;
    if (++count > AV1_MAX_OBUS_PER_FRAME) throw new ParseError('AV1: too many OBUs in a frame');
    const bytes = serializeAv1Obu(obu, true);
    size += bytes.length;
    if (size > MAX_FRAME_BYTES) throw new ParseError('AV1: frame exceeds MAX_FRAME_BYTES');
    out.push(bytes);
  };
  payloads.forEach((p, k) => {
    const { header, elements } = parseAv1Payload(p);
    if (header.z !== (fragment !== undefined)) {
      throw new ParseError(header.z ? 'AV1: continuation (Z) without a fragment before it' : 'AV1: fragment (Y) not continued (Z)', { offset: 0 });
    }
    if (k === 0 && header.z) throw new ParseError('AV1: frame starts with a continuation', { offset: 0 });
    elements.forEach((el, j) => {
      const isLast = j === elements.length - 1;
      let whole = el;
      if (j === 0 && fragment !== undefined) {
        fragmentSize += el.length;
        if (fragmentSize > MAX_FRAME_BYTES) throw new ParseError('AV1: fragment exceeds MAX_FRAME_BYTES');
        fragment.push(el);
        if (isLast && header.y) return;
        whole = joinBytes(fragment);
        fragment = undefined;
        fragmentSize = 0;
      } else if (isLast && header.y) {
        fragment = [el];
        fragmentSize = el.length;
        return;
      }
      emit(whole);
    });
    if (elements.length === 0 && header.z && header.y && fragment === undefined) throw new ParseError('AV1: empty continuation', { offset: 0 });
  });
  if (fragment !== undefined) throw new ParseError('AV1: frame ends inside a fragmented OBU');
  return joinBytes(out);
}

/** True when the temporal unit carries a sequence header (what starts a coded video sequence at a key frame). */
export function isAv1Keyframe(temporalUnit: Uint8Array): boolean {
  try {
    return parseAv1Obus(temporalUnit).some((o) => o.type === Av1ObuType.SequenceHeader);
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
}

/** The N bit of a payload: the first packet of a coded video sequence (a keyframe). */
export function isAv1KeyframePayload(payload: Uint8Array): boolean {
  return payload.length > 0 && ((payload[0] as number) & 0x08) !== 0;
}

export const av1Format: PayloadFormat = {
  name: 'AV1',
  depacketize: depacketizeAv1,
  isFrameStart(payload) {
    // Z=0 and N=1: the first packet of a new coded video sequence (section 4.4)
    return payload.length > 0 && ((payload[0] as number) & 0x88) === 0x08;
  },
  isKeyframe: isAv1Keyframe,
};

/** Reassembles AV1 temporal units from RTP packets in sequence order. */
export class Av1Depacketizer extends FrameAssembler {
  constructor() {
    super(av1Format);
  }
}
