import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/common/hex.js';
import { AesCmCipher } from '../../src/srtp/cipher-aes-cm.js';
import { deriveSrtpSessionKeys, srtpPrf } from '../../src/srtp/kdf.js';
import { SrtpProfile } from '../../src/srtp/profile.js';
import v from '../../vectors/rfc6188/aes-256-cm.json' with { type: 'json' };
import { bytesOf } from './vectors.js';

describe('RFC 6188 7.1: AES-256-CM keystream', () => {
  it('matches the six printed blocks of the 65282-block segment', () => {
    const key = bytesOf(v.keystream.sessionKey);
    const salt = bytesOf(v.keystream.sessionSalt);
    const cipher = new AesCmCipher({ rtpKey: key, rtpSalt: salt, rtpAuthKey: new Uint8Array(20), rtcpKey: key, rtcpSalt: salt, rtcpAuthKey: new Uint8Array(20) }, 10, 10);
    const packet = new Uint8Array(12 + v.keystream.segmentBlocks * 16);
    packet[0] = 0x80;
    const out = new Uint8Array(packet.length + 10);
    cipher.protectRtp(packet, 12, 0, 0, 0, out);
    for (const b of v.keystream.blocks) {
      expect(toHex(out.subarray(12 + b.block * 16, 12 + b.block * 16 + 16)), `block ${b.block}`).toBe(b.keystream);
    }
  });
});

describe('RFC 6188 7.2: AES_256_CM_PRF', () => {
  const masterKey = bytesOf(v.kdf.masterKey);
  const masterSalt = bytesOf(v.kdf.masterSalt);
  for (const o of v.kdf.outputs) {
    it(o.name, () => {
      const want = bytesOf(o.output);
      expect(toHex(srtpPrf(masterKey, masterSalt, o.label, want.length))).toBe(toHex(want));
    });
  }
  it('is the KDF of the AES-256-CM profiles', () => {
    const keys = deriveSrtpSessionKeys(SrtpProfile.AesCm256HmacSha1_80, masterKey, masterSalt);
    expect(toHex(keys.rtpKey)).toBe('5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4');
    expect(toHex(keys.rtpSalt)).toBe('fa31791685ca444a9e07c6c64e93');
    expect(toHex(keys.rtpAuthKey)).toBe('fd9c32d39ed5fbb5a9dc96b30818454d1313dc05');
  });
});
