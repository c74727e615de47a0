import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/common/hex.js';
import { AesCmCipher } from '../../src/srtp/cipher-aes-cm.js';
import { deriveSrtpSessionKeys, srtpPrf } from '../../src/srtp/kdf.js';
import { SrtpProfile } from '../../src/srtp/profile.js';
import keystream from '../../vectors/rfc3711/aes-cm-keystream.json' with { type: 'json' };
import kdf from '../../vectors/rfc3711/key-derivation.json' with { type: 'json' };
import { bytesOf } from './vectors.js';

/** Encrypts zeros behind an RTP header with SSRC 0, SEQ 0, ROC 0: the payload becomes the keystream. */
function keystreamOf(key: Uint8Array, salt: Uint8Array, blocks: number): Uint8Array {
  const keys = { rtpKey: key, rtpSalt: salt, rtpAuthKey: new Uint8Array(20), rtcpKey: key, rtcpSalt: salt, rtcpAuthKey: new Uint8Array(20) };
  const cipher = new AesCmCipher(keys, 10, 10);
  const packet = new Uint8Array(12 + blocks * 16);
  packet[0] = 0x80;
  const out = new Uint8Array(packet.length + 10);
  cipher.protectRtp(packet, 12, 0, 0, 0, out);
  return out.subarray(12, 12 + blocks * 16);
}

describe('RFC 3711 B.2: AES-CM keystream', () => {
  it('matches the six printed blocks of the 65282-block segment', () => {
    const ks = keystreamOf(bytesOf(keystream.sessionKey), bytesOf(keystream.sessionSalt), keystream.segmentBlocks);
    for (const b of keystream.blocks) {
      expect(toHex(ks.subarray(b.block * 16, b.block * 16 + 16)), `block ${b.block}`).toBe(b.keystream.toLowerCase());
    }
  });
});

describe('RFC 3711 B.3: key derivation (AES_CM PRF, kdr 0)', () => {
  const masterKey = bytesOf(kdf.masterKey);
  const masterSalt = bytesOf(kdf.masterSalt);
  for (const o of kdf.outputs) {
    it(o.name, () => {
      const want = bytesOf(o.output);
      expect(toHex(srtpPrf(masterKey, masterSalt, o.label, want.length))).toBe(toHex(want));
    });
  }
  it('deriveSrtpSessionKeys gives the RFC cipher key, salt and the first 20 bytes of the auth key', () => {
    const keys = deriveSrtpSessionKeys(SrtpProfile.AesCm128HmacSha1_80, masterKey, masterSalt);
    expect(toHex(keys.rtpKey)).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(toHex(keys.rtpSalt)).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(toHex(keys.rtpAuthKey)).toBe(toHex(fromHex('CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA4')));
    // SRTCP keys use labels 3, 4, 5 (RFC 3711 4.3.2): different from the SRTP ones.
    expect(toHex(keys.rtcpKey)).not.toBe(toHex(keys.rtpKey));
    expect(toHex(keys.rtcpKey)).toBe(toHex(srtpPrf(masterKey, masterSalt, 3, 16)));
  });
});
