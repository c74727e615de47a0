/**
 * @module srtp/cipher-aes-gcm
 * AEAD_AES_128_GCM and AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714).
 *
 *   SRTP IV  = (00 00 || SSRC || ROC || SEQ) XOR salt                    (RFC 7714 8.1)
 *   SRTP AAD = the RTP header, CSRCs and header extension included        (8.2, 8.3)
 *   SRTCP IV = (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt      (9.1)
 *   SRTCP AAD, E=1: first 8 bytes || E||index;  E=0: whole packet || E||index  (9.2, 9.3)
 *   SRTCP on the wire: header || cipher || tag || E||index                (9.2)
 *
 * One `createCipheriv` per packet: Node offers no way to re-key a GCM context with a new
 * IV, and `final()` is where the tag is checked. Candidate to move to src/crypto later.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { SrtpCipher } from './cipher.js';
import type { SrtpSessionKeys } from './kdf.js';

/** AEAD tag length of both GCM profiles (RFC 7714 14.2). */
export const GCM_TAG_LENGTH = 16;
const SRTCP_INDEX_LENGTH = 4;
const RTCP_CLEAR_LENGTH = 8;

export class AesGcmCipher implements SrtpCipher {
  readonly rtpTagLength = GCM_TAG_LENGTH;
  readonly rtcpTagLength = GCM_TAG_LENGTH;
  private readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  private readonly rtpKey: Uint8Array;
  private readonly rtpSalt: Uint8Array;
  private readonly rtcpKey: Uint8Array;
  private readonly rtcpSalt: Uint8Array;
  private readonly iv = new Uint8Array(12);
  private readonly aad = new Uint8Array(RTCP_CLEAR_LENGTH + SRTCP_INDEX_LENGTH);

  constructor(keys: SrtpSessionKeys) {
    this.algorithm = keys.rtpKey.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    this.rtpKey = keys.rtpKey;
    this.rtpSalt = keys.rtpSalt;
    this.rtcpKey = keys.rtcpKey;
    this.rtcpSalt = keys.rtcpSalt;
  }

  private nonce(salt: Uint8Array, ssrc: number, high: number, low: number): Uint8Array {
    const iv = this.iv;
    iv[0] = salt[0] as number;
    iv[1] = salt[1] as number;
    iv[2] = (salt[2] as number) ^ (ssrc >>> 24);
    iv[3] = (salt[3] as number) ^ ((ssrc >>> 16) & 0xff);
    iv[4] = (salt[4] as number) ^ ((ssrc >>> 8) & 0xff);
    iv[5] = (salt[5] as number) ^ (ssrc & 0xff);
    iv[6] = (salt[6] as number) ^ (high >>> 24);
    iv[7] = (salt[7] as number) ^ ((high >>> 16) & 0xff);
    iv[8] = (salt[8] as number) ^ ((high >>> 8) & 0xff);
    iv[9] = (salt[9] as number) ^ (high & 0xff);
    iv[10] = (salt[10] as number) ^ ((low >>> 8) & 0xff);
    iv[11] = (salt[11] as number) ^ (low & 0xff);
    return iv;
  }

  protectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number, out: Uint8Array): number {
    const c = createCipheriv(this.algorithm, this.rtpKey, this.nonce(this.rtpSalt, ssrc, roc, seq), { authTagLength: GCM_TAG_LENGTH });
    c.setAAD(packet.subarray(0, headerLength));
    const enc = c.update(packet.subarray(headerLength));
    c.final();
    if (out !== packet) out.set(packet.subarray(0, headerLength), 0);
    out.set(enc, headerLength);
    out.set(c.getAuthTag(), packet.length);
    return packet.length + GCM_TAG_LENGTH;
  }

  unprotectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number, out: Uint8Array): number {
    const end = packet.length - GCM_TAG_LENGTH;
    const d = createDecipheriv(this.algorithm, this.rtpKey, this.nonce(this.rtpSalt, ssrc, roc, seq), { authTagLength: GCM_TAG_LENGTH });
    d.setAAD(packet.subarray(0, headerLength));
    d.setAuthTag(packet.subarray(end));
    const dec = d.update(packet.subarray(headerLength, end));
    try {
      d.final();
    } catch {
      return -1;
    }
    if (out !== packet) out.set(packet.subarray(0, headerLength), 0);
    out.set(dec, headerLength);
    return end;
  }

  protectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypt: boolean, out: Uint8Array): number {
    const end = packet.length;
    const word = (encrypt ? 0x8000_0000 : 0) | index;
    const c = createCipheriv(this.algorithm, this.rtcpKey, this.nonce(this.rtcpSalt, ssrc, 0, index), { authTagLength: GCM_TAG_LENGTH });
    if (encrypt) {
      const aad = this.aad;
      aad.set(packet.subarray(0, RTCP_CLEAR_LENGTH), 0);
      writeU32(aad, RTCP_CLEAR_LENGTH, word);
      c.setAAD(aad);
      const enc = c.update(packet.subarray(RTCP_CLEAR_LENGTH));
      c.final();
      if (out !== packet) out.set(packet.subarray(0, RTCP_CLEAR_LENGTH), 0);
      out.set(enc, RTCP_CLEAR_LENGTH);
    } else {
      const aad = new Uint8Array(end + SRTCP_INDEX_LENGTH);
      aad.set(packet, 0);
      writeU32(aad, end, word);
      c.setAAD(aad);
      c.final();
      if (out !== packet) out.set(packet, 0);
    }
    out.set(c.getAuthTag(), end);
    writeU32(out, end + GCM_TAG_LENGTH, word);
    return end + GCM_TAG_LENGTH + SRTCP_INDEX_LENGTH;
  }

  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean, out: Uint8Array): number {
    const wordAt = packet.length - SRTCP_INDEX_LENGTH;
    const end = wordAt - GCM_TAG_LENGTH;
    const d = createDecipheriv(this.algorithm, this.rtcpKey, this.nonce(this.rtcpSalt, ssrc, 0, index), { authTagLength: GCM_TAG_LENGTH });
    d.setAuthTag(packet.subarray(end, wordAt));
    let dec: Uint8Array | undefined;
    if (encrypted) {
      const aad = this.aad;
      aad.set(packet.subarray(0, RTCP_CLEAR_LENGTH), 0);
      aad.set(packet.subarray(wordAt), RTCP_CLEAR_LENGTH);
      d.setAAD(aad);
      dec = d.update(packet.subarray(RTCP_CLEAR_LENGTH, end));
    } else {
      const aad = new Uint8Array(end + SRTCP_INDEX_LENGTH);
      aad.set(packet.subarray(0, end), 0);
      aad.set(packet.subarray(wordAt), end);
      d.setAAD(aad);
    }
    try {
      d.final();
    } catch {
      return -1;
    }
    if (dec !== undefined) {
      if (out !== packet) out.set(packet.subarray(0, RTCP_CLEAR_LENGTH), 0);
      out.set(dec, RTCP_CLEAR_LENGTH);
    } else if (out !== packet) {
      out.set(packet.subarray(0, end), 0);
    }
    return end;
  }
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
