/**
 * @module rtp/rtp-packet
 * The RTP data packet (RFC 3550 section 5.1, 5.3.1) with CSRCs, padding and the
 * general header extension mechanism of RFC 8285 (one-byte form, section 4.2; two-byte
 * form, section 4.3). Extension profiles that are not RFC 8285 are kept raw.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  defined by profile (0xBEDE | 0x100x) |        length         |
 * |                        extension elements                     |
 * ```
 *
 * Parsing is zero-copy: the payload and every extension element's data are
 * `subarray` views of the input. Copy them if they must outlive the datagram.
 */
import { ParseError, InvalidArgumentError } from '../common/errors.js';

/** RFC 3550 5.1: the fixed header is 12 octets. */
export const RTP_FIXED_HEADER_BYTES = 12;
/** RFC 3550 5.1: the CC field is 4 bits, so at most 15 CSRCs. */
export const RTP_MAX_CSRCS = 15;
/** RFC 8285 4.2: "defined by profile" value of the one-byte form. */
export const RTP_EXTENSION_PROFILE_ONE_BYTE = 0xbede;
/** RFC 8285 4.3: the two-byte form is 0x100 followed by 4 "appbits". */
export const RTP_EXTENSION_PROFILE_TWO_BYTE = 0x1000;
/** RFC 8285 4.2: one-byte IDs are 1-14; 15 stops parsing. */
export const RTP_ONE_BYTE_MAX_ID = 14;
/** RFC 8285 4.2: one-byte element data is 1 to 16 bytes. */
export const RTP_ONE_BYTE_MAX_DATA_BYTES = 16;
/** RFC 8285 4.3: two-byte IDs are 1-255, data 0-255 bytes. */
export const RTP_TWO_BYTE_MAX_ID = 255;
export const RTP_TWO_BYTE_MAX_DATA_BYTES = 255;

/** One RFC 8285 extension element: a local ID (negotiated with a=extmap) and its data. */
export interface RtpExtensionElement {
  readonly id: number;
  readonly data: Uint8Array;
}

/** The header extension block: RFC 8285 one-byte or two-byte elements, or another profile kept raw. */
export type RtpHeaderExtension =
  | { readonly type: 'one-byte'; readonly elements: readonly RtpExtensionElement[] }
  | { readonly type: 'two-byte'; readonly appBits: number; readonly elements: readonly RtpExtensionElement[] }
  | { readonly type: 'raw'; readonly profile: number; readonly data: Uint8Array };

/** An RTP packet (version 2 always). */
export interface RtpPacket {
  readonly marker: boolean;
  /** 7 bits. */
  readonly payloadType: number;
  /** 16 bits. */
  readonly sequenceNumber: number;
  /** 32 bits, media clock units. */
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly headerExtension: RtpHeaderExtension | undefined;
  readonly payload: Uint8Array;
  /** Number of padding octets at the end, the last one included (0: P bit clear). RFC 3550 5.1. */
  readonly paddingBytes: number;
}

/** Fields of an RTP packet that the caller may leave out when building one. */
export type RtpPacketInit = Partial<Omit<RtpPacket, 'payloadType' | 'sequenceNumber' | 'timestamp' | 'ssrc'>> &
  Pick<RtpPacket, 'payloadType' | 'sequenceNumber' | 'timestamp' | 'ssrc'>;

/** Build a packet with defaults (no marker, CSRCs, extension, payload or padding). */
export function rtpPacket(init: RtpPacketInit): RtpPacket {
  return {
    marker: init.marker ?? false,
    payloadType: init.payloadType,
    sequenceNumber: init.sequenceNumber,
    timestamp: init.timestamp,
    ssrc: init.ssrc,
    csrcs: init.csrcs ?? [],
    headerExtension: init.headerExtension,
    payload: init.payload ?? new Uint8Array(0),
    paddingBytes: init.paddingBytes ?? 0,
  };
}

/**
 * The smallest RFC 8285 form that carries `elements`: one-byte when every ID is 1-14 and
 * every datum 1-16 bytes (section 4.1.2: transmitters SHOULD NOT use two-byte otherwise).
 */
export function rtpExtensions(elements: readonly RtpExtensionElement[]): RtpHeaderExtension {
  const oneByte = elements.every(
    (e) => e.id >= 1 && e.id <= RTP_ONE_BYTE_MAX_ID && e.data.length >= 1 && e.data.length <= RTP_ONE_BYTE_MAX_DATA_BYTES,
  );
  return oneByte ? { type: 'one-byte', elements } : { type: 'two-byte', appBits: 0, elements };
}

/** The data of the first extension element with local ID `id`, if present. */
export function getRtpExtension(packet: RtpPacket, id: number): Uint8Array | undefined {
  const ext = packet.headerExtension;
  if (ext === undefined || ext.type === 'raw') return undefined;
  for (const e of ext.elements) if (e.id === id) return e.data;
  return undefined;
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}
function u32(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

/** RFC 8285 4.2 and 4.3: walk the elements of one extension block (`data` excludes the 4-byte profile/length). */
function parseElements(data: Uint8Array, twoByte: boolean, base: number): RtpExtensionElement[] {
  const out: RtpExtensionElement[] = [];
  let at = 0;
  const end = data.length;
  while (at < end) {
    const first = data[at] as number;
    if (first === 0) {
      at++; // padding byte (section 4.1.1)
      continue;
    }
    let id: number;
    let len: number;
    if (twoByte) {
      if (at + 2 > end) throw new ParseError('RTP two-byte extension: truncated element header', { offset: base + at });
      id = first;
      len = data[at + 1] as number;
      at += 2;
    } else {
      id = first >>> 4;
      if (id === 15) break; // section 4.2: stop processing at ID 15
      len = (first & 0x0f) + 1;
      if (id === 0) break; // section 4.1.1: ID 0 with length > 0 ends processing
      at += 1;
    }
    if (at + len > end) throw new ParseError(`RTP extension ${id}: ${len} bytes overrun the block`, { offset: base + at });
    out.push({ id, data: data.subarray(at, at + len) });
    at += len;
  }
  return out;
}

/** Parse an RTP packet (RFC 3550 5.1, A.1 validity checks). Throws only `ParseError`. */
export function parseRtp(bytes: Uint8Array): RtpPacket {
  const n = bytes.length;
  if (n < RTP_FIXED_HEADER_BYTES) throw new ParseError(`RTP: ${n} bytes is shorter than the fixed header`, { offset: 0 });
  const b0 = bytes[0] as number;
  const b1 = bytes[1] as number;
  if (b0 >>> 6 !== 2) throw new ParseError(`RTP: version ${b0 >>> 6}, expected 2`, { offset: 0 });
  const cc = b0 & 0x0f;
  let at = RTP_FIXED_HEADER_BYTES;
  if (at + cc * 4 > n) throw new ParseError(`RTP: ${cc} CSRCs overrun the packet`, { offset: at });
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++, at += 4) csrcs.push(u32(bytes, at));
  let headerExtension: RtpHeaderExtension | undefined;
  if ((b0 & 0x10) !== 0) {
    if (at + 4 > n) throw new ParseError('RTP: truncated header extension', { offset: at });
    const profile = u16(bytes, at);
    const len = u16(bytes, at + 2) * 4;
    const start = at + 4;
    if (start + len > n) throw new ParseError(`RTP: header extension of ${len} bytes overruns the packet`, { offset: at });
    const data = bytes.subarray(start, start + len);
    if (profile === RTP_EXTENSION_PROFILE_ONE_BYTE) {
      headerExtension = { type: 'one-byte', elements: parseElements(data, false, start) };
    } else if (profile >>> 4 === RTP_EXTENSION_PROFILE_TWO_BYTE >>> 4) {
      headerExtension = { type: 'two-byte', appBits: profile & 0x0f, elements: parseElements(data, true, start) };
    } else {
      headerExtension = { type: 'raw', profile, data };
    }
    at = start + len;
  }
  let end = n;
  let paddingBytes = 0;
  if ((b0 & 0x20) !== 0) {
    paddingBytes = bytes[n - 1] as number;
    if (paddingBytes === 0 || at + paddingBytes > n) {
      throw new ParseError(`RTP: padding count ${paddingBytes} is invalid`, { offset: n - 1 });
    }
    end = n - paddingBytes;
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: u16(bytes, 2),
    timestamp: u32(bytes, 4),
    ssrc: u32(bytes, 8),
    csrcs,
    headerExtension,
    payload: bytes.subarray(at, end),
    paddingBytes,
  };
}

function extensionBodyBytes(ext: RtpHeaderExtension): number {
  if (ext.type === 'raw') return ext.data.length;
  const per = ext.type === 'one-byte' ? 1 : 2;
  let n = 0;
  for (const e of ext.elements) n += per + e.data.length;
  return n;
}

function checkElements(ext: RtpHeaderExtension): void {
  if (ext.type === 'raw') {
    if (ext.data.length % 4 !== 0) throw new InvalidArgumentError('RTP raw header extension must be a multiple of 4 bytes');
    if (!Number.isInteger(ext.profile) || ext.profile < 0 || ext.profile > 0xffff) throw new InvalidArgumentError('RTP extension profile must be 16 bits');
    return;
  }
  for (const e of ext.elements) {
    if (ext.type === 'one-byte') {
      if (!(e.id >= 1 && e.id <= RTP_ONE_BYTE_MAX_ID)) throw new InvalidArgumentError(`RTP one-byte extension ID ${e.id} outside 1-14`);
      if (e.data.length < 1 || e.data.length > RTP_ONE_BYTE_MAX_DATA_BYTES) {
        throw new InvalidArgumentError(`RTP one-byte extension ${e.id}: ${e.data.length} bytes outside 1-16`);
      }
    } else {
      if (!(e.id >= 1 && e.id <= RTP_TWO_BYTE_MAX_ID)) throw new InvalidArgumentError(`RTP two-byte extension ID ${e.id} outside 1-255`);
      if (e.data.length > RTP_TWO_BYTE_MAX_DATA_BYTES) throw new InvalidArgumentError(`RTP two-byte extension ${e.id}: more than 255 bytes`);
    }
  }
  if (ext.type === 'two-byte' && !(ext.appBits >= 0 && ext.appBits <= 15)) throw new InvalidArgumentError('RTP appbits must be 4 bits');
}

/** Size in bytes that `serializeRtp(packet)` will produce. */
export function rtpPacketBytes(packet: RtpPacket): number {
  let n = RTP_FIXED_HEADER_BYTES + packet.csrcs.length * 4 + packet.payload.length + packet.paddingBytes;
  if (packet.headerExtension !== undefined) n += 4 + ((extensionBodyBytes(packet.headerExtension) + 3) & ~3);
  return n;
}

/**
 * Serialize into `out` at `offset` (which must have `rtpPacketBytes(packet)` bytes free);
 * returns the offset after the packet. Throws `InvalidArgumentError` on out-of-range fields.
 */
export function writeRtp(packet: RtpPacket, out: Uint8Array, offset = 0): number {
  const cc = packet.csrcs.length;
  if (cc > RTP_MAX_CSRCS) throw new InvalidArgumentError(`RTP: ${cc} CSRCs, at most 15`);
  if (!(packet.paddingBytes >= 0 && packet.paddingBytes <= 255)) throw new InvalidArgumentError('RTP padding must be 0-255 bytes');
  const ext = packet.headerExtension;
  if (ext !== undefined) checkElements(ext);
  let at = offset;
  out[at++] = 0x80 | (packet.paddingBytes > 0 ? 0x20 : 0) | (ext !== undefined ? 0x10 : 0) | cc;
  out[at++] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out[at++] = (packet.sequenceNumber >>> 8) & 0xff;
  out[at++] = packet.sequenceNumber & 0xff;
  at = put32(out, at, packet.timestamp);
  at = put32(out, at, packet.ssrc);
  for (const c of packet.csrcs) at = put32(out, at, c);
  if (ext !== undefined) {
    const body = extensionBodyBytes(ext);
    const words = (body + 3) >>> 2;
    const profile =
      ext.type === 'raw' ? ext.profile : ext.type === 'one-byte' ? RTP_EXTENSION_PROFILE_ONE_BYTE : RTP_EXTENSION_PROFILE_TWO_BYTE | ext.appBits;
    out[at++] = profile >>> 8;
    out[at++] = profile & 0xff;
    out[at++] = words >>> 8;
    out[at++] = words & 0xff;
    const blockEnd = at + words * 4;
    if (ext.type === 'raw') {
      out.set(ext.data, at);
      at += ext.data.length;
    } else {
      for (const e of ext.elements) {
        if (ext.type === 'one-byte') {
          out[at++] = (e.id << 4) | (e.data.length - 1);
        } else {
          out[at++] = e.id;
          out[at++] = e.data.length;
        }
        // Element data is a few bytes: a loop beats TypedArray#set's per-call overhead.
        const d = e.data;
        for (let k = 0; k < d.length; k++) out[at + k] = d[k] as number;
        at += d.length;
      }
    }
    out.fill(0, at, blockEnd);
    at = blockEnd;
  }
  out.set(packet.payload, at);
  at += packet.payload.length;
  if (packet.paddingBytes > 0) {
    out.fill(0, at, at + packet.paddingBytes - 1);
    at += packet.paddingBytes;
    out[at - 1] = packet.paddingBytes;
  }
  return at;
}

function put32(out: Uint8Array, at: number, v: number): number {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
  return at + 4;
}

/** Serialize an RTP packet into a new buffer. */
export function serializeRtp(packet: RtpPacket): Uint8Array {
  const out = new Uint8Array(rtpPacketBytes(packet));
  writeRtp(packet, out, 0);
  return out;
}

/**
 * Rewrite fixed-header fields of a serialized RTP packet in place, without parsing it (an
 * SFU forwarding a packet under its own SSRC and sequence space). The extension element
 * views that `parseRtp` returns point into the same bytes, so their data can be rewritten
 * in place too. Throws `ParseError` if `bytes` is not at least an RTP fixed header.
 */
export function rewriteRtpHeader(
  bytes: Uint8Array,
  fields: { readonly payloadType?: number; readonly marker?: boolean; readonly sequenceNumber?: number; readonly timestamp?: number; readonly ssrc?: number },
): void {
  if (bytes.length < RTP_FIXED_HEADER_BYTES || (bytes[0] as number) >>> 6 !== 2) throw new ParseError('RTP: not an RTP header', { offset: 0 });
  if (fields.payloadType !== undefined || fields.marker !== undefined) {
    const b1 = bytes[1] as number;
    const marker = fields.marker ?? (b1 & 0x80) !== 0;
    const pt = fields.payloadType ?? b1 & 0x7f;
    bytes[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  }
  if (fields.sequenceNumber !== undefined) {
    bytes[2] = (fields.sequenceNumber >>> 8) & 0xff;
    bytes[3] = fields.sequenceNumber & 0xff;
  }
  if (fields.timestamp !== undefined) put32(bytes, 4, fields.timestamp);
  if (fields.ssrc !== undefined) put32(bytes, 8, fields.ssrc);
}
