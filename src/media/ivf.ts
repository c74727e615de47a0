/**
 * @module media/ivf
 * The IVF container that libvpx and ffmpeg write for VP8/VP9/AV1 (no RFC; the layout of
 * libvpx's ivfenc/ivfdec): a 32-byte little-endian file header, then frames each with a
 * 12-byte header (size, 64-bit presentation timestamp).
 *
 * ```
 * 0  'DKIF' | 4 version (0) u16 | 6 header size (32) u16 | 8 fourcc ('VP80') |
 * 12 width u16 | 14 height u16 | 16 timebase denominator u32 | 20 numerator u32 |
 * 24 frame count u32 | 28 unused u32
 * frame: size u32 | timestamp u64 | size bytes of frame data
 * ```
 */
import { ParseError, InvalidArgumentError } from '../common/errors.js';

export const IVF_FILE_HEADER_BYTES = 32;
export const IVF_FRAME_HEADER_BYTES = 12;
/** Bound on one frame's declared size (a corrupt size must not allocate or scan gigabytes). */
export const IVF_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface IvfHeader {
  /** Four ASCII characters: 'VP80', 'VP90', 'AV01'. */
  readonly fourcc: string;
  readonly width: number;
  readonly height: number;
  /** Timestamps count units of numerator/denominator seconds (e.g. 1/30). */
  readonly timebaseDenominator: number;
  readonly timebaseNumerator: number;
  /** As written in the header (writers that stream may leave it 0). */
  readonly frameCount: number;
}

export interface IvfFrame {
  readonly timestamp: bigint;
  /** A view into the file bytes. */
  readonly data: Uint8Array;
}

export function parseIvfHeader(bytes: Uint8Array): IvfHeader {
  if (bytes.length < IVF_FILE_HEADER_BYTES) throw new ParseError('IVF: shorter than its 32-byte header', { offset: 0 });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'DKIF') throw new ParseError('IVF: missing DKIF signature', { offset: 0 });
  const headerBytes = v.getUint16(6, true);
  if (headerBytes < IVF_FILE_HEADER_BYTES || headerBytes > bytes.length) throw new ParseError(`IVF: header size ${headerBytes}`, { offset: 6 });
  return {
    fourcc: String.fromCharCode(...bytes.subarray(8, 12)),
    width: v.getUint16(12, true),
    height: v.getUint16(14, true),
    timebaseDenominator: v.getUint32(16, true),
    timebaseNumerator: v.getUint32(20, true),
    frameCount: v.getUint32(24, true),
  };
}

/** Parse a whole IVF file. A truncated last frame throws `ParseError`. */
export function parseIvf(bytes: Uint8Array): { header: IvfHeader; frames: IvfFrame[] } {
  const header = parseIvfHeader(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: IvfFrame[] = [];
  let at = v.getUint16(6, true);
  while (at < bytes.length) {
    if (at + IVF_FRAME_HEADER_BYTES > bytes.length) throw new ParseError('IVF: truncated frame header', { offset: at });
    const size = v.getUint32(at, true);
    const timestamp = v.getBigUint64(at + 4, true);
    at += IVF_FRAME_HEADER_BYTES;
    if (size > IVF_MAX_FRAME_BYTES || at + size > bytes.length) throw new ParseError(`IVF: frame of ${size} bytes overruns the file`, { offset: at - IVF_FRAME_HEADER_BYTES });
    frames.push({ timestamp, data: bytes.subarray(at, at + size) });
    at += size;
  }
  return { header, frames };
}

export function serializeIvfHeader(h: IvfHeader): Uint8Array {
  if (h.fourcc.length !== 4) throw new InvalidArgumentError('IVF fourcc must be 4 characters');
  const out = new Uint8Array(IVF_FILE_HEADER_BYTES);
  const v = new DataView(out.buffer);
  out.set([0x44, 0x4b, 0x49, 0x46], 0); // 'DKIF'
  v.setUint16(4, 0, true);
  v.setUint16(6, IVF_FILE_HEADER_BYTES, true);
  for (let i = 0; i < 4; i++) out[8 + i] = h.fourcc.charCodeAt(i) & 0xff;
  v.setUint16(12, h.width, true);
  v.setUint16(14, h.height, true);
  v.setUint32(16, h.timebaseDenominator, true);
  v.setUint32(20, h.timebaseNumerator, true);
  v.setUint32(24, h.frameCount, true);
  return out;
}

export function serializeIvfFrame(f: IvfFrame): Uint8Array {
  if (f.data.length > IVF_MAX_FRAME_BYTES) throw new InvalidArgumentError('IVF frame too large');
  const out = new Uint8Array(IVF_FRAME_HEADER_BYTES + f.data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, f.data.length, true);
  v.setBigUint64(4, BigInt.asUintN(64, f.timestamp), true);
  out.set(f.data, IVF_FRAME_HEADER_BYTES);
  return out;
}

/** A whole file; the header's frame count is set to `frames.length`. */
export function serializeIvf(header: IvfHeader, frames: readonly IvfFrame[]): Uint8Array {
  const parts = [serializeIvfHeader({ ...header, frameCount: frames.length }), ...frames.map(serializeIvfFrame)];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
