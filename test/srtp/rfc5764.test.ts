/**
 * RFC 5764 4.2 key splitting, checked against the RFC's layout and against werift's own
 * split (DtlsSocket.extractSessionKeys, called on a stand-in socket that returns our
 * exporter bytes), then end to end: contexts from our split talk to werift sessions built
 * from werift's split of the same material, in both roles.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RtpHeader, SrtpSession } from 'werift';
import { toHex } from '../../src/common/hex.js';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { srtpContextsFromExporter, srtpExporterLength, srtpKeysFromExporter } from '../../src/srtp/dtls-keys.js';
import { SrtpProfile, srtpProfileFromDtlsId, srtpProfileParams } from '../../src/srtp/profile.js';

const require = createRequire(import.meta.url);
const { DtlsSocket } = require(path.resolve('node_modules/werift/lib/dtls/src/socket.js')) as {
  DtlsSocket: { prototype: { extractSessionKeys(this: unknown, keyLength: number, saltLength: number): Record<'localKey' | 'localSalt' | 'remoteKey' | 'remoteSalt', Buffer> } };
};
const { SessionType } = require(path.resolve('node_modules/werift/lib/dtls/src/cipher/suites/abstract.js')) as { SessionType: { CLIENT: number; SERVER: number } };

function weriftSplit(material: Uint8Array, role: 'client' | 'server', k: number, s: number) {
  const fake = { sessionType: role === 'client' ? SessionType.CLIENT : SessionType.SERVER, exportKeyingMaterial: () => Buffer.from(material) };
  return DtlsSocket.prototype.extractSessionKeys.call(fake, k, s);
}

describe('RFC 5764 4.2: DTLS-SRTP keying material', () => {
  it('exporter length is 2 * (key + salt)', () => {
    expect(srtpExporterLength(SrtpProfile.AesCm128HmacSha1_80)).toBe(60);
    expect(srtpExporterLength(SrtpProfile.AeadAes128Gcm)).toBe(56);
    expect(srtpExporterLength(SrtpProfile.AeadAes256Gcm)).toBe(88);
  });

  it('lays out client key, server key, client salt, server salt', () => {
    const m = Uint8Array.from({ length: 60 }, (_, i) => i);
    const c = srtpKeysFromExporter(SrtpProfile.AesCm128HmacSha1_80, m, 'client');
    expect(Array.from(c.local.masterKey)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(Array.from(c.remote.masterKey)).toEqual(Array.from({ length: 16 }, (_, i) => 16 + i));
    expect(Array.from(c.local.masterSalt)).toEqual(Array.from({ length: 14 }, (_, i) => 32 + i));
    expect(Array.from(c.remote.masterSalt)).toEqual(Array.from({ length: 14 }, (_, i) => 46 + i));
    const s = srtpKeysFromExporter(SrtpProfile.AesCm128HmacSha1_80, m, 'server');
    expect(s.local).toEqual(c.remote);
    expect(s.remote).toEqual(c.local);
  });

  it('rejects material of the wrong length', () => {
    expect(() => srtpKeysFromExporter(SrtpProfile.AeadAes128Gcm, new Uint8Array(60), 'client')).toThrow(InvalidArgumentError);
  });

  it('maps DTLS-SRTP profile ids (RFC 5764 4.1.2, RFC 7714 14.2)', () => {
    expect(srtpProfileFromDtlsId(0x0001)).toBe(SrtpProfile.AesCm128HmacSha1_80);
    expect(srtpProfileFromDtlsId(0x0002)).toBe(SrtpProfile.AesCm128HmacSha1_32);
    expect(srtpProfileFromDtlsId(0x0007)).toBe(SrtpProfile.AeadAes128Gcm);
    expect(srtpProfileFromDtlsId(0x0008)).toBe(SrtpProfile.AeadAes256Gcm);
    expect(srtpProfileFromDtlsId(0x0005)).toBeUndefined();
  });

  for (const profile of [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes256Gcm]) {
    for (const role of ['client', 'server'] as const) {
      it(`${profile}, ${role}: same split as werift`, () => {
        const p = srtpProfileParams(profile);
        const m = randomBytes(srtpExporterLength(profile));
        const ours = srtpKeysFromExporter(profile, m, role);
        const theirs = weriftSplit(m, role, p.keyLength, p.saltLength);
        expect(toHex(ours.local.masterKey)).toBe(toHex(theirs.localKey));
        expect(toHex(ours.local.masterSalt)).toBe(toHex(theirs.localSalt));
        expect(toHex(ours.remote.masterKey)).toBe(toHex(theirs.remoteKey));
        expect(toHex(ours.remote.masterSalt)).toBe(toHex(theirs.remoteSalt));
      });
    }
  }

  for (const profile of [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm]) {
    it(`${profile}: our client talks to a werift server keyed from the same exporter bytes`, () => {
      const p = srtpProfileParams(profile);
      const m = randomBytes(srtpExporterLength(profile));
      const client = srtpContextsFromExporter(profile, m, 'client');
      const k = weriftSplit(m, 'server', p.keyLength, p.saltLength);
      const server = new SrtpSession({
        keys: { localMasterKey: k.localKey, localMasterSalt: k.localSalt, remoteMasterKey: k.remoteKey, remoteMasterSalt: k.remoteSalt },
        profile: p.dtlsId as 1 | 7,
      });
      const header = new RtpHeader({ sequenceNumber: 7, timestamp: 1, ssrc: 42, payloadType: 111 });
      const payload = randomBytes(160);
      const plain = new Uint8Array(Buffer.concat([header.serialize(header.serializeSize), payload]));
      expect(toHex(server.decrypt(Buffer.from(client.local.protectRtp(plain))))).toBe(toHex(plain));
      const back = client.remote.unprotectRtp(new Uint8Array(server.encrypt(payload, header)));
      expect(back.ok && toHex(back.packet)).toBe(toHex(plain));
    });
  }
});
