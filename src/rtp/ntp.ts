/**
 * @module rtp/ntp
 * NTP timestamps as RTCP carries them (RFC 3550 section 4: 64-bit, seconds since
 * 1900-01-01 in the high word, fraction in the low word; the "compact" middle 32 bits
 * used by LSR/DLSR in 6.4.1 and by RFC 3611 4.5; eras per RFC 4330 section 3), and the round-trip time a sender
 * computes from a report block (RFC 3550 6.4.1, "A - LSR - DLSR").
 * Sans-IO: the caller passes the wall-clock time; nothing here reads a clock.
 */

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_EPOCH_OFFSET_SECONDS = 2_208_988_800;
const TWO_32 = 0x1_0000_0000;

/** 64-bit NTP timestamp of a Unix time in milliseconds. */
export function ntpFromUnixMs(unixMs: number): bigint {
  const totalSeconds = unixMs / 1000 + NTP_UNIX_EPOCH_OFFSET_SECONDS;
  const seconds = Math.floor(totalSeconds);
  const fraction = Math.round((totalSeconds - seconds) * TWO_32);
  return BigInt.asUintN(64, (BigInt(seconds) << 32n) + BigInt(fraction));
}

/**
 * Unix time in milliseconds of a 64-bit NTP timestamp. RFC 4330 section 3: when the most
 * significant bit of the seconds is clear the time is in era 1 (2036-02-07 to 2104), so
 * times from 1968 to 2104 convert unambiguously.
 */
export function ntpToUnixMs(ntp: bigint): number {
  let seconds = Number((ntp >> 32n) & 0xffffffffn);
  if (seconds < 0x80000000) seconds += TWO_32;
  const fraction = Number(ntp & 0xffffffffn);
  return (seconds - NTP_UNIX_EPOCH_OFFSET_SECONDS) * 1000 + (fraction * 1000) / TWO_32;
}

/** The middle 32 bits (16.16 fixed-point seconds), as LSR and LRR carry them. */
export function compactNtp(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}

/** Milliseconds in a compact NTP duration such as DLSR (units of 1/65536 s). */
export function compactNtpToMs(v: number): number {
  return (v * 1000) / 65536;
}

/** A compact NTP duration (1/65536 s units, 32 bits) from milliseconds. */
export function compactNtpFromMs(ms: number): number {
  return Math.round((ms * 65536) / 1000) >>> 0;
}

/**
 * RFC 3550 6.4.1: round-trip time in ms from a report block received at `arrivalNtp`
 * (compact NTP of our clock when the block arrived). Undefined when the block carries no
 * LSR (no SR received yet) or the result is negative (clock arithmetic out of range).
 */
export function roundTripTimeMs(arrivalCompactNtp: number, lastSr: number, delaySinceLastSr: number): number | undefined {
  if (lastSr === 0) return undefined;
  const rtt = (arrivalCompactNtp - lastSr - delaySinceLastSr) >>> 0;
  if (rtt >= 0x80000000) return undefined;
  return compactNtpToMs(rtt);
}
