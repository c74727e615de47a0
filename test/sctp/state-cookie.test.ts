/**
 * The State Cookie (RFC 9260 5.1.3, 5.1.5) with the Tie-Tags of 5.2.2, and purertc's
 * Receive Packet Size INIT parameter (type 0xB7C0, skip-without-report per RFC 9260
 * 3.2.1): round trips, tampering, and what other stacks' INITs say (nothing: Chrome's
 * captured INIT says nothing; werift's parser keeps ours as an unknown parameter).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { fromHex } from '../../src/common/hex.js';
import type { InitChunk } from '../../src/sctp/chunk-init.js';
import { featureParams, initFeatures } from '../../src/sctp/chunk-init.js';
import { ParamType } from '../../src/sctp/constants.js';
import type { StateCookie } from '../../src/sctp/cookie.js';
import { STATE_COOKIE_BYTES, makeStateCookie, openStateCookie } from '../../src/sctp/cookie.js';
import { parsePacket, serializePacket } from '../../src/sctp/packet.js';
import vector from '../../vectors/sctp/chrome-init.json' with { type: 'json' };

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const cookieArb: fc.Arbitrary<StateCookie> = fc.record({
  createdAtMs: fc.integer({ min: 0, max: 2 ** 40 }),
  lifetimeMs: u32,
  localTag: u32,
  peerTag: u32,
  localInitialTsn: u32,
  peerInitialTsn: u32,
  peerARwnd: u32,
  outboundStreams: u16,
  inboundStreams: u16,
  peerForwardTsn: fc.boolean(),
  peerReconfig: fc.boolean(),
  peerIData: fc.boolean(),
  peerZeroChecksum: fc.boolean(),
  peerMaxPacketBytes: u32,
  localTieTag: u32,
  peerTieTag: u32,
});
const secret = new Uint8Array(32).fill(9);

describe('State Cookie', () => {
  it('opens to what was made, Tie-Tags included', () => {
    fc.assert(
      fc.property(cookieArb, (c) => {
        const bytes = makeStateCookie(secret, c);
        expect(bytes.length).toBe(STATE_COOKIE_BYTES);
        expect(openStateCookie(secret, bytes)).toEqual(c);
      }),
    );
  });

  it('any changed byte, or another secret, makes it fail with ParseError only', () => {
    fc.assert(
      fc.property(cookieArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (c, at, x) => {
        const bytes = makeStateCookie(secret, c);
        const i = at % bytes.length;
        bytes[i] = (bytes[i] as number) ^ x;
        expect(() => openStateCookie(secret, bytes)).toThrow(ParseError);
        expect(() => openStateCookie(new Uint8Array(32), makeStateCookie(secret, c))).toThrow(ParseError);
      }),
    );
  });

  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: STATE_COOKIE_BYTES + 8 }), (b) => {
        try {
          openStateCookie(secret, b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
    );
  });
});

describe('Receive Packet Size parameter', () => {
  it('round-trips through featureParams / initFeatures with the other features', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 0xffffffff }), (forwardTsn, reconfig, iData, maxPacketBytes) => {
        const init: InitChunk = { type: 'init', initiateTag: 1, aRwnd: 1, outboundStreams: 1, inboundStreams: 1, initialTsn: 1, params: featureParams({ forwardTsn, reconfig, iData, maxPacketBytes }) };
        expect(initFeatures(init)).toEqual({ forwardTsn, reconfig, iData, stateCookie: undefined, maxPacketBytes, zeroChecksumEdmid: 0 });
      }),
    );
  });

  it('is skipped silently by a receiver that does not know it (upper bits 10, RFC 9260 3.2.1)', () => {
    expect(ParamType.ReceivePacketSize >>> 14).toBe(2);
  });

  it("is absent from Chrome's INIT (captured): Chrome announces nothing", () => {
    const chromeInit = parsePacket(fromHex(vector.packet.map((r) => r.hex).join(''))).chunks[0] as InitChunk;
    expect(chromeInit.params.some((p) => p.type === ParamType.ReceivePacketSize)).toBe(false);
    expect(initFeatures(chromeInit).maxPacketBytes).toBe(0);
  });

  it('werift parses our INIT, keeping the parameter as one it does not know', () => {
    const require = createRequire(import.meta.url);
    const werift = require(path.resolve('node_modules/werift/lib/sctp/src/chunk.js')) as { parsePacket(b: Buffer): [number, number, number, { params: [number, Buffer][] }[]] };
    const ours: InitChunk = { type: 'init', initiateTag: 5, aRwnd: 1000, outboundStreams: 2, inboundStreams: 2, initialTsn: 9, params: featureParams({ forwardTsn: true, reconfig: true, iData: false, maxPacketBytes: 16384 }) };
    const bytes = serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: 0, chunks: [ours] });
    const [, , , chunks] = werift.parsePacket(Buffer.from(bytes));
    const param = chunks[0]?.params.find(([t]) => t === ParamType.ReceivePacketSize);
    expect(param?.[1].readUInt32BE(0)).toBe(16384);
  });
});
