/**
 * @module crypto/hmac-sha1
 * HMAC (RFC 2104) with the key schedule done once per key, for the per-packet MACs of
 * the stack: SRTP/SRTCP authentication (HMAC-SHA1, RFC 3711 4.2.1) and STUN
 * MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 14.5; HMAC-SHA256 for
 * MESSAGE-INTEGRITY-SHA256, 14.6).
 *
 *   HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m))                (RFC 2104 2)
 *
 * K0 is K zero-padded to the block size B = 64 (SHA-1 and SHA-256), K hashed first when
 * longer than B. Both padded keys are computed once in the constructor; each MAC is then
 * two one-shot `crypto.hash` calls over a reused scratch buffer (`ipad || m`, then
 * `opad || inner digest`), instead of a `createHmac` object per message, whose setup is
 * most of the cost for packet-sized inputs (bench/srtp.ts, bench/stun.ts). Before Node
 * 20.12 (no `crypto.hash`) it falls back to `createHmac`.
 */
import * as nodeCrypto from 'node:crypto';

/** The hashes with a 64-byte block this HMAC supports. */
export type KeyedHmacAlgorithm = 'sha1' | 'sha256';

/** Block size B of SHA-1 and SHA-256 (RFC 2104 2). */
const BLOCK_BYTES = 64;
/** Digest sizes L (RFC 2104 2; FIPS 180-4). */
const DIGEST_BYTES = { sha1: 20, sha256: 32 } as const;
/** Scratch room for the message at first: one Ethernet MTU, the usual packet. */
const INITIAL_MESSAGE_BYTES = 1500;
/**
 * The scratch buffer grows to the largest message seen, up to one UDP datagram (65535
 * bytes); a longer message takes the `createHmac` path, so the buffer stays bounded.
 */
const MAX_SCRATCH_MESSAGE_BYTES = 65535;

const oneShotHash = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** HMAC with precomputed pads (RFC 2104), over `m || extra`. */
export class KeyedHmac {
  readonly algorithm: KeyedHmacAlgorithm;
  /** The MAC length in bytes (20 for SHA-1, 32 for SHA-256). */
  readonly digestBytes: number;
  private readonly key: Uint8Array;
  private inner: Uint8Array;
  private readonly outer: Uint8Array;

  constructor(key: Uint8Array, algorithm: KeyedHmacAlgorithm = 'sha1') {
    this.algorithm = algorithm;
    this.digestBytes = DIGEST_BYTES[algorithm];
    // RFC 2104 2: keys longer than B are hashed first; then zero-padded to B.
    const k0 = key.length > BLOCK_BYTES ? view(nodeCrypto.createHash(algorithm).update(key).digest()) : key.slice();
    this.key = k0;
    this.inner = new Uint8Array(BLOCK_BYTES + INITIAL_MESSAGE_BYTES);
    this.outer = new Uint8Array(BLOCK_BYTES + this.digestBytes);
    this.inner.fill(0x36, 0, BLOCK_BYTES);
    this.outer.fill(0x5c, 0, BLOCK_BYTES);
    for (let i = 0; i < k0.length; i++) {
      this.inner[i] = 0x36 ^ (k0[i] as number);
      this.outer[i] = 0x5c ^ (k0[i] as number);
    }
  }

  /** The full MAC of m || extra (a fresh array the caller may keep). */
  mac(m: Uint8Array, extra?: Uint8Array): Uint8Array {
    const length = m.length + (extra === undefined ? 0 : extra.length);
    if (oneShotHash === undefined || length > MAX_SCRATCH_MESSAGE_BYTES) {
      const h = nodeCrypto.createHmac(this.algorithm, this.key).update(m);
      if (extra !== undefined) h.update(extra);
      return view(h.digest());
    }
    const total = BLOCK_BYTES + length;
    if (this.inner.length < total) {
      const grown = new Uint8Array(total);
      grown.set(this.inner.subarray(0, BLOCK_BYTES), 0);
      this.inner = grown;
    }
    this.inner.set(m, BLOCK_BYTES);
    if (extra !== undefined) this.inner.set(extra, BLOCK_BYTES + m.length);
    this.outer.set(oneShotHash(this.algorithm, this.inner.subarray(0, total), 'buffer'), BLOCK_BYTES);
    // A node Buffer (a Uint8Array): not wrapped again, this is the per-packet path.
    return oneShotHash(this.algorithm, this.outer, 'buffer');
  }
}

/** HMAC-SHA1 with precomputed pads (SRTP's auth transform, RFC 3711 4.2.1). */
export class HmacSha1 extends KeyedHmac {
  constructor(key: Uint8Array) {
    super(key, 'sha1');
  }
}

const cache = { sha1: new WeakMap<Uint8Array, KeyedHmac>(), sha256: new WeakMap<Uint8Array, KeyedHmac>() };

/**
 * The `KeyedHmac` for this key array, made once and cached by the array's identity in a
 * WeakMap (so the cache never outlives the keys): an ICE agent or TURN server reuses one
 * key array for many messages. The key bytes must not change after the first call.
 */
export function keyedHmac(algorithm: KeyedHmacAlgorithm, key: Uint8Array): KeyedHmac {
  const map = cache[algorithm];
  let k = map.get(key);
  if (k === undefined) {
    k = new KeyedHmac(key, algorithm);
    map.set(key, k);
  }
  return k;
}
