/**
 * @module common/random
 * Randomness for protocol cores. Cores take a `RandomSource` so that tests can make
 * runs repeatable with `seededRandom(seed)`; production uses `secureRandom` (the
 * platform CSPRNG via Web Crypto, so cores stay free of `node:` imports).
 */

export interface RandomSource {
  /** Fills `out` with random bytes and returns it. */
  fill(out: Uint8Array): Uint8Array;
}

export const secureRandom: RandomSource = {
  fill(out) {
    // getRandomValues takes at most 65536 bytes a call.
    for (let at = 0; at < out.length; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, at + 65536));
    return out;
  },
};

/**
 * A deterministic generator (xoshiro128**, seeded through splitmix32). For tests and
 * simulations only: NOT cryptographically secure.
 */
export function seededRandom(seed: number): RandomSource & { u32(): number; float(): number } {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const u32 = (): number => {
    const result = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = ((d << 11) | (d >>> 21)) >>> 0;
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    return result;
  };
  return {
    u32,
    float: () => u32() / 0x1_0000_0000,
    fill(out) {
      for (let i = 0; i < out.length; i += 4) {
        let v = u32();
        for (let j = 0; j < 4 && i + j < out.length; j++) {
          out[i + j] = v & 0xff;
          v >>>= 8;
        }
      }
      return out;
    },
  };
}

/** A random u32 from a source. */
export function randomU32(rng: RandomSource): number {
  const b = rng.fill(new Uint8Array(4));
  return ((b[0] as number) << 24 | (b[1] as number) << 16 | (b[2] as number) << 8 | (b[3] as number)) >>> 0;
}

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A random string over the ice-char alphabet (RFC 8839 5.4), e.g. ufrag and pwd. */
export function randomIceString(rng: RandomSource, length: number): string {
  const b = rng.fill(new Uint8Array(length));
  let out = '';
  for (let i = 0; i < length; i++) out += ICE_CHARS[(b[i] as number) & 63];
  return out;
}
