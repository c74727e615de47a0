import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/common/hex.js';
import { SrtpContext } from '../../src/srtp/context.js';
import type { SrtpProfile } from '../../src/srtp/profile.js';
import srtp from '../../vectors/rfc7714/srtp-gcm.json' with { type: 'json' };
import srtcp from '../../vectors/rfc7714/srtcp-gcm.json' with { type: 'json' };
import { bytesOf } from './vectors.js';

function contextOf(profile: string, key: Uint8Array, salt: Uint8Array, encryptRtcp = true): SrtpContext {
  const none = new Uint8Array(0);
  return SrtpContext.fromSessionKeys(
    profile as SrtpProfile,
    { rtpKey: key, rtpSalt: salt, rtpAuthKey: none, rtcpKey: key, rtcpSalt: salt, rtcpAuthKey: none },
    { encryptRtcp },
  );
}

describe('RFC 7714 16: SRTP AES-GCM', () => {
  const plain = bytesOf(srtp.plain);
  const salt = bytesOf(srtp.salt);
  for (const c of srtp.cases) {
    const key = bytesOf(c.key);
    const wire = bytesOf(c.protected);
    it(`${c.name}: protect`, () => {
      expect(toHex(contextOf(c.profile, key, salt).protectRtp(plain))).toBe(toHex(wire));
    });
    it(`${c.name}: unprotect`, () => {
      const r = contextOf(c.profile, key, salt).unprotectRtp(wire);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(toHex(r.packet)).toBe(toHex(plain));
        expect(r.ssrc).toBe(0x5501a0b2);
        expect(r.index).toBe(0xf17b);
      }
    });
    it(`${c.name}: any flipped bit fails authentication`, () => {
      for (let i = 0; i < wire.length; i++) {
        const bad = wire.slice();
        bad[i] = (bad[i] as number) ^ (1 << (i % 8));
        const r = contextOf(c.profile, key, salt).unprotectRtp(bad);
        expect(r.ok, `byte ${i}`).toBe(false);
      }
    });
  }
});

describe('RFC 7714 17: SRTCP AES-GCM', () => {
  const plain = bytesOf(srtcp.plain);
  const salt = bytesOf(srtcp.salt);
  for (const c of srtcp.cases) {
    const key = bytesOf(c.key);
    const wire = bytesOf(c.protected);
    it(`${c.name}: protect`, () => {
      const ctx = contextOf(c.profile, key, salt, c.encrypted);
      ctx.setNextRtcpIndex(0x4d617273, srtcp.srtcpIndex);
      expect(toHex(ctx.protectRtcp(plain))).toBe(toHex(wire));
    });
    it(`${c.name}: unprotect`, () => {
      const r = contextOf(c.profile, key, salt).unprotectRtcp(wire);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(toHex(r.packet)).toBe(toHex(plain));
        expect(r.index).toBe(srtcp.srtcpIndex);
      }
    });
    it(`${c.name}: any flipped bit fails`, () => {
      for (let i = 0; i < wire.length; i++) {
        const bad = wire.slice();
        bad[i] = (bad[i] as number) ^ (1 << (i % 8));
        expect(contextOf(c.profile, key, salt).unprotectRtcp(bad).ok, `byte ${i}`).toBe(false);
      }
    });
  }
});
