/**
 * @module rtp/rtcp-twcc
 * Transport-wide congestion control feedback (RTPFB, PT=205, FMT=15),
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1.
 *
 * ```
 * |V=2|P|  FMT=15 |    PT=205     |           length              |
 * |                     SSRC of packet sender                     |
 * |                      SSRC of media source                     |
 * |      base sequence number     |      packet status count      |
 * |                 reference time                | fb pkt. count |
 * |          packet chunk         |         packet chunk          |  ...
 * |         packet chunk          |  recv delta   |  recv delta   |  ...
 * |           recv delta          |  recv delta   | zero padding  |
 * ```
 * Chunks (3.1.3, 3.1.4): run length `0|S(2)|run(13)`; status vector `1|0|14 x 1-bit` or
 * `1|1|7 x 2-bit`. Symbols: 00 not received, 01 small delta (1 byte, unsigned),
 * 10 large or negative delta (2 bytes, signed), 11 reserved ("received, no delta").
 * Deltas are in 250 us ticks; reference time is signed 24 bits of 64 ms.
 *
 * Here a feedback packet is held decoded: one status per packet and one delta per packet
 * with status 1 or 2. The serializer picks the chunks.
 */
import type { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError } from '../common/errors.js';

export const TwccStatus = { NotReceived: 0, SmallDelta: 1, LargeDelta: 2, ReceivedNoDelta: 3 } as const;
export type TwccStatus = (typeof TwccStatus)[keyof typeof TwccStatus];

/** 3.1: packet status count is 16 bits; this bounds what one feedback packet expands to. */
export const TWCC_MAX_STATUS_COUNT = 0xffff;
/** 3.1.5: delta resolution. */
export const TWCC_DELTA_TICK_US = 250;
/** 3.1: reference time unit. */
export const TWCC_REFERENCE_TIME_UNIT_MS = 64;
const RUN_LENGTH_MAX = 0x1fff;

export interface RtcpTwcc {
  readonly type: 'twcc';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly baseSequenceNumber: number;
  /** Signed 24 bits, units of 64 ms. */
  readonly referenceTime: number;
  /** 8 bits, wraps. */
  readonly feedbackPacketCount: number;
  /** One status per packet from the base sequence number on. */
  readonly statuses: readonly TwccStatus[];
  /** One delta (250 us ticks) per status SmallDelta (0..255) or LargeDelta (-32768..32767), in order. */
  readonly deltas: readonly number[];
}

/** Parse the FCI (after the two SSRCs). Padding bytes, if any, may follow the last delta. */
export function parseTwcc(r: Reader, senderSsrc: number, mediaSsrc: number): RtcpTwcc {
  const baseSequenceNumber = r.u16('TWCC base sequence');
  const count = r.u16('TWCC status count');
  const ref = r.u24('TWCC reference time');
  const feedbackPacketCount = r.u8('TWCC feedback count');
  const statuses: TwccStatus[] = [];
  while (statuses.length < count) {
    const chunk = r.u16('TWCC packet chunk');
    const left = count - statuses.length;
    if ((chunk & 0x8000) === 0) {
      const s = ((chunk >>> 13) & 0x3) as TwccStatus;
      const run = Math.min(chunk & RUN_LENGTH_MAX, left);
      for (let i = 0; i < run; i++) statuses.push(s);
    } else if ((chunk & 0x4000) === 0) {
      const n = Math.min(14, left);
      for (let i = 0; i < n; i++) statuses.push(((chunk >>> (13 - i)) & 1) as TwccStatus);
    } else {
      const n = Math.min(7, left);
      for (let i = 0; i < n; i++) statuses.push(((chunk >>> (12 - 2 * i)) & 3) as TwccStatus);
    }
  }
  const deltas: number[] = [];
  for (const s of statuses) {
    if (s === TwccStatus.SmallDelta) deltas.push(r.u8('TWCC small delta'));
    else if (s === TwccStatus.LargeDelta) deltas.push((r.u16('TWCC large delta') << 16) >> 16);
  }
  r.rest();
  return { type: 'twcc', senderSsrc, mediaSsrc, baseSequenceNumber, referenceTime: (ref << 8) >> 8, feedbackPacketCount, statuses, deltas };
}

/** Encode the statuses as chunks: run length for long runs, else the densest status vector. */
export function twccChunks(statuses: readonly TwccStatus[]): number[] {
  const out: number[] = [];
  const n = statuses.length;
  let i = 0;
  while (i < n) {
    const s = statuses[i] as TwccStatus;
    let run = 1;
    while (i + run < n && run < RUN_LENGTH_MAX && statuses[i + run] === s) run++;
    const left = n - i;
    if (run >= 14 || run === left) {
      out.push((s << 13) | run);
      i += run;
      continue;
    }
    let oneBit = true;
    for (let k = i; k < Math.min(n, i + 14); k++) if ((statuses[k] as number) > 1) oneBit = false;
    if (oneBit) {
      let c = 0x8000;
      for (let k = 0; k < 14 && i + k < n; k++) c |= (statuses[i + k] as number) << (13 - k);
      out.push(c);
      i += 14;
    } else if (run >= 7) {
      out.push((s << 13) | run);
      i += run;
    } else {
      let c = 0xc000;
      for (let k = 0; k < 7 && i + k < n; k++) c |= (statuses[i + k] as number) << (12 - 2 * k);
      out.push(c);
      i += 7;
    }
  }
  return out;
}

/** Write the FCI (after the SSRCs), without padding. */
export function writeTwccFci(w: Writer, p: RtcpTwcc): void {
  const n = p.statuses.length;
  if (n > TWCC_MAX_STATUS_COUNT) throw new InvalidArgumentError(`TWCC: ${n} statuses, at most 65535`);
  if (!(p.referenceTime >= -0x800000 && p.referenceTime <= 0x7fffff)) throw new InvalidArgumentError('TWCC reference time must fit 24 signed bits');
  w.u16(p.baseSequenceNumber & 0xffff).u16(n).u24(p.referenceTime & 0xffffff).u8(p.feedbackPacketCount & 0xff);
  let need = 0;
  for (const s of p.statuses) {
    if (!(s === 0 || s === 1 || s === 2 || s === 3)) throw new InvalidArgumentError(`TWCC status ${String(s)}`);
    if (s === 1 || s === 2) need++;
  }
  if (need !== p.deltas.length) throw new InvalidArgumentError(`TWCC: ${need} received-with-delta statuses but ${p.deltas.length} deltas`);
  for (const c of twccChunks(p.statuses)) w.u16(c);
  let d = 0;
  for (const s of p.statuses) {
    if (s === TwccStatus.SmallDelta) {
      const v = p.deltas[d++] as number;
      if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new InvalidArgumentError(`TWCC small delta ${v} outside 0-255`);
      w.u8(v);
    } else if (s === TwccStatus.LargeDelta) {
      const v = p.deltas[d++] as number;
      if (!(Number.isInteger(v) && v >= -32768 && v <= 32767)) throw new InvalidArgumentError(`TWCC large delta ${v} outside 16 signed bits`);
      w.u16(v & 0xffff);
    }
  }
}

/** One packet's fate as reported by a feedback packet. */
export interface TwccPacketResult {
  readonly sequenceNumber: number;
  /** Arrival time in us, relative to the reference time origin (reference time x 64 ms + summed deltas); undefined when lost or reported without delta. */
  readonly arrivalUs: number | undefined;
  readonly received: boolean;
}

/** Expand feedback into per-packet results (3.1.5: each delta is relative to the previous arrival, the first to the reference time). */
export function twccPacketResults(p: RtcpTwcc): TwccPacketResult[] {
  const out: TwccPacketResult[] = [];
  let t = p.referenceTime * TWCC_REFERENCE_TIME_UNIT_MS * 1000;
  let d = 0;
  p.statuses.forEach((s, i) => {
    const sequenceNumber = (p.baseSequenceNumber + i) & 0xffff;
    if (s === TwccStatus.SmallDelta || s === TwccStatus.LargeDelta) {
      t += (p.deltas[d++] ?? 0) * TWCC_DELTA_TICK_US;
      out.push({ sequenceNumber, arrivalUs: t, received: true });
    } else {
      out.push({ sequenceNumber, arrivalUs: undefined, received: s === TwccStatus.ReceivedNoDelta });
    }
  });
  return out;
}

/**
 * Build feedback from arrival times. `arrivalsUs[i]` is the arrival of packet
 * `baseSequenceNumber + i` in us on the receiver's clock, or undefined if lost. The
 * reference time is the first arrival rounded down to 64 ms; deltas are rounded to 250 us
 * ticks against the running sum (so rounding errors do not accumulate).
 */
export function buildTwcc(opts: {
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly baseSequenceNumber: number;
  readonly feedbackPacketCount: number;
  readonly arrivalsUs: readonly (number | undefined)[];
}): RtcpTwcc {
  const first = opts.arrivalsUs.find((a) => a !== undefined);
  const unitUs = TWCC_REFERENCE_TIME_UNIT_MS * 1000;
  const referenceTime = first === undefined ? 0 : (((Math.floor(first / unitUs) % 0x1000000) + 0x1000000) % 0x1000000 << 8) >> 8;
  let t = first === undefined ? 0 : Math.floor(first / unitUs) * unitUs;
  const statuses: TwccStatus[] = [];
  const deltas: number[] = [];
  for (const a of opts.arrivalsUs) {
    if (a === undefined) {
      statuses.push(TwccStatus.NotReceived);
      continue;
    }
    const ticks = Math.round((a - t) / TWCC_DELTA_TICK_US) + 0; // + 0 turns -0 into 0
    if (ticks >= 0 && ticks <= 255) statuses.push(TwccStatus.SmallDelta);
    else if (ticks >= -32768 && ticks <= 32767) statuses.push(TwccStatus.LargeDelta);
    else throw new InvalidArgumentError('TWCC: arrival too far from the previous one for one feedback packet');
    deltas.push(ticks);
    t += ticks * TWCC_DELTA_TICK_US;
  }
  return {
    type: 'twcc',
    senderSsrc: opts.senderSsrc,
    mediaSsrc: opts.mediaSsrc,
    baseSequenceNumber: opts.baseSequenceNumber & 0xffff,
    referenceTime,
    feedbackPacketCount: opts.feedbackPacketCount & 0xff,
    statuses,
    deltas,
  };
}
