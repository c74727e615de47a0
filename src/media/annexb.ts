/**
 * @module media/annexb
 * H.264 Annex B byte streams (ITU-T H.264 Annex B, B.1 byte stream NAL unit syntax):
 * NAL units separated by the start code 00 00 01 (optionally preceded by a zero byte),
 * and their grouping into access units (H.264 7.4.1.2.3: an access unit delimiter, SPS,
 * PPS, SEI or NAL types 14-18 after a picture's first VCL NAL, or a VCL NAL whose
 * first_mb_in_slice is 0, begins a new access unit). RFC 6184 1.3 calls these the
 * units that an RTP timestamp covers.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { joinBytes } from './frame.js';

/** The 4-byte start code written before each NAL unit. */
export const ANNEXB_START_CODE = Uint8Array.of(0, 0, 0, 1);

/** H.264 Table 7-1 NAL unit types used here. */
export const H264NalType = {
  Slice: 1,
  SliceA: 2,
  Idr: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  Aud: 9,
  EndOfSequence: 10,
  EndOfStream: 11,
  Filler: 12,
  StapA: 24,
  StapB: 25,
  Mtap16: 26,
  Mtap24: 27,
  FuA: 28,
  FuB: 29,
} as const;

/**
 * Split an Annex B byte stream into NAL units (views, no copies). Bytes before the first
 * start code are ignored; trailing zero bytes of a NAL (trailing_zero_8bits) are removed.
 */
export function splitAnnexB(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = stream.length;
  let start = -1;
  let i = 0;
  while (i + 2 < n) {
    if (stream[i + 2]! > 1) {
      i += 3;
      continue;
    }
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      if (start >= 0) out.push(trimZeros(stream, start, i));
      start = i + 3;
      i += 3;
      continue;
    }
    i++;
  }
  if (start >= 0) out.push(trimZeros(stream, start, n));
  return out.filter((nal) => nal.length > 0);
}

function trimZeros(s: Uint8Array, from: number, to: number): Uint8Array {
  let end = to;
  while (end > from && s[end - 1] === 0) end--;
  return s.subarray(from, end);
}

/** Join NAL units into an Annex B stream with 4-byte start codes. */
export function joinAnnexB(nals: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const nal of nals) {
    if (nal.length === 0) throw new InvalidArgumentError('empty NAL unit');
    parts.push(ANNEXB_START_CODE, nal);
  }
  return joinBytes(parts);
}

/** H.264 7.3.1: nal_unit_type is the low 5 bits of the first byte. */
export function h264NalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

function isVcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

/** first_mb_in_slice is ue(v) and 0 codes as the single bit '1' (H.264 9.1). */
function firstMbIsZero(nal: Uint8Array): boolean {
  return nal.length > 1 && ((nal[1] as number) & 0x80) !== 0;
}

/**
 * Group NAL units into access units (H.264 7.4.1.2.3, for progressive streams with one
 * slice group, what WebRTC encoders produce). Each access unit is a list of NAL views.
 */
export function groupAccessUnits(nals: readonly Uint8Array[]): Uint8Array[][] {
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let seenVcl = false;
  for (const nal of nals) {
    const type = h264NalType(nal);
    let begins = false;
    if (seenVcl) {
      if (type === H264NalType.Aud || type === H264NalType.Sps || type === H264NalType.Pps || type === H264NalType.Sei || (type >= 14 && type <= 18)) begins = true;
      else if (isVcl(type) && firstMbIsZero(nal)) begins = true;
    }
    if (begins && current.length > 0) {
      units.push(current);
      current = [];
      seenVcl = false;
    }
    current.push(nal);
    if (isVcl(type)) seenVcl = true;
  }
  if (current.length > 0) units.push(current);
  return units;
}

/** An Annex B stream as access units, each re-joined as Annex B bytes with 4-byte start codes. */
export function readAnnexBAccessUnits(stream: Uint8Array): Uint8Array[] {
  return groupAccessUnits(splitAnnexB(stream)).map(joinAnnexB);
}
