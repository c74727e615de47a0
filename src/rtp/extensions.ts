/**
 * @module rtp/extensions
 * Values carried in RFC 8285 header extension elements, by URI:
 * - `mid` (RFC 8843 section 15), `rtp-stream-id` and `repaired-rtp-stream-id` (RFC 8852 3.1, 3.2): text
 * - `abs-send-time` (webrtc.org): 24-bit 6.18 fixed-point seconds, the middle bits of NTP time
 * - transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2): 16 bits
 * - client-to-mixer audio level (RFC 6464 section 3): V bit and 7-bit level in -dBov
 * - coordination of video orientation (3GPP TS 26.114 7.4.5): C, F, R1 R0 bits
 * - playout-delay (webrtc.org): two 12-bit delays in 10 ms units
 * - abs-capture-time (webrtc.org): 64-bit NTP timestamp, optional signed Q32.32 clock offset
 *
 * Each `parse*` throws only `ParseError`; each `serialize*` returns the element data.
 */
import { ParseError, InvalidArgumentError } from '../common/errors.js';

/** The a=extmap URIs of the extensions above. */
export const RtpExtensionUri = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rtpStreamId: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  repairedRtpStreamId: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportWideCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  videoOrientation: 'urn:3gpp:video-orientation',
  playoutDelay: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
  absCaptureTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time',
} as const;
export type RtpExtensionUri = (typeof RtpExtensionUri)[keyof typeof RtpExtensionUri];

/** RFC 8852 3.1 / RFC 8843 15: identifiers are at most 255 bytes (the two-byte form limit). */
export const RTP_STREAM_ID_MAX_BYTES = 255;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

function needLength(data: Uint8Array, min: number, what: string, max = min): void {
  if (data.length < min || data.length > max) {
    throw new ParseError(`${what}: ${data.length} bytes, expected ${min === max ? min : `${min}-${max}`}`, { offset: 0 });
  }
}

/** mid / rid / repaired-rid: the identifier text (RFC 8852 3.1: an SDES item value, UTF-8). */
export function parseSdesExtension(data: Uint8Array): string {
  needLength(data, 1, 'SDES header extension', RTP_STREAM_ID_MAX_BYTES);
  // Some senders pad the value with NULs inside the element; they are not part of the id.
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return utf8.decode(data.subarray(0, end));
}
export function serializeSdesExtension(id: string): Uint8Array {
  const b = utf8Encoder.encode(id);
  if (b.length < 1 || b.length > RTP_STREAM_ID_MAX_BYTES) throw new InvalidArgumentError(`SDES header extension value of ${b.length} bytes`);
  return b;
}

/** abs-send-time: the 24-bit 6.18 fixed-point value (units of 2^-18 s, wrapping every 64 s). */
export function parseAbsSendTime(data: Uint8Array): number {
  needLength(data, 3, 'abs-send-time');
  return ((data[0] as number) << 16) | ((data[1] as number) << 8) | (data[2] as number);
}
export function serializeAbsSendTime(value24: number): Uint8Array {
  return Uint8Array.of((value24 >>> 16) & 0xff, (value24 >>> 8) & 0xff, value24 & 0xff);
}
/** abs-send-time from a 64-bit NTP timestamp: bits 14..37 (6 integer bits, 18 fraction bits). */
export function absSendTimeFromNtp(ntp: bigint): number {
  return Number((ntp >> 14n) & 0xffffffn);
}
/** abs-send-time from milliseconds on any clock (only the value mod 64 s matters). */
export function absSendTimeFromMs(ms: number): number {
  return Math.round((ms * 262_144) / 1000) % 0x1000000;
}

/** Transport-wide sequence number (draft-holmer-...-01 section 2): 16 bits. */
export function parseTransportCc(data: Uint8Array): number {
  needLength(data, 2, 'transport-cc');
  return ((data[0] as number) << 8) | (data[1] as number);
}
export function serializeTransportCc(sequenceNumber: number): Uint8Array {
  return Uint8Array.of((sequenceNumber >>> 8) & 0xff, sequenceNumber & 0xff);
}

/** RFC 6464 3: voice activity flag and the level as -dBov, 0 (loudest) to 127 (silence). */
export interface AudioLevel {
  readonly voiceActivity: boolean;
  readonly levelDbov: number;
}
export function parseAudioLevel(data: Uint8Array): AudioLevel {
  // RFC 6464 3: the one-byte form has 1 byte of data; the two-byte form may pad it.
  needLength(data, 1, 'audio level', 4);
  const b = data[0] as number;
  return { voiceActivity: (b & 0x80) !== 0, levelDbov: b & 0x7f };
}
export function serializeAudioLevel(v: AudioLevel): Uint8Array {
  if (!(Number.isInteger(v.levelDbov) && v.levelDbov >= 0 && v.levelDbov <= 127)) throw new InvalidArgumentError('audio level must be 0-127');
  return Uint8Array.of((v.voiceActivity ? 0x80 : 0) | v.levelDbov);
}

/** 3GPP TS 26.114 7.4.5 (CVO): camera (0 front, 1 back), horizontal flip, clockwise rotation. */
export interface VideoOrientation {
  readonly camera: 0 | 1;
  readonly flip: boolean;
  readonly rotationDegrees: 0 | 90 | 180 | 270;
}
const ROTATIONS = [0, 90, 180, 270] as const;
export function parseVideoOrientation(data: Uint8Array): VideoOrientation {
  needLength(data, 1, 'video orientation', 4);
  const b = data[0] as number;
  return { camera: (b & 0x08) !== 0 ? 1 : 0, flip: (b & 0x04) !== 0, rotationDegrees: ROTATIONS[b & 0x03] as 0 | 90 | 180 | 270 };
}
export function serializeVideoOrientation(v: VideoOrientation): Uint8Array {
  const r = ROTATIONS.indexOf(v.rotationDegrees);
  if (r < 0) throw new InvalidArgumentError('rotation must be 0, 90, 180 or 270');
  return Uint8Array.of((v.camera === 1 ? 0x08 : 0) | (v.flip ? 0x04 : 0) | r);
}

/** playout-delay: minimum and maximum in ms, each a multiple of 10 up to 40950. */
export interface PlayoutDelay {
  readonly minMs: number;
  readonly maxMs: number;
}
/** playout-delay granularity: 10 ms, 12 bits each. */
export const PLAYOUT_DELAY_UNIT_MS = 10;
export function parsePlayoutDelay(data: Uint8Array): PlayoutDelay {
  needLength(data, 3, 'playout-delay');
  const v = ((data[0] as number) << 16) | ((data[1] as number) << 8) | (data[2] as number);
  return { minMs: (v >>> 12) * PLAYOUT_DELAY_UNIT_MS, maxMs: (v & 0xfff) * PLAYOUT_DELAY_UNIT_MS };
}
export function serializePlayoutDelay(v: PlayoutDelay): Uint8Array {
  const min = v.minMs / PLAYOUT_DELAY_UNIT_MS;
  const max = v.maxMs / PLAYOUT_DELAY_UNIT_MS;
  for (const x of [min, max]) if (!(Number.isInteger(x) && x >= 0 && x <= 0xfff)) throw new InvalidArgumentError('playout delay must be 0-40950 ms in steps of 10');
  const w = (min << 12) | max;
  return Uint8Array.of((w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
}

/** abs-capture-time: NTP (Q32.32) capture time and, optionally, the sender's estimate of its clock offset (signed Q32.32). */
export interface AbsCaptureTime {
  readonly absoluteCaptureTimestamp: bigint;
  readonly estimatedCaptureClockOffset?: bigint;
}
export function parseAbsCaptureTime(data: Uint8Array): AbsCaptureTime {
  if (data.length !== 8 && data.length !== 16) throw new ParseError(`abs-capture-time: ${data.length} bytes, expected 8 or 16`, { offset: 0 });
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const absoluteCaptureTimestamp = view.getBigUint64(0);
  return data.length === 16 ? { absoluteCaptureTimestamp, estimatedCaptureClockOffset: view.getBigInt64(8) } : { absoluteCaptureTimestamp };
}
export function serializeAbsCaptureTime(v: AbsCaptureTime): Uint8Array {
  const out = new Uint8Array(v.estimatedCaptureClockOffset === undefined ? 8 : 16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt.asUintN(64, v.absoluteCaptureTimestamp));
  if (v.estimatedCaptureClockOffset !== undefined) view.setBigInt64(8, BigInt.asIntN(64, v.estimatedCaptureClockOffset));
  return out;
}
