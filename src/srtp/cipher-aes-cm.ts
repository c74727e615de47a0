/**
 * @module srtp/cipher-aes-cm
 * AES Counter Mode encryption (RFC 3711 4.1.1; AES-256: RFC 6188 2) with HMAC-SHA1
 * message authentication (RFC 3711 4.2.1), for SRTP and SRTCP (RFC 3711 3.3, 3.4).
 *
 *   IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)                  (RFC 3711 4.1.1)
 *   SRTP tag  = HMAC-SHA1(k_a, header || encrypted payload || ROC)  truncated  (4.2)
 *   SRTCP tag = HMAC-SHA1(k_a, header || encrypted part || E || index) truncated (3.4)
 *
 * Hot path (profiled with `node --cpu-prof`, measured on Node 20): the key stream comes
 * from one reusable AES-ECB cipher per key run over counter blocks we lay out ourselves,
 * XORed in 32-bit words, instead of a `createCipheriv('aes-*-ctr')` per packet whose cost
 * is mostly context setup; HMAC-SHA1 is `HmacSha1` from src/crypto/hmac-sha1.ts (precomputed
 * pads, one-shot `crypto.hash`; shared with STUN MESSAGE-INTEGRITY). Together about 20-25%
 * less CPU per 1200-byte packet than the createCipheriv + createHmac pair in an A/B run;
 * bench/srtp.ts shows both side by side.
 */
import * as nodeCrypto from 'node:crypto';
import type { Cipher } from 'node:crypto';
import { HmacSha1 } from '../crypto/hmac-sha1.js';
import { tagsEqual } from './cipher.js';
import type { SrtpCipher } from './cipher.js';
import type { SrtpSessionKeys } from './kdf.js';

/** Size of the SRTCP E||index word (RFC 3711 3.4). */
const SRTCP_INDEX_LENGTH = 4;
/** RTCP bytes left in the clear: the fixed header and sender SSRC (RFC 3711 3.4). */
const RTCP_CLEAR_LENGTH = 8;
/**
 * Counter blocks are numbered in 16 bits (RFC 3711 4.1.1: at most 2^16 blocks a packet);
 * a UDP datagram (at most 65535 bytes) needs at most 4096, so scratch space is bounded.
 */
const MAX_KEYSTREAM_BLOCKS = 0x10000;

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** AES-CM keystream from a reusable ECB cipher (RFC 3711 4.1.1: keystream block j = E(k, IV + j)). */
export class CounterModeKeystream {
  private readonly ecb: Cipher;
  private blocks = new Int32Array(0);
  private readonly ivWords = new Int32Array(4);
  private readonly ivBytes = new Uint8Array(this.ivWords.buffer);

  constructor(key: Uint8Array) {
    this.ecb = nodeCrypto.createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
  }

  /** XORs the keystream for `iv` over src[srcAt..srcAt+n) into dst[dstAt..). */
  xor(iv: Uint8Array, src: Uint8Array, srcAt: number, dst: Uint8Array, dstAt: number, n: number): void {
    if (n <= 0) return;
    const count = (n + 15) >>> 4;
    if (count > MAX_KEYSTREAM_BLOCKS) throw new RangeError('srtp: packet longer than the AES-CM keystream (2^16 blocks)');
    if (this.blocks.length < count * 4) this.blocks = new Int32Array(count * 4);
    const blocks = this.blocks;
    this.ivBytes.set(iv);
    const w0 = this.ivWords[0] as number;
    const w1 = this.ivWords[1] as number;
    const w2 = this.ivWords[2] as number;
    const w3 = this.ivWords[3] as number;
    // Bytes 14 and 15 of the IV are zero (salt and index are both shifted by 2^16): the
    // block counter goes there, big-endian, whatever the platform's word order.
    for (let b = 0, o = 0; b < count; b++, o += 4) {
      blocks[o] = w0;
      blocks[o + 1] = w1;
      blocks[o + 2] = w2;
      blocks[o + 3] = w3 | (LITTLE_ENDIAN ? ((b & 0xff) << 24) | ((b >>> 8) << 16) : b);
    }
    const ks = this.ecb.update(new Uint8Array(blocks.buffer, 0, count * 16));
    let i = 0;
    const so = src.byteOffset + srcAt;
    const doff = dst.byteOffset + dstAt;
    if ((so & 3) === 0 && (doff & 3) === 0 && (ks.byteOffset & 3) === 0) {
      const words = n >>> 2;
      const s32 = new Int32Array(src.buffer, so, words);
      const d32 = new Int32Array(dst.buffer, doff, words);
      const k32 = new Int32Array(ks.buffer, ks.byteOffset, words);
      for (let w = 0; w < words; w++) d32[w] = (s32[w] as number) ^ (k32[w] as number);
      i = words << 2;
    }
    for (; i < n; i++) dst[dstAt + i] = (src[srcAt + i] as number) ^ (ks[i] as number);
  }
}

export class AesCmCipher implements SrtpCipher {
  readonly rtpTagLength: number;
  readonly rtcpTagLength: number;
  private readonly rtpSalt: Uint8Array;
  private readonly rtcpSalt: Uint8Array;
  private readonly rtpStream: CounterModeKeystream;
  private readonly rtcpStream: CounterModeKeystream;
  private readonly rtpMac: HmacSha1;
  private readonly rtcpMac: HmacSha1;
  /** Scratch counter block (the IV of RFC 3711 4.1.1). */
  private readonly iv = new Uint8Array(16);
  private readonly word = new Uint8Array(4);

  constructor(keys: SrtpSessionKeys, rtpTagLength: number, rtcpTagLength: number) {
    this.rtpSalt = keys.rtpSalt;
    this.rtcpSalt = keys.rtcpSalt;
    this.rtpStream = new CounterModeKeystream(keys.rtpKey);
    this.rtcpStream = new CounterModeKeystream(keys.rtcpKey);
    this.rtpMac = new HmacSha1(keys.rtpAuthKey);
    this.rtcpMac = new HmacSha1(keys.rtcpAuthKey);
    this.rtpTagLength = rtpTagLength;
    this.rtcpTagLength = rtcpTagLength;
  }

  /** Fills the IV for (salt, ssrc, index high 32 bits, index low 16 bits). */
  private counter(salt: Uint8Array, ssrc: number, high: number, low: number): Uint8Array {
    const iv = this.iv;
    iv.set(salt.subarray(0, 14), 0);
    iv[14] = 0;
    iv[15] = 0;
    iv[4] = (iv[4] as number) ^ (ssrc >>> 24);
    iv[5] = (iv[5] as number) ^ ((ssrc >>> 16) & 0xff);
    iv[6] = (iv[6] as number) ^ ((ssrc >>> 8) & 0xff);
    iv[7] = (iv[7] as number) ^ (ssrc & 0xff);
    iv[8] = (iv[8] as number) ^ (high >>> 24);
    iv[9] = (iv[9] as number) ^ ((high >>> 16) & 0xff);
    iv[10] = (iv[10] as number) ^ ((high >>> 8) & 0xff);
    iv[11] = (iv[11] as number) ^ (high & 0xff);
    iv[12] = (iv[12] as number) ^ ((low >>> 8) & 0xff);
    iv[13] = (iv[13] as number) ^ (low & 0xff);
    return iv;
  }

  private setWord(v: number): Uint8Array {
    const w = this.word;
    w[0] = v >>> 24;
    w[1] = (v >>> 16) & 0xff;
    w[2] = (v >>> 8) & 0xff;
    w[3] = v & 0xff;
    return w;
  }

  protectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number, out: Uint8Array): number {
    const end = packet.length;
    if (out !== packet) out.set(packet.subarray(0, headerLength), 0);
    this.rtpStream.xor(this.counter(this.rtpSalt, ssrc, roc, seq), packet, headerLength, out, headerLength, end - headerLength);
    const mac = this.rtpMac.mac(out.subarray(0, end), this.setWord(roc));
    out.set(mac.subarray(0, this.rtpTagLength), end);
    return end + this.rtpTagLength;
  }

  unprotectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number, out: Uint8Array): number {
    const end = packet.length - this.rtpTagLength;
    const mac = this.rtpMac.mac(packet.subarray(0, end), this.setWord(roc));
    if (!tagsEqual(packet, end, mac, this.rtpTagLength)) return -1;
    if (out !== packet) out.set(packet.subarray(0, headerLength), 0);
    this.rtpStream.xor(this.counter(this.rtpSalt, ssrc, roc, seq), packet, headerLength, out, headerLength, end - headerLength);
    return end;
  }

  protectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypt: boolean, out: Uint8Array): number {
    const end = packet.length;
    if (encrypt) {
      if (out !== packet) out.set(packet.subarray(0, RTCP_CLEAR_LENGTH), 0);
      const iv = this.counter(this.rtcpSalt, ssrc, index >>> 16, index & 0xffff);
      this.rtcpStream.xor(iv, packet, RTCP_CLEAR_LENGTH, out, RTCP_CLEAR_LENGTH, end - RTCP_CLEAR_LENGTH);
    } else if (out !== packet) {
      out.set(packet, 0);
    }
    out.set(this.setWord((encrypt ? 0x8000_0000 : 0) | index), end);
    const mac = this.rtcpMac.mac(out.subarray(0, end + SRTCP_INDEX_LENGTH), undefined);
    out.set(mac.subarray(0, this.rtcpTagLength), end + SRTCP_INDEX_LENGTH);
    return end + SRTCP_INDEX_LENGTH + this.rtcpTagLength;
  }

  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean, out: Uint8Array): number {
    const macEnd = packet.length - this.rtcpTagLength;
    const end = macEnd - SRTCP_INDEX_LENGTH;
    const mac = this.rtcpMac.mac(packet.subarray(0, macEnd), undefined);
    if (!tagsEqual(packet, macEnd, mac, this.rtcpTagLength)) return -1;
    if (encrypted) {
      if (out !== packet) out.set(packet.subarray(0, RTCP_CLEAR_LENGTH), 0);
      const iv = this.counter(this.rtcpSalt, ssrc, index >>> 16, index & 0xffff);
      this.rtcpStream.xor(iv, packet, RTCP_CLEAR_LENGTH, out, RTCP_CLEAR_LENGTH, end - RTCP_CLEAR_LENGTH);
    } else if (out !== packet) {
      out.set(packet.subarray(0, end), 0);
    }
    return end;
  }
}
