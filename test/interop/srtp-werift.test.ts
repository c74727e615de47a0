/**
 * Cross-validation with werift's SRTP/SRTCP (node_modules/werift/lib/rtp/src/srtp): what we
 * protect werift unprotects and the reverse, for the profiles both support
 * (SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001, SRTP_AEAD_AES_128_GCM = 0x0007), with random
 * payload sizes, SSRCs, CSRCs and RFC 8285 header extensions, across a ROC rollover.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtpHeader, RtpPacket, SrtcpSession, SrtpSession } from 'werift';
import { toHex } from '../../src/common/hex.js';
import { SrtpContext } from '../../src/srtp/context.js';
import { SrtpProfile, srtpProfileParams } from '../../src/srtp/profile.js';

const PROFILES = [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm] as const;

interface Pair {
  ours: SrtpContext; // protects with key A, so it stands for "the sender"
  oursRx: SrtpContext; // unprotects key B
  theirs: SrtpSession; // local B, remote A
  theirsRtcp: SrtcpSession;
}

function pair(profile: SrtpProfile): Pair {
  const p = srtpProfileParams(profile);
  const keyA = randomBytes(p.keyLength);
  const saltA = randomBytes(p.saltLength);
  const keyB = randomBytes(p.keyLength);
  const saltB = randomBytes(p.saltLength);
  const config = {
    keys: { localMasterKey: keyB, localMasterSalt: saltB, remoteMasterKey: keyA, remoteMasterSalt: saltA },
    profile: p.dtlsId as 1 | 7,
  };
  return {
    ours: new SrtpContext(profile, keyA, saltA),
    oursRx: new SrtpContext(profile, keyB, saltB, { replayWindow: 1024 }),
    theirs: new SrtpSession(config),
    theirsRtcp: new SrtcpSession(config),
  };
}

const packetSpec = fc.record({
  payloadLength: fc.integer({ min: 0, max: 1400 }),
  csrcs: fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 15 }),
  extensions: fc.array(fc.record({ id: fc.integer({ min: 1, max: 14 }), length: fc.integer({ min: 1, max: 16 }) }), { maxLength: 4 }),
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  timestamp: fc.integer({ min: 0, max: 0xffff_ffff }),
});

interface PacketSpec {
  payloadLength: number;
  csrcs: number[];
  extensions: { id: number; length: number }[];
  marker: boolean;
  payloadType: number;
  timestamp: number;
}

function rtpPacket(spec: PacketSpec, ssrc: number, seq: number): { header: RtpHeader; payload: Buffer; bytes: Uint8Array } {
  const seen = new Set<number>();
  const extensions = spec.extensions.filter((e) => !seen.has(e.id) && seen.add(e.id)).map((e) => ({ id: e.id, payload: randomBytes(e.length) }));
  const header = new RtpHeader({
    marker: spec.marker,
    payloadType: spec.payloadType,
    sequenceNumber: seq,
    timestamp: spec.timestamp,
    ssrc,
    csrc: spec.csrcs,
    csrcLength: spec.csrcs.length,
    extension: extensions.length > 0,
    extensions,
  });
  const payload = randomBytes(spec.payloadLength);
  const bytes = new Uint8Array(new RtpPacket(header, payload).serialize());
  // The packet really carries what SRTP must skip: CSRC count and extension bit.
  expect(bytes[0]! & 0x0f).toBe(spec.csrcs.length);
  expect((bytes[0]! >> 4) & 1).toBe(extensions.length > 0 ? 1 : 0);
  return { header, payload, bytes };
}

describe.each(PROFILES)('werift interop, %s', (profile) => {
  it('SRTP both ways, random packets and SSRCs, across sequence 65535 -> 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 65520, max: 65535 }),
        fc.array(packetSpec, { minLength: 24, maxLength: 40 }),
        (ssrc, firstSeq, specs) => {
          const { ours, oursRx, theirs } = pair(profile);
          let crossed = 0;
          for (let i = 0; i < specs.length; i++) {
            const seq = (firstSeq + i) & 0xffff;
            if (seq === 0) crossed++;
            const { header, payload, bytes } = rtpPacket(specs[i]!, ssrc, seq);
            // ours -> werift
            const srtp = ours.protectRtp(bytes);
            const plain = theirs.decrypt(Buffer.from(srtp));
            expect(toHex(plain)).toBe(toHex(bytes));
            // werift -> ours
            const fromThem = theirs.encrypt(payload, header);
            const r = oursRx.unprotectRtp(new Uint8Array(fromThem));
            expect(r.ok).toBe(true);
            if (r.ok) {
              expect(toHex(r.packet)).toBe(toHex(bytes));
              expect(r.index).toBe(firstSeq + i);
            }
          }
          expect(crossed).toBe(1);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('SRTCP both ways, random compound sizes and SSRCs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 20 }), (ssrc, sizes) => {
        const { ours, oursRx, theirsRtcp } = pair(profile);
        for (const words of sizes) {
          const rtcp = new Uint8Array(8 + 4 * words);
          rtcp.set(randomBytes(rtcp.length));
          rtcp[0] = 0x80 | (rtcp[0]! & 0x1f);
          rtcp[1] = 200 + (rtcp[1]! % 5);
          rtcp[2] = (words + 1) >> 8;
          rtcp[3] = (words + 1) & 0xff;
          new DataView(rtcp.buffer).setUint32(4, ssrc);
          const plain = theirsRtcp.decrypt(Buffer.from(ours.protectRtcp(rtcp)));
          expect(toHex(plain)).toBe(toHex(rtcp));
          const r = oursRx.unprotectRtcp(new Uint8Array(theirsRtcp.encrypt(Buffer.from(rtcp))));
          expect(r.ok).toBe(true);
          if (r.ok) expect(toHex(r.packet)).toBe(toHex(rtcp));
        }
      }),
      { numRuns: 20 },
    );
  });

  it('werift-protected packets reordered across the rollover: our ROC estimate and window accept each once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65300, max: 65535 }), fc.array(fc.nat({ max: 60 }), { minLength: 300, maxLength: 300 }), (firstSeq, jitter) => {
        const { oursRx, theirs } = pair(profile);
        const sent = jitter.map((_, i) => {
          const { header, payload } = rtpPacket({ payloadLength: 20, csrcs: [], extensions: [], marker: false, payloadType: 111, timestamp: i }, 0xabc, (firstSeq + i) & 0xffff);
          return { index: firstSeq + i, wire: new Uint8Array(theirs.encrypt(payload, header)) };
        });
        // Bounded reordering: each packet is delayed by up to 60 slots, except the first,
        // which must arrive first: the receiver takes ROC 0 from it (RFC 3711 3.3.1), so a
        // post-rollover packet arriving first could not authenticate.
        const order = sent.map((p, i) => ({ p, at: i === 0 ? -1 : i + jitter[i]! })).sort((a, b) => a.at - b.at);
        const got = order.map(({ p }) => oursRx.unprotectRtp(p.wire));
        for (const [i, r] of got.entries()) expect(r).toMatchObject({ ok: true, index: order[i]!.p.index });
        expect(oursRx.unprotectRtp(sent[sent.length - 1]!.wire)).toEqual({ ok: false, reason: 'replayed' });
      }),
      { numRuns: 10 },
    );
  });

  it('SRTCP with E = 0 (authenticated, not encrypted) is accepted by werift', () => {
    const p = srtpProfileParams(profile);
    const key = randomBytes(p.keyLength);
    const salt = randomBytes(p.saltLength);
    const ours = new SrtpContext(profile, key, salt, { encryptRtcp: false });
    const theirs = new SrtcpSession({
      keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
      profile: p.dtlsId as 1 | 7,
    });
    const rtcp = new Uint8Array(randomBytes(48));
    rtcp.set([0x81, 201, 0, 11, 0, 0, 0, 9], 0);
    const wire = ours.protectRtcp(rtcp);
    expect(toHex(wire.subarray(0, rtcp.length))).toBe(toHex(rtcp));
    expect(toHex(theirs.decrypt(Buffer.from(wire)))).toBe(toHex(rtcp));
  });

  it('werift rejects our packets with a tampered byte, and we reject werift tampered packets', () => {
    const { ours, oursRx, theirs } = pair(profile);
    const { header, payload, bytes } = rtpPacket({ payloadLength: 100, csrcs: [1, 2], extensions: [{ id: 3, length: 2 }], marker: false, payloadType: 96, timestamp: 1 }, 0x1234, 10);
    const srtp = ours.protectRtp(bytes);
    srtp[srtp.length - 20]! ^= 1;
    expect(() => theirs.decrypt(Buffer.from(srtp))).toThrow();
    const fromThem = new Uint8Array(theirs.encrypt(payload, header));
    fromThem[20]! ^= 0x40;
    expect(oursRx.unprotectRtp(fromThem)).toEqual({ ok: false, reason: 'auth' });
  });
});
