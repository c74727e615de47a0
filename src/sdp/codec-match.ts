/**
 * @module sdp/codec-match
 * When two codec descriptions name the same thing: RFC 3264 section 6.1 (a format in the
 * answer is one the answerer supports out of the offer), RFC 8866 section 6.6 (encoding
 * name compared case-insensitively, audio channels default to 1), RFC 6184 section 8.1
 * (H.264 `profile-level-id`: Table 5 sub-profiles from profile_idc and profile-iop;
 * absent means Baseline Level 1, 42000a; `packetization-mode` absent means 0; profiles
 * must match, levels may differ), RFC 7741 section 6.1 (VP8: no parameters to match),
 * the VP9 RTP payload draft (`profile-id`, absent means 0) and the AV1 RTP specification
 * section 7.2 (`profile`, absent means 0).
 */
import { fmtpValue, parseFmtpParameters } from './accessors.js';
import type { FmtpParameter } from './accessors.js';

/** RFC 6184 section 8.1 Table 5 sub-profile names, plus Constrained High (H.264 A.2.11). */
export type H264Profile =
  | 'constrained-baseline'
  | 'baseline'
  | 'main'
  | 'extended'
  | 'high'
  | 'constrained-high'
  | 'high-10'
  | 'high-422'
  | 'high-444'
  | 'high-10-intra'
  | 'high-422-intra'
  | 'high-444-intra'
  | 'cavlc-444-intra';

export interface H264ProfileLevel {
  readonly profile: H264Profile;
  /** level_idc (10 = 1.0, 31 = 3.1); 1b is reported as 9 (H.264 Table A-1 convention). */
  readonly level: number;
}

/** RFC 6184 section 8.1: "If no profile-level-id is present, ... Baseline ... Level 1". */
export const H264_DEFAULT_PROFILE_LEVEL_ID = '42000a';
const LEVEL_1B = 9;

/** A Table 5 row: profile_idc, and the profile-iop pattern as a mask and required value. */
interface ProfilePattern {
  readonly idc: number;
  readonly mask: number;
  readonly value: number;
  readonly profile: H264Profile;
}

/** Builds a pattern from Table 5's binary notation (`x1xx0000`: x is "either"). */
function pattern(idc: number, bits: string, profile: H264Profile): ProfilePattern {
  let mask = 0;
  let value = 0;
  for (const ch of bits) {
    mask <<= 1;
    value <<= 1;
    if (ch !== 'x') {
      mask |= 1;
      if (ch === '1') value |= 1;
    }
  }
  return { idc, mask, value, profile };
}

/** RFC 6184 section 8.1 Table 5, in table order; Constrained High (64, 00001100) first among 64. */
const H264_PROFILES: readonly ProfilePattern[] = [
  pattern(0x42, 'x1xx0000', 'constrained-baseline'),
  pattern(0x4d, '1xxx0000', 'constrained-baseline'),
  pattern(0x58, '11xx0000', 'constrained-baseline'),
  pattern(0x42, 'x0xx0000', 'baseline'),
  pattern(0x58, '10xx0000', 'baseline'),
  pattern(0x4d, '0x0x0000', 'main'),
  pattern(0x58, '00xx0000', 'extended'),
  pattern(0x64, '00001100', 'constrained-high'),
  pattern(0x64, '00000000', 'high'),
  pattern(0x6e, '00000000', 'high-10'),
  pattern(0x7a, '00000000', 'high-422'),
  pattern(0xf4, '00000000', 'high-444'),
  pattern(0x6e, '00010000', 'high-10-intra'),
  pattern(0x7a, '00010000', 'high-422-intra'),
  pattern(0xf4, '00010000', 'high-444-intra'),
  pattern(0x2c, '00010000', 'cavlc-444-intra'),
];

/**
 * Reads an H.264 `profile-level-id` (6 hex digits). Undefined when malformed or when
 * the profile_idc/profile-iop pair is not in Table 5.
 */
export function parseH264ProfileLevelId(text: string | undefined): H264ProfileLevel | undefined {
  const hex = text ?? H264_DEFAULT_PROFILE_LEVEL_ID;
  if (!/^[0-9A-Fa-f]{6}$/.test(hex)) return undefined;
  const idc = parseInt(hex.slice(0, 2), 16);
  const iop = parseInt(hex.slice(2, 4), 16);
  const levelIdc = parseInt(hex.slice(4, 6), 16);
  const row = H264_PROFILES.find((p) => p.idc === idc && (iop & p.mask) === p.value);
  if (row === undefined) return undefined;
  // Level 1b: level_idc 11 with constraint_set3_flag (bit 4 of profile-iop) for B, M, E.
  const level = levelIdc === 11 && (iop & 0x10) !== 0 && (idc === 0x42 || idc === 0x4d || idc === 0x58) ? LEVEL_1B : levelIdc;
  return { profile: row.profile, level };
}

/** Something with a name, clock rate, channel count and fmtp parameters. */
export interface CodecDescription {
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly parameters: readonly FmtpParameter[];
}

function numberParam(params: readonly FmtpParameter[], name: string, fallback: string): string {
  const v = fmtpValue({ parameters: params }, name) ?? fallback;
  // Compare numerically when both sides are integers ("01" = "1").
  return /^[0-9]+$/.test(v) ? String(Number(v)) : v;
}

/**
 * True when a and b describe the same codec configuration for negotiation: same name
 * (case-insensitive), clock rate and channel count, and for H.264 the same profile and
 * packetization-mode, for VP9 the same profile-id, for AV1 the same profile.
 */
export function codecsMatch(a: CodecDescription, b: CodecDescription): boolean {
  const name = a.name.toLowerCase();
  if (name !== b.name.toLowerCase() || a.clockRate !== b.clockRate) return false;
  // RFC 8866 section 6.6: an omitted channel count means one channel.
  if ((a.channels ?? 1) !== (b.channels ?? 1)) return false;
  switch (name) {
    case 'h264': {
      if (numberParam(a.parameters, 'packetization-mode', '0') !== numberParam(b.parameters, 'packetization-mode', '0')) return false;
      const pa = parseH264ProfileLevelId(fmtpValue(a, 'profile-level-id'));
      const pb = parseH264ProfileLevelId(fmtpValue(b, 'profile-level-id'));
      return pa !== undefined && pb !== undefined && pa.profile === pb.profile;
    }
    case 'vp9':
      return numberParam(a.parameters, 'profile-id', '0') === numberParam(b.parameters, 'profile-id', '0');
    case 'av1':
      return numberParam(a.parameters, 'profile', '0') === numberParam(b.parameters, 'profile', '0');
    default:
      return true;
  }
}

/** Builds a CodecDescription from fmtp text, for callers that hold capabilities as text. */
export function describeCodec(name: string, clockRate: number, fmtp = '', channels?: number): CodecDescription {
  const base = { name, clockRate, parameters: parseFmtpParameters(fmtp) };
  return channels === undefined ? base : { ...base, channels };
}
