/**
 * @module srtp/cipher
 * The transform interface between an SRTP context (which owns indices, ROC and replay
 * state: RFC 3711 3.3, 3.4) and a cipher suite (which owns keys: AES-CM + HMAC-SHA1,
 * RFC 3711 4.1.1 and 4.2.1, or AES-GCM, RFC 7714 8 and 9). Every method writes into a
 * caller-provided `out` (which may be the input buffer itself, for in-place work) and
 * returns the number of bytes written, or -1 when authentication fails.
 */

export interface SrtpCipher {
  /** Bytes appended to an SRTP packet. */
  readonly rtpTagLength: number;
  /** Bytes of tag on an SRTCP packet (the 4-byte E||index word comes on top). */
  readonly rtcpTagLength: number;
  /**
   * `packet` is plain RTP with a `headerLength`-byte header; writes header || cipher ||
   * tag into `out` (at least packet.length + rtpTagLength bytes).
   */
  protectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number, out: Uint8Array): number;
  /** `packet` is SRTP (tag included); writes the plain RTP packet into `out`, or returns -1. */
  unprotectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number, out: Uint8Array): number;
  /**
   * `packet` is plain RTCP (first 8 bytes in the clear, RFC 3711 3.4); writes SRTCP with
   * the E flag and 31-bit `index` into `out` (at least packet.length + 4 + rtcpTagLength).
   */
  protectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypt: boolean, out: Uint8Array): number;
  /**
   * `packet` is SRTCP whose E||index word says `index` and `encrypted`; writes the plain
   * RTCP into `out`, or returns -1.
   */
  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean, out: Uint8Array): number;
}

/** Constant-time comparison of `a[aAt..aAt+n)` with `b[0..n)`. */
export function tagsEqual(a: Uint8Array, aAt: number, b: Uint8Array, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= (a[aAt + i] as number) ^ (b[i] as number);
  return diff === 0;
}
