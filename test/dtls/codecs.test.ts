/**
 * fast-check properties for every DTLS codec: parse(serialize(x)) equals x (RFC 6347
 * 4.1 records, 4.2.2 handshake headers, hellos, TLS 1.2 messages, extensions, alerts),
 * and random bytes make each parser throw only ParseError. Plus the replay window
 * (RFC 6347 4.1.2.6) and the reassembler (4.2.3) against simple models.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import { Writer, Reader } from '../../src/common/bytes.js';
import { parseRecords, serializeRecord } from '../../src/dtls/record.js';
import { parseFragments, serializeFragment, fragmentMessage } from '../../src/dtls/fragment.js';
import { HandshakeReassembler } from '../../src/dtls/reassembly.js';
import { ReplayWindow, REPLAY_WINDOW_SIZE } from '../../src/dtls/replay.js';
import { parseAlert, serializeAlert } from '../../src/dtls/alert.js';
import {
  parseClientHello,
  parseHelloVerifyRequest,
  parseServerHello,
  serializeClientHello,
  serializeHelloVerifyRequest,
  serializeServerHello,
} from '../../src/dtls/hello.js';
import { parseExtensions, serializeExtensions, parseUseSrtp, useSrtpExtension } from '../../src/dtls/extensions.js';
import {
  parseCertificateMessage,
  parseCertificateRequest,
  parseClientKeyExchange,
  parseDigitallySigned,
  parseServerKeyExchange,
  serializeCertificateMessage,
  serializeCertificateRequest,
  serializeClientKeyExchange,
  serializeDigitallySigned,
  serializeServerKeyExchange,
} from '../../src/dtls/messages12.js';

const bytes = (max: number, min = 0) => fc.uint8Array({ minLength: min, maxLength: max });
const u16 = fc.integer({ min: 0, max: 0xffff });
const extensionsArb = fc
  .uniqueArray(fc.record({ type: u16, data: bytes(40) }), { selector: (e) => e.type, maxLength: 8 })
  .map((a) => a);

function onlyParseErrors(parse: (b: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(bytes(300), (b) => {
      try {
        parse(b);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
    }),
    { numRuns: 400 },
  );
}

describe('record layer codec (RFC 6347 4.1)', () => {
  const recordArb = fc.record({
    contentType: fc.integer({ min: 20, max: 63 }),
    version: u16,
    epoch: u16,
    sequenceNumber: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    fragment: bytes(200),
  });
  it('round trips several records in one datagram', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 5 }), (recs) => {
        const dg = new Uint8Array(recs.reduce((n, r) => n + 13 + r.fragment.length, 0));
        let at = 0;
        for (const r of recs) {
          const b = serializeRecord(r);
          dg.set(b, at);
          at += b.length;
        }
        expect(parseRecords(dg)).toEqual(recs);
      }),
    );
  });
  it('random bytes throw only ParseError', () => onlyParseErrors(parseRecords));
});

describe('handshake header and fragments (RFC 6347 4.2.2, 4.2.3)', () => {
  it('round trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), u16, bytes(300), fc.integer({ min: 1, max: 120 }), (msgType, seq, body, size) => {
        const frags = fragmentMessage(msgType, seq, body, size);
        const w = new Writer();
        for (const f of frags) w.bytes(serializeFragment(f));
        const parsed = parseFragments(w.finish());
        expect(parsed).toEqual(frags.map((f) => ({ ...f, body: f.body.slice() })));
      }),
    );
  });
  it('random bytes throw only ParseError', () => onlyParseErrors(parseFragments));
  it('reassembles any permutation of overlapping, duplicated fragments', () => {
    fc.assert(
      fc.property(bytes(500, 1), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.nat()), (body, sizes, rand) => {
        const frags = sizes.flatMap((s) => fragmentMessage(1, 3, body, s));
        const order = frags.map((f, i) => ({ f, k: rand.next().value as number, i })).sort((a, b) => a.k - b.k || a.i - b.i);
        const r = new HandshakeReassembler(3);
        for (const { f } of order) r.add(f);
        const m = r.next();
        expect(m?.body).toEqual(body);
        expect(r.next()).toBeUndefined();
        expect(r.add(frags[0]!)).toBe('old');
      }),
    );
  });
});

describe('replay window (RFC 6347 4.1.2.6)', () => {
  it('matches a set-based model', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), (seqs) => {
        const w = new ReplayWindow();
        const seen = new Set<number>();
        let highest = -1;
        for (const s of seqs) {
          const expectOk = !seen.has(s) && (s > highest || highest - s < REPLAY_WINDOW_SIZE);
          expect(w.check(s)).toBe(expectOk);
          if (expectOk) {
            w.accept(s);
            seen.add(s);
            highest = Math.max(highest, s);
          }
        }
      }),
    );
  });
});

describe('hello messages', () => {
  const chArb = fc.record({
    version: u16,
    random: bytes(32, 32),
    sessionId: bytes(32),
    cookie: bytes(255),
    cipherSuites: fc.array(u16, { minLength: 1, maxLength: 20 }),
    compressionMethods: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }),
    extensions: extensionsArb,
  });
  it('ClientHello round trips', () => fc.assert(fc.property(chArb, (m) => {
          expect(parseClientHello(serializeClientHello(m))).toEqual(m);
        })));
  it('ServerHello round trips', () =>
    fc.assert(
      fc.property(
        fc.record({ version: u16, random: bytes(32, 32), sessionId: bytes(32), cipherSuite: u16, compressionMethod: fc.integer({ min: 0, max: 255 }), extensions: extensionsArb }),
        (m) => {
          expect(parseServerHello(serializeServerHello(m))).toEqual(m);
        },
      ),
    ));
  it('HelloVerifyRequest round trips', () =>
    fc.assert(fc.property(fc.record({ version: u16, cookie: bytes(255) }), (m) => {
          expect(parseHelloVerifyRequest(serializeHelloVerifyRequest(m))).toEqual(m);
        })));
  it('random bytes throw only ParseError', () => {
    onlyParseErrors(parseClientHello);
    onlyParseErrors(parseServerHello);
    onlyParseErrors(parseHelloVerifyRequest);
  });
  it('extensions and use_srtp round trip', () => {
    fc.assert(
      fc.property(extensionsArb, (exts) => {
        const w = new Writer();
        serializeExtensions(w, exts);
        expect(parseExtensions(new Reader(w.finish()))).toEqual(exts);
      }),
    );
    fc.assert(
      fc.property(fc.array(u16, { minLength: 1, maxLength: 10 }), bytes(20), (profiles, mki) => {
        expect(parseUseSrtp(useSrtpExtension({ profiles, mki }).data)).toEqual({ profiles, mki });
      }),
    );
    onlyParseErrors(parseUseSrtp);
  });
});

describe('TLS 1.2 handshake bodies', () => {
  it('Certificate round trips', () =>
    fc.assert(fc.property(fc.array(bytes(100, 1), { maxLength: 8 }), (chain) => {
          expect(parseCertificateMessage(serializeCertificateMessage(chain))).toEqual(chain);
        })));
  it('ServerKeyExchange round trips', () =>
    fc.assert(
      fc.property(fc.record({ namedGroup: u16, publicKey: bytes(255, 1), signatureScheme: u16, signature: bytes(100) }), (m) => {
          expect(parseServerKeyExchange(serializeServerKeyExchange(m))).toEqual(m);
        },
      ),
    ));
  it('CertificateRequest round trips', () =>
    fc.assert(
      fc.property(fc.record({ certificateTypes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 5 }), signatureSchemes: fc.array(u16, { maxLength: 10 }), authorities: bytes(50) }), (m) => {
          expect(parseCertificateRequest(serializeCertificateRequest(m))).toEqual(m);
        },
      ),
    ));
  it('ClientKeyExchange and CertificateVerify round trip', () => {
    fc.assert(fc.property(bytes(255, 1), (pk) => {
          expect(parseClientKeyExchange(serializeClientKeyExchange(pk))).toEqual(pk);
        }));
    fc.assert(fc.property(fc.record({ signatureScheme: u16, signature: bytes(100) }), (m) => {
          expect(parseDigitallySigned(serializeDigitallySigned(m))).toEqual(m);
        }));
  });
  it('Alert round trips', () =>
    fc.assert(fc.property(fc.record({ level: fc.integer({ min: 0, max: 255 }), description: fc.integer({ min: 0, max: 255 }) }), (a) => {
          expect(parseAlert(serializeAlert(a))).toEqual(a);
        })));
  it('random bytes throw only ParseError', () => {
    for (const p of [parseCertificateMessage, parseServerKeyExchange, parseCertificateRequest, parseClientKeyExchange, parseDigitallySigned, parseAlert]) onlyParseErrors(p);
  });
});
