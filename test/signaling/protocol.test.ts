/**
 * The signaling message codec (src/signaling/protocol.ts): round trips of every client
 * and server message (fast-check), random bytes and random JSON throw only ParseError,
 * and candidates as other stacks write them (werift's RTCIceCandidate.toJSON(), Chrome's
 * captured candidate lines) pass the check.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import {
  MAX_NAME_LENGTH,
  MAX_ROOM_ID_LENGTH,
  SignalingErrorCode,
  checkCandidate,
  parseClientMessage,
  parseServerMessage,
  serializeClientMessage,
  serializeServerMessage,
} from '../../src/signaling/index.js';
import type { CandidateInit, ClientMessage, ServerMessage } from '../../src/signaling/index.js';

const label = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s));
const peerId = label(64);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const candidateInit: fc.Arbitrary<CandidateInit | null> = fc.option(
  fc
    .record({
      candidate: fc.string({ maxLength: 200 }),
      sdpMid: maybe(fc.option(fc.string({ maxLength: 64 }), { nil: null })),
      sdpMLineIndex: maybe(fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: null })),
      usernameFragment: maybe(fc.option(fc.string({ maxLength: 256 }), { nil: null })),
    })
    .map((c) => strip(c) as CandidateInit),
  { nil: null },
);
/** JSON data without -0 (JSON turns it into 0) and within the depth limit. */
const data = fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Drops undefined fields, as JSON does. */
function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ type: fc.constant('join' as const), room: label(MAX_ROOM_ID_LENGTH), name: maybe(label(MAX_NAME_LENGTH)) }),
  fc.constant({ type: 'leave' as const }),
  fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), to: maybe(peerId), sdp: fc.string({ minLength: 1 }) }),
  fc.record({ type: fc.constant('candidate' as const), to: maybe(peerId), candidate: candidateInit }),
  fc.record({ type: fc.constant('bye' as const), to: maybe(peerId) }),
  fc.record({ type: fc.constant('message' as const), to: maybe(peerId), data }),
).map((m) => strip(m) as ClientMessage);

const peerInfo = fc.record({ id: peerId, name: maybe(label(MAX_NAME_LENGTH)) }).map((p) => strip(p));
const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({ type: fc.constant('welcome' as const), id: peerId }),
  fc.record({ type: fc.constant('joined' as const), room: label(MAX_ROOM_ID_LENGTH), id: peerId, peers: fc.array(peerInfo, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('left' as const), room: label(MAX_ROOM_ID_LENGTH) }),
  fc.record({ type: fc.constant('peer-joined' as const), id: peerId, name: maybe(label(MAX_NAME_LENGTH)) }),
  fc.record({ type: fc.constant('peer-left' as const), id: peerId }),
  fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), from: peerId, sdp: fc.string({ minLength: 1 }) }),
  fc.record({ type: fc.constant('candidate' as const), from: peerId, candidate: candidateInit }),
  fc.record({ type: fc.constant('bye' as const), from: peerId }),
  fc.record({ type: fc.constant('message' as const), from: peerId, data }),
  fc.record({ type: fc.constant('error' as const), code: fc.constantFrom(...Object.values(SignalingErrorCode)), message: fc.string({ maxLength: 100 }) }),
).map((m) => strip(m) as ServerMessage);

function onlyParseError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
  }
}

describe('signaling protocol codec', () => {
  it('property: client messages round trip (text and UTF-8 bytes)', () => {
    fc.assert(
      fc.property(clientMessage, (m) => {
        const text = serializeClientMessage(m);
        expect(parseClientMessage(text)).toEqual(m);
        expect(parseClientMessage(new TextEncoder().encode(text))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it('property: server messages round trip', () => {
    fc.assert(
      fc.property(serverMessage, (m) => {
        expect(parseServerMessage(serializeServerMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it('property: random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        onlyParseError(() => parseClientMessage(b));
        onlyParseError(() => parseServerMessage(b));
      }),
      { numRuns: 500 },
    );
  });

  it('property: random JSON throws only ParseError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string(), (v, type) => {
        onlyParseError(() => parseClientMessage(JSON.stringify(v) ?? 'null'));
        onlyParseError(() => parseServerMessage(JSON.stringify(v) ?? 'null'));
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          onlyParseError(() => parseClientMessage(JSON.stringify({ ...v, type })));
          onlyParseError(() => parseServerMessage(JSON.stringify({ ...v, type })));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps only known fields (a client cannot forge from)', () => {
    expect(parseClientMessage('{"type":"offer","sdp":"v=0","from":"x","evil":1}')).toEqual({ type: 'offer', sdp: 'v=0' });
    expect(parseClientMessage('{"type":"join","room":"r","__proto__":{"polluted":1}}')).toEqual({ type: 'join', room: 'r' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it("accepts werift's RTCIceCandidate.toJSON() shape", async () => {
    const require = createRequire(import.meta.url);
    const werift = require(resolve('node_modules/werift/lib/webrtc/src/index.js')) as {
      RTCIceCandidate: new (init: { candidate: string; sdpMid?: string; sdpMLineIndex?: number }) => { toJSON(): unknown };
    };
    const line = 'candidate:4194326168 1 udp 2122260223 127.0.0.1 34074 typ host generation 0';
    const json = new werift.RTCIceCandidate({ candidate: line, sdpMid: '0', sdpMLineIndex: 0 }).toJSON();
    // Whatever fields werift writes, the ones this protocol knows survive unchanged.
    const checked = checkCandidate(JSON.parse(JSON.stringify(json)));
    expect(checked?.candidate).toBe(line);
    expect(checked?.sdpMid).toBe('0');
    expect(checked?.sdpMLineIndex).toBe(0);
  });

  it("accepts Chrome's captured candidate lines and its empty end-of-generation candidate", () => {
    const lines = readFileSync(new URL('../../vectors/chromium-156/gathered-datachannel.sdp', import.meta.url), 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.startsWith('a=candidate:'))
      .map((l) => l.slice(2));
    expect(lines.length).toBeGreaterThan(0);
    for (const candidate of lines) {
      const c = { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'hVvL' };
      expect(parseClientMessage(JSON.stringify({ type: 'candidate', candidate: c }))).toEqual({ type: 'candidate', candidate: c });
    }
    const empty = { candidate: '', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null };
    expect(checkCandidate(empty)).toEqual(empty);
  });
});
