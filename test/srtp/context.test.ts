/** SrtpContext behaviour: every profile, replay, ROC, bounds, output buffers, hostile input. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtpHeader, RtpPacket } from 'werift';
import { InvalidArgumentError, InvalidStateError, ParseError } from '../../src/common/errors.js';
import { toHex } from '../../src/common/hex.js';
import { SrtpContext } from '../../src/srtp/context.js';
import type { SrtpContextOptions } from '../../src/srtp/context.js';
import { isRtcpPacket, MAX_SRTP_PACKET_LENGTH, readRtcpSenderSsrc, readRtpHeader } from '../../src/srtp/header.js';
import { SrtpProfile, srtpProfileParams } from '../../src/srtp/profile.js';

const ALL = Object.values(SrtpProfile);

function contexts(
  profile: SrtpProfile,
  options: SrtpContextOptions = {},
  rxOptions: SrtpContextOptions = options,
): { tx: SrtpContext; rx: SrtpContext } {
  const p = srtpProfileParams(profile);
  const key = randomBytes(p.keyLength);
  const salt = randomBytes(p.saltLength);
  return { tx: new SrtpContext(profile, key, salt, options), rx: new SrtpContext(profile, key, salt, rxOptions) };
}

function rtp(seq: number, ssrc = 0x11223344, payloadLength = 50): Uint8Array {
  const b = new Uint8Array(12 + payloadLength);
  b[0] = 0x80;
  b[1] = 96;
  b[2] = seq >> 8;
  b[3] = seq & 0xff;
  new DataView(b.buffer).setUint32(8, ssrc);
  b.set(randomBytes(payloadLength), 12);
  return b;
}

function rtcp(ssrc = 0x11223344, words = 6): Uint8Array {
  const b = randomBytes(8 + 4 * words);
  b[0] = 0x81;
  b[1] = 200;
  b[2] = 0;
  b[3] = words + 1;
  new DataView(b.buffer, b.byteOffset).setUint32(4, ssrc);
  return new Uint8Array(b);
}

describe.each(ALL)('%s', (profile) => {
  const p = srtpProfileParams(profile);

  it('round-trips SRTP and SRTCP, with the profile overhead', () => {
    const { tx, rx } = contexts(profile);
    const plain = rtp(1);
    const srtp = tx.protectRtp(plain);
    expect(srtp.length).toBe(plain.length + p.rtpTagLength);
    expect(toHex(srtp.subarray(0, 12))).toBe(toHex(plain.subarray(0, 12)));
    expect(toHex(srtp.subarray(12, plain.length))).not.toBe(toHex(plain.subarray(12)));
    const r = rx.unprotectRtp(srtp);
    expect(r.ok && toHex(r.packet)).toBe(toHex(plain));
    const c = rtcp();
    const srtcp = tx.protectRtcp(c);
    expect(srtcp.length).toBe(c.length + 4 + p.rtcpTagLength);
    const rc = rx.unprotectRtcp(srtcp);
    expect(rc.ok && toHex(rc.packet)).toBe(toHex(c));
  });

  it('works in place and into caller buffers, and refuses short ones', () => {
    const { tx, rx } = contexts(profile);
    const plain = rtp(5, 9, 200);
    const buf = new Uint8Array(plain.length + p.rtpTagLength);
    buf.set(plain);
    const srtp = tx.protectRtp(buf.subarray(0, plain.length), buf);
    expect(srtp.buffer).toBe(buf.buffer);
    const r = rx.unprotectRtp(srtp, buf);
    expect(r.ok && toHex(r.packet)).toBe(toHex(plain));
    expect(() => tx.protectRtp(plain, new Uint8Array(plain.length))).toThrow(InvalidArgumentError);
  });

  it('rejects duplicates and too-old packets, accepts reordering inside the window', () => {
    const { tx, rx } = contexts(profile);
    const sent = new Map<number, Uint8Array>();
    for (let seq = 100; seq < 300; seq++) sent.set(seq, tx.protectRtp(rtp(seq)));
    const rxOf = (seq: number) => rx.unprotectRtp(sent.get(seq)!);
    expect(rxOf(200).ok).toBe(true);
    expect(rxOf(200)).toEqual({ ok: false, reason: 'replayed' });
    expect(rxOf(150).ok).toBe(true); // 50 back: inside 64
    expect(rxOf(150)).toEqual({ ok: false, reason: 'replayed' });
    expect(rxOf(136)).toEqual({ ok: false, reason: 'too-old' }); // 64 back
    expect(rxOf(299).ok).toBe(true);
    expect(rxOf(236).ok).toBe(true);
    expect(rxOf(235)).toEqual({ ok: false, reason: 'too-old' });
    // SRTCP has its own index and window.
    const c1 = tx.protectRtcp(rtcp());
    const c2 = tx.protectRtcp(rtcp());
    expect(rx.unprotectRtcp(c2).ok).toBe(true);
    expect(rx.unprotectRtcp(c1).ok).toBe(true);
    expect(rx.unprotectRtcp(c1)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('a failed packet changes no state', () => {
    const { tx, rx } = contexts(profile);
    const good = tx.protectRtp(rtp(10));
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    expect(rx.unprotectRtp(bad)).toEqual({ ok: false, reason: 'auth' });
    expect(rx.stateCounts.receiveRtp).toBe(0);
    expect(rx.unprotectRtp(good).ok).toBe(true);
    expect(rx.unprotectRtp(good)).toEqual({ ok: false, reason: 'replayed' });
    expect(rx.unprotectRtp(new Uint8Array(5))).toEqual({ ok: false, reason: 'malformed' });
    expect(rx.dropped).toEqual({ malformed: 1, auth: 1, replayed: 1, 'too-old': 0 });
  });

  it('sender and receiver agree on the index over random walks with reordering, loss and duplicates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.integer({ min: -1100, max: 3000 }), { minLength: 1, maxLength: 120 }),
        (start, steps) => {
          const { tx, rx } = contexts(profile, { replayWindow: 1024 });
          let truth = start;
          let top = -1;
          const seen = new Set<number>();
          for (const [i, step] of steps.entries()) {
            // The first packet fixes ROC 0 on both sides (RFC 3711 3.3.1), so it is `start` itself.
            if (i > 0) truth = Math.max(0, truth + step);
            const r = rx.unprotectRtp(tx.protectRtp(rtp(truth & 0xffff, 7, 8)));
            const want = truth > top ? 'ok' : top - truth >= 1024 ? 'too-old' : seen.has(truth) ? 'replayed' : 'ok';
            if (want === 'ok') {
              expect(r).toMatchObject({ ok: true, index: truth });
              seen.add(truth);
              top = Math.max(top, truth);
            } else {
              expect(r).toEqual({ ok: false, reason: want });
            }
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('random bytes never throw, never authenticate and never create state', () => {
    const { rx } = contexts(profile);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, rtpLike) => {
        if (rtpLike && bytes.length > 0) bytes[0] = 0x80 | (bytes[0]! & 0x3f);
        const a = rx.unprotectRtp(bytes);
        const b = rx.unprotectRtcp(bytes);
        expect(a.ok).toBe(false);
        expect(b.ok).toBe(false);
        if (!a.ok) expect(['malformed', 'auth']).toContain(a.reason);
      }),
      { numRuns: 300 },
    );
    expect(rx.stateCounts).toEqual({ sendRtp: 0, sendRtcp: 0, receiveRtp: 0, receiveRtcp: 0 });
  });

  it('mutated valid packets never throw and authenticate only when unchanged', () => {
    const { tx } = contexts(profile);
    const srtp = tx.protectRtp(rtp(1, 5, 40));
    const srtcp = tx.protectRtcp(rtcp(5));
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 60 }), fc.boolean(), (at, x, cut, rtcpSide) => {
        const src = rtcpSide ? srtcp : srtp;
        const m = src.slice(0, Math.max(0, src.length - (cut % 4 === 0 ? cut : 0)));
        if (m.length > 0) m[at % m.length]! ^= x;
        const { rx } = { rx: new SrtpContext(profile, new Uint8Array(p.keyLength), new Uint8Array(p.saltLength)) };
        const r = rtcpSide ? rx.unprotectRtcp(m) : rx.unprotectRtp(m);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('SSRC bounds', () => {
  it('receive states are bounded, least recently used evicted', () => {
    const { tx, rx } = contexts(SrtpProfile.AesCm128HmacSha1_80, {}, { maxSsrcs: 4 });
    const first = tx.protectRtp(rtp(1, 1));
    expect(rx.unprotectRtp(first).ok).toBe(true);
    for (let ssrc = 2; ssrc <= 20; ssrc++) {
      expect(rx.unprotectRtp(tx.protectRtp(rtp(1, ssrc))).ok).toBe(true);
      expect(rx.stateCounts.receiveRtp).toBeLessThanOrEqual(4);
    }
    // SSRC 20 is still known (replay detected); SSRC 1 was evicted and starts over.
    expect(rx.unprotectRtp(tx.protectRtp(rtp(1, 20))).ok).toBe(false);
    expect(rx.unprotectRtp(first).ok).toBe(true);
  });

  it('any mix of authenticated streams keeps every table within its bound', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean()), { maxLength: 150 }), (ops) => {
        const { tx, rx } = contexts(SrtpProfile.AesCm128HmacSha1_80, {}, { maxSsrcs: 8 });
        for (const [ssrc, seq, isRtcp] of ops) {
          if (isRtcp) rx.unprotectRtcp(tx.protectRtcp(rtcp(ssrc)));
          else rx.unprotectRtp(tx.protectRtp(rtp(seq, ssrc, 4)));
          const n = rx.stateCounts;
          expect(n.receiveRtp).toBeLessThanOrEqual(8);
          expect(n.receiveRtcp).toBeLessThanOrEqual(8);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('send states are bounded and refuse rather than evict', () => {
    const { tx } = contexts(SrtpProfile.AeadAes128Gcm, { maxSsrcs: 3 });
    for (let ssrc = 1; ssrc <= 3; ssrc++) tx.protectRtp(rtp(1, ssrc));
    expect(() => tx.protectRtp(rtp(1, 4))).toThrow(InvalidStateError);
    tx.forgetSsrc(2);
    expect(() => tx.protectRtp(rtp(1, 4))).not.toThrow();
    for (let ssrc = 1; ssrc <= 3; ssrc++) tx.protectRtcp(rtcp(ssrc));
    expect(() => tx.protectRtcp(rtcp(9))).toThrow(InvalidStateError);
  });

  it('validates options', () => {
    const key = new Uint8Array(16);
    const salt = new Uint8Array(14);
    expect(() => new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, key, salt, { replayWindow: 32 })).toThrow(InvalidArgumentError);
    expect(() => new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, key, salt, { maxSsrcs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, key, new Uint8Array(12))).toThrow(InvalidArgumentError);
  });
});

describe('packet size bounds', () => {
  it('refuses packets above MAX_SRTP_PACKET_LENGTH: a result for remote input, an error for local', () => {
    const { tx, rx } = contexts(SrtpProfile.AesCm128HmacSha1_80);
    const huge = rtp(1, 1, MAX_SRTP_PACKET_LENGTH);
    expect(rx.unprotectRtp(huge)).toEqual({ ok: false, reason: 'malformed' });
    expect(rx.unprotectRtcp(huge)).toEqual({ ok: false, reason: 'malformed' });
    expect(() => tx.protectRtp(huge)).toThrow(InvalidArgumentError);
    expect(() => tx.protectRtp(rtp(1, 1, MAX_SRTP_PACKET_LENGTH - 12 - 10))).not.toThrow();
  });

  it('unprotect into a too-small buffer falls back to a new one instead of throwing', () => {
    const { tx, rx } = contexts(SrtpProfile.AeadAes128Gcm);
    const plain = rtp(3, 3, 500);
    const r = rx.unprotectRtp(tx.protectRtp(plain), new Uint8Array(100));
    expect(r.ok && toHex(r.packet)).toBe(toHex(plain));
  });

  it('isRtcpPacket follows RFC 5761 4', () => {
    expect(isRtcpPacket(rtcp())).toBe(true);
    expect(isRtcpPacket(rtp(1))).toBe(false);
    expect(isRtcpPacket(Uint8Array.of(0x80, 0xc8))).toBe(true); // = RTP PT 72 + marker: why RTP avoids 64-95
    expect(isRtcpPacket(Uint8Array.of(0x80, 0xe0))).toBe(false); // RTP PT 96 + marker
    expect(isRtcpPacket(Uint8Array.of(0x80))).toBe(false);
  });
});

describe('SRTCP details (RFC 3711 3.4)', () => {
  it('E = 0 leaves the packet readable but still authenticated', () => {
    for (const profile of [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm]) {
      const { tx, rx } = contexts(profile, { encryptRtcp: false });
      const c = rtcp(77, 10);
      const s = tx.protectRtcp(c);
      expect(toHex(s.subarray(0, c.length))).toBe(toHex(c));
      const r = rx.unprotectRtcp(s);
      expect(r.ok && toHex(r.packet)).toBe(toHex(c));
      const bad = tx.protectRtcp(c);
      bad[20]! ^= 4;
      expect(rx.unprotectRtcp(bad)).toEqual({ ok: false, reason: 'auth' });
    }
  });

  it('the SRTCP index counts up per SSRC and is exhausted at 2^31', () => {
    const { tx, rx } = contexts(SrtpProfile.AesCm128HmacSha1_80);
    tx.setNextRtcpIndex(5, 0x7fff_ffff);
    const last = tx.protectRtcp(rtcp(5));
    const r = rx.unprotectRtcp(last);
    expect(r).toMatchObject({ ok: true, index: 0x7fff_ffff });
    expect(() => tx.protectRtcp(rtcp(5))).toThrow(InvalidStateError);
  });
});

describe('header reading (RFC 3550 5.1)', () => {
  it('agrees with werift on header length, SSRC and sequence number', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 15 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 30 }),
        (csrc, ids, seq, ssrc, payloadLength) => {
          const extensions = ids.map((id) => ({ id, payload: randomBytes(1 + (id % 5)) }));
          const header = new RtpHeader({ sequenceNumber: seq, ssrc, csrc, csrcLength: csrc.length, extension: extensions.length > 0, extensions });
          const bytes = new Uint8Array(new RtpPacket(header, randomBytes(payloadLength)).serialize());
          const theirs = RtpHeader.deSerialize(Buffer.from(bytes));
          const ours = readRtpHeader(bytes);
          expect(ours).toEqual({ headerLength: theirs.payloadOffset, sequenceNumber: seq, ssrc });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 20 }), (bytes, trailer) => {
        for (const read of [() => readRtpHeader(bytes, trailer), () => readRtcpSenderSsrc(bytes)]) {
          try {
            read();
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('protecting something that is not RTP throws ParseError', () => {
    const { tx } = contexts(SrtpProfile.AesCm128HmacSha1_80);
    expect(() => tx.protectRtp(new Uint8Array(11))).toThrow(ParseError);
    expect(() => tx.protectRtp(Uint8Array.of(0x40, ...new Uint8Array(20)))).toThrow(ParseError);
    expect(() => tx.protectRtp(Uint8Array.of(0x90, ...new Uint8Array(11)))).toThrow(ParseError);
    expect(() => tx.protectRtcp(new Uint8Array(7))).toThrow(ParseError);
  });
});
