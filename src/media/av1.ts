/**
 * @module media/av1
 * RTP payload format for AV1 (AOMedia "RTP Payload Format For AV1", v1.0,
 * https://aomediacodec.github.io/av1-rtp-spec/): the aggregation header (section 4.4:
 * Z continues a fragment, Y is continued, W counts OBU elements, N starts a coded video
 * sequence), the payload structure (4.5: OBU elements with a LEB128 length, except the
 * last one when W > 0), the marker bit on a temporal unit's last packet (4.2), and the
 * packetization rules (5: OBUs travel without obu_size; temporal delimiters and tile
 * lists are not sent; fragments may span packets). Reassembly produces a temporal unit
 * in the low-overhead bitstream format (AV1 spec 5.2: every OBU with obu_size, led by a
 * temporal delimiter), the layout IVF and WebM files hold.
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
import { DEFAULT_MAX_PAYLOAD_BYTES, FrameAssembler, MAX_FRAME_BYTES, PAYLOAD_SLAB_BYTES, PayloadSlab, joinBytes } from './frame.js';
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
 * Payloads of temporal units up to half this size are carved from shared slabs of it, one
 * allocation per several temporal units as Node's Buffer pool does; larger ones get a
 * buffer of their own. A payload still held keeps at most its one slab alive.
 */
export const AV1_PAYLOAD_SLAB_BYTES = PAYLOAD_SLAB_BYTES;

/**
 * Splits AV1 temporal units (low-overhead bitstream, as in IVF files) into RTP payloads:
 * temporal delimiters, tile lists and padding are dropped, obu_size removed, elements
 * aggregated greedily and fragmented across packets; N is set on the first packet of a
 * temporal unit that carries a sequence header (the start of a coded video sequence).
 *
 * The temporal unit is indexed once (OBU header, extension, payload offsets), the packets
 * are planned as (element, offset, length) runs, and the payloads are written into a slab
 * (`AV1_PAYLOAD_SLAB_BYTES`), each a view into it: no OBU is copied before its final place.
 */
export class Av1Packetizer {
  readonly maxPayloadBytes: number;
  /** Where payloads are written: every octet of a temporal unit's range is written before it is handed out. */
  private readonly slab = new PayloadSlab();

  constructor(opts: Av1PacketizerOptions = {}) {
    const max = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < 3) throw new InvalidArgumentError('maxPayloadBytes must be at least 3');
    this.maxPayloadBytes = max;
  }

  packetize(temporalUnit: Uint8Array): Uint8Array[] {
    const tu = temporalUnit;
    // the OBUs sent (section 5): header octet without obu_has_size_field (and the
    // reserved bit), the extension octet or -1, and the payload's bounds in `tu`
    const header: number[] = [];
    const extension: number[] = [];
    const payloadStart: number[] = [];
    const payloadEnd: number[] = [];
    let newSequence = false;
    let obus = 0;
    for (let at = 0; at < tu.length; ) {
      if (++obus > AV1_MAX_OBUS_PER_FRAME) throw notTemporalUnit('too many OBUs');
      const h = tu[at] as number;
      if (h & 0x80) throw notTemporalUnit('obu_forbidden_bit set');
      if ((h & 0x02) === 0) throw notTemporalUnit('OBU without obu_size in a low-overhead stream');
      const ext = h & 0x04 ? 1 : 0;
      if (ext && at + 1 >= tu.length) throw notTemporalUnit('truncated OBU extension');
      let size: { value: number; bytes: number };
      try {
        size = readLeb128(tu, at + 1 + ext);
      } catch (e) {
        if (e instanceof ParseError) throw notTemporalUnit(e.message);
        throw e;
      }
      const start = at + 1 + ext + size.bytes;
      const end = start + size.value;
      if (end > tu.length) throw notTemporalUnit('OBU runs past the end');
      const type = (h >> 3) & 0x0f;
      if (type !== Av1ObuType.TemporalDelimiter && type !== Av1ObuType.TileList && type !== Av1ObuType.Padding) {
        if (type === Av1ObuType.SequenceHeader) newSequence = true;
        header.push(h & 0x7c);
        extension.push(ext ? (tu[at + 1] as number) : -1);
        payloadStart.push(start);
        payloadEnd.push(end);
      }
      at = end;
    }
    const elements = header.length;
    if (elements === 0) throw new InvalidArgumentError('AV1 temporal unit has no OBUs to send');

    // Plan: packets as runs of parts (element, offset in it, length), Z when a packet
    // starts with a continuation, Y when it ends continued (section 4.4). Room counts a
    // LEB128 length for every part, as W = 0 would need.
    const max = this.maxPayloadBytes;
    const partElement: number[] = [];
    const partOffset: number[] = [];
    const partLength: number[] = [];
    const packetFirstPart: number[] = [];
    const packetFlags: number[] = [];
    let curFirst = 0;
    let curFlags = 0;
    let room = max - 1;
    for (let e = 0; e < elements; e++) {
      const length = (extension[e] === -1 ? 1 : 2) + (payloadEnd[e] as number) - (payloadStart[e] as number);
      let offset = 0;
      while (offset < length) {
        const rest = length - offset;
        const hasParts = partElement.length > curFirst;
        if (leb128Size(rest) + rest <= room) {
          if (offset > 0 && !hasParts) curFlags |= AV1_Z;
          partElement.push(e);
          partOffset.push(offset);
          partLength.push(rest);
          room -= leb128Size(rest) + rest;
          break;
        }
        // the largest fragment f with leb128Size(f) + f <= room
        let f = room - leb128Size(room);
        while (f > 0 && leb128Size(f) + f > room) f--;
        if (f > 0) {
          if (offset > 0 && !hasParts) curFlags |= AV1_Z;
          partElement.push(e);
          partOffset.push(offset);
          partLength.push(f);
          curFlags |= AV1_Y;
          offset += f;
        }
        packetFirstPart.push(curFirst);
        packetFlags.push(curFlags);
        curFirst = partElement.length;
        curFlags = 0;
        room = max - 1;
      }
    }
    if (partElement.length > curFirst) {
      packetFirstPart.push(curFirst);
      packetFlags.push(curFlags);
    }
    const packets = packetFirstPart.length;
    const parts = partElement.length;
    packetFirstPart.push(parts);

    // W (section 4.4): the element count when at most 3, whose last element has no length
    let total = 0;
    for (let k = 0; k < packets; k++) {
      const first = packetFirstPart[k] as number;
      const n = (packetFirstPart[k + 1] as number) - first;
      total += 1;
      for (let j = first; j < first + n; j++) {
        const len = partLength[j] as number;
        total += len + (n <= 3 && j === first + n - 1 ? 0 : leb128Size(len));
      }
    }
    const { buf, offset } = this.slab.reserve(total);
    let w = offset;
    const out: Uint8Array[] = [];
    for (let k = 0; k < packets; k++) {
      const start = w;
      const first = packetFirstPart[k] as number;
      const n = (packetFirstPart[k + 1] as number) - first;
      const count = n <= 3 ? n : 0;
      buf[w++] = (packetFlags[k] as number) | (count << 4) | (k === 0 && newSequence ? 0x08 : 0);
      for (let j = first; j < first + n; j++) {
        const e = partElement[j] as number;
        const len = partLength[j] as number;
        if (!(count > 0 && j === first + n - 1)) w = putLeb128(buf, w, len);
        // the element is header, extension (if any) and payload; copy [offset, offset + len)
        let from = partOffset[j] as number;
        const to = from + len;
        const ext = extension[e] as number;
        const headerBytes = ext === -1 ? 1 : 2;
        for (; from < headerBytes && from < to; from++) buf[w++] = from === 0 ? (header[e] as number) : ext;
        if (from < to) {
          const p = payloadStart[e] as number;
          buf.set(tu.subarray(p + from - headerBytes, p + to - headerBytes), w);
          w += to - from;
        }
      }
      out.push(buf.subarray(start, w));
    }
    return out;
  }
}

/** Aggregation header (section 4.4): Z, the first element continues a fragment. */
const AV1_Z = 0x80;
/** Aggregation header (section 4.4): Y, the last element continues in the next packet. */
const AV1_Y = 0x40;

function notTemporalUnit(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`not an AV1 temporal unit: AV1: ${why}`);
}

/** Write `value`'s minimal LEB128 at `at`; returns the offset after it. */
function putLeb128(buf: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

/**
 * Reassemble one temporal unit from its payloads: fragments are joined (Z must follow
 * Y), each OBU is rewritten with obu_size, and a temporal delimiter leads (section 7.1).
 * Each OBU is kept as its run of element pieces (one unless fragmented) and every byte is
 * copied once, into the temporal unit.
 */
export function depacketizeAv1(payloads: readonly Uint8Array[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  // the first piece of each complete OBU run, in order (runs are contiguous in `pieces`)
  const runStart: number[] = [];
  let fragmentStart = -1;
  let fragmentSize = 0;
  for (let k = 0; k < payloads.length; k++) {
    const { header, elements } = parseAv1Payload(payloads[k] as Uint8Array);
    if (header.z !== fragmentStart >= 0) {
      throw new ParseError(header.z ? 'AV1: continuation (Z) without a fragment before it' : 'AV1: fragment (Y) not continued (Z)', { offset: 0 });
    }
    if (k === 0 && header.z) throw new ParseError('AV1: frame starts with a continuation', { offset: 0 });
    for (let j = 0; j < elements.length; j++) {
      const el = elements[j] as Uint8Array;
      const continues = j === elements.length - 1 && header.y;
      if (j === 0 && fragmentStart >= 0) {
        fragmentSize += el.length;
        if (fragmentSize > MAX_FRAME_BYTES) throw new ParseError('AV1: fragment exceeds MAX_FRAME_BYTES');
        pieces.push(el);
        if (continues) continue;
        runStart.push(fragmentStart);
        fragmentStart = -1;
        fragmentSize = 0;
      } else {
        pieces.push(el);
        if (continues) {
          fragmentStart = pieces.length - 1;
          fragmentSize = el.length;
          continue;
        }
        runStart.push(pieces.length - 1);
      }
    }
    if (elements.length === 0 && header.z && header.y && fragmentStart < 0) throw new ParseError('AV1: empty continuation', { offset: 0 });
  }
  if (fragmentStart >= 0) throw new ParseError('AV1: frame ends inside a fragmented OBU');
  runStart.push(pieces.length);

  // the OBUs kept: header octet (with obu_has_size_field), extension or -1, run, where the payload starts in it, its length
  const obuHeader: number[] = [];
  const obuExtension: number[] = [];
  const obuRun: number[] = [];
  const obuSkip: number[] = [];
  const obuLength: number[] = [];
  let size = AV1_TEMPORAL_DELIMITER.length;
  for (let r = 0; r + 1 < runStart.length; r++) {
    const first = runStart[r] as number;
    const last = runStart[r + 1] as number;
    let el = pieces[first] as Uint8Array;
    let runBytes = el.length;
    for (let i = first + 1; i < last; i++) runBytes += (pieces[i] as Uint8Array).length;
    // a fragment too short to hold the OBU header, extension and obu_size: read it joined
    if (last - first > 1 && el.length < 2 + AV1_LEB128_MAX_BYTES) el = joinBytes(pieces.slice(first, last));
    const h = el[0];
    if (h === undefined) throw new ParseError('AV1: empty OBU', { offset: 0 });
    if (h & 0x80) throw new ParseError('AV1: obu_forbidden_bit set', { offset: 0 });
    const type = (h >> 3) & 0x0f;
    let at = 1;
    let extension = -1;
    if (h & 0x04) {
      const x = el[1];
      if (x === undefined) throw new ParseError('AV1: truncated OBU extension', { offset: 1 });
      extension = x;
      at = 2;
    }
    let length: number;
    if (h & 0x02) {
      const obuSize = readLeb128(el, at);
      at += obuSize.bytes;
      if (at + obuSize.value > runBytes) throw new ParseError('AV1: obu_size beyond the element', { offset: at });
      length = obuSize.value;
    } else {
      length = runBytes - at;
    }
    if (type === Av1ObuType.TemporalDelimiter) continue;
    if (obuHeader.length >= AV1_MAX_OBUS_PER_FRAME) throw new ParseError('AV1: too many OBUs in a frame');
    size += (extension >= 0 ? 2 : 1) + leb128Size(length) + length;
    if (size > MAX_FRAME_BYTES) throw new ParseError('AV1: frame exceeds MAX_FRAME_BYTES');
    obuHeader.push((type << 3) | (extension >= 0 ? 0x04 : 0) | 0x02);
    obuExtension.push(extension);
    obuRun.push(r);
    obuSkip.push(at);
    obuLength.push(length);
  }

  const out = new Uint8Array(size);
  out.set(AV1_TEMPORAL_DELIMITER, 0);
  let w = AV1_TEMPORAL_DELIMITER.length;
  for (let o = 0; o < obuHeader.length; o++) {
    out[w++] = obuHeader[o] as number;
    const extension = obuExtension[o] as number;
    if (extension >= 0) out[w++] = extension;
    let left = obuLength[o] as number;
    w = putLeb128(out, w, left);
    let skip = obuSkip[o] as number;
    const r = obuRun[o] as number;
    for (let i = runStart[r] as number; left > 0; i++) {
      const piece = pieces[i] as Uint8Array;
      if (skip >= piece.length) {
        skip -= piece.length;
        continue;
      }
      const take = Math.min(piece.length - skip, left);
      out.set(skip === 0 && take === piece.length ? piece : piece.subarray(skip, skip + take), w);
      w += take;
      left -= take;
      skip = 0;
    }
  }
  return out;
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

/** The sequence header fields an AV1 codec configuration record (av1C) carries (AV1 spec 5.5). */
export interface Av1SequenceHeaderInfo {
  readonly seqProfile: number;
  readonly stillPicture: boolean;
  readonly seqLevelIdx0: number;
  readonly seqTier0: number;
  readonly highBitdepth: boolean;
  readonly twelveBit: boolean;
  readonly monochrome: boolean;
  readonly subsamplingX: number;
  readonly subsamplingY: number;
  readonly chromaSamplePosition: number;
  readonly maxFrameWidth: number;
  readonly maxFrameHeight: number;
}

/** AV1 spec 4.10.2 f(n) and 4.10.3 uvlc() over a byte array; throws ParseError past the end. */
class BitReader {
  private bit = 0;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  f(n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) throw new ParseError('AV1 sequence header truncated', { offset: this.bit >> 3 });
      v = v * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }
  uvlc(): number {
    let leadingZeros = 0;
    while (this.f(1) === 0) {
      leadingZeros++;
      if (leadingZeros >= 32) return 0xffffffff;
    }
    return this.f(leadingZeros) + 2 ** leadingZeros - 1;
  }
}

/** AV1 spec 6.4.2 color primaries / transfer / matrix values used by color_config(). */
const CP_BT_709 = 1;
const TC_SRGB = 13;
const MC_IDENTITY = 0;

/** Parse a sequence_header_obu() payload (AV1 spec 5.5.1 and 5.5.2 color_config) up to what av1C needs. */
export function parseAv1SequenceHeader(payload: Uint8Array): Av1SequenceHeaderInfo {
  const r = new BitReader(payload);
  const seqProfile = r.f(3);
  if (seqProfile > 2) throw new ParseError(`AV1: seq_profile ${seqProfile} is reserved`, { offset: 0 });
  const stillPicture = r.f(1) === 1;
  const reduced = r.f(1) === 1;
  let seqLevelIdx0 = 0;
  let seqTier0 = 0;
  if (reduced) {
    seqLevelIdx0 = r.f(5);
  } else {
    let decoderModelInfoPresent = false;
    let bufferDelayLength = 0;
    if (r.f(1) === 1) {
      // timing_info()
      r.f(32);
      r.f(32);
      if (r.f(1) === 1) r.uvlc();
      decoderModelInfoPresent = r.f(1) === 1;
      if (decoderModelInfoPresent) {
        bufferDelayLength = r.f(5) + 1;
        r.f(32);
        r.f(5);
        r.f(5);
      }
    }
    const initialDisplayDelayPresent = r.f(1) === 1;
    const operatingPoints = r.f(5) + 1;
    for (let i = 0; i < operatingPoints; i++) {
      r.f(12); // operating_point_idc
      const level = r.f(5);
      const tier = level > 7 ? r.f(1) : 0;
      if (i === 0) {
        seqLevelIdx0 = level;
        seqTier0 = tier;
      }
      if (decoderModelInfoPresent && r.f(1) === 1) {
        r.f(bufferDelayLength);
        r.f(bufferDelayLength);
        r.f(1);
      }
      if (initialDisplayDelayPresent && r.f(1) === 1) r.f(4);
    }
  }
  const widthBits = r.f(4) + 1;
  const heightBits = r.f(4) + 1;
  const maxFrameWidth = r.f(widthBits) + 1;
  const maxFrameHeight = r.f(heightBits) + 1;
  if (!reduced && r.f(1) === 1) {
    r.f(4);
    r.f(3);
  }
  r.f(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced) {
    r.f(4); // interintra, masked compound, warped motion, dual filter
    const orderHint = r.f(1) === 1;
    if (orderHint) r.f(2);
    const forceScreenContentTools = r.f(1) === 1 ? 2 : r.f(1);
    if (forceScreenContentTools > 0 && r.f(1) === 0) r.f(1);
    if (orderHint) r.f(3);
  }
  r.f(3); // enable_superres, enable_cdef, enable_restoration
  // color_config()
  const highBitdepth = r.f(1) === 1;
  let twelveBit = false;
  if (seqProfile === 2 && highBitdepth) twelveBit = r.f(1) === 1;
  const monochrome = seqProfile === 1 ? false : r.f(1) === 1;
  let cp = 2;
  let tc = 2;
  let mc = 2;
  if (r.f(1) === 1) {
    cp = r.f(8);
    tc = r.f(8);
    mc = r.f(8);
  }
  let subsamplingX = 1;
  let subsamplingY = 1;
  let chromaSamplePosition = 0;
  if (monochrome) {
    r.f(1);
  } else if (cp === CP_BT_709 && tc === TC_SRGB && mc === MC_IDENTITY) {
    subsamplingX = 0;
    subsamplingY = 0;
  } else {
    r.f(1); // color_range
    if (seqProfile === 1) {
      subsamplingX = 0;
      subsamplingY = 0;
    } else if (seqProfile === 2) {
      if (twelveBit) {
        subsamplingX = r.f(1);
        subsamplingY = subsamplingX ? r.f(1) : 0;
      } else {
        subsamplingX = 1;
        subsamplingY = 0;
      }
    }
    if (subsamplingX && subsamplingY) chromaSamplePosition = r.f(2);
  }
  return { seqProfile, stillPicture, seqLevelIdx0, seqTier0, highBitdepth, twelveBit, monochrome, subsamplingX, subsamplingY, chromaSamplePosition, maxFrameWidth, maxFrameHeight };
}

/**
 * The AV1 codec configuration record (av1C, AV1-ISOBMFF 2.3.3, also Matroska's V_AV1
 * CodecPrivate) for the first sequence header in a temporal unit: marker, version 1, the
 * profile/level/tier and color fields, then the sequence header OBU itself.
 */
export function av1CodecConfigurationRecord(temporalUnit: Uint8Array): Uint8Array {
  const seq = parseAv1Obus(temporalUnit).find((o) => o.type === Av1ObuType.SequenceHeader);
  if (seq === undefined) throw new ParseError('AV1: no sequence header in the temporal unit');
  const h = parseAv1SequenceHeader(seq.payload);
  const head = Uint8Array.of(
    0x81,
    (h.seqProfile << 5) | h.seqLevelIdx0,
    (h.seqTier0 << 7) | (h.highBitdepth ? 0x40 : 0) | (h.twelveBit ? 0x20 : 0) | (h.monochrome ? 0x10 : 0) | (h.subsamplingX << 3) | (h.subsamplingY << 2) | h.chromaSamplePosition,
    0x00,
  );
  return joinBytes([head, serializeAv1Obu(seq, true)]);
}
