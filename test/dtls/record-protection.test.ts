/**
 * DTLS record protection on the data path, checked against code we did not write:
 * DTLS 1.2 AES-GCM records (RFC 5288 3, RFC 5246 6.2.3.3, RFC 6347 4.1) byte for byte
 * against werift's AEAD cipher and record serializer; ChaCha20-Poly1305 records (RFC 7905
 * 2) and DTLS 1.3 records (RFC 9147 4, 4.2.3 record number masks) against @noble/ciphers
 * with the nonce and additional data built here from the RFC text; the replay window
 * (RFC 6347 4.1.2.6) against a model set; tampering and random fragments never open.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ecb, gcm } from '@noble/ciphers/aes.js';
import { AeadRecordCipher } from '../../src/dtls/keys12.js';
import { RecordLayer } from '../../src/dtls/record-layer.js';
import { RecordLayer13 } from '../../src/dtls/record13.js';
import type { Aead13 } from '../../src/dtls/record13.js';
import { parseRecords13 } from '../../src/dtls/record13.js';
import { parseRecords, RECORD_HEADER_LENGTH, writeRecordHeader } from '../../src/dtls/record.js';
import { ReplayWindow, REPLAY_WINDOW_SIZE } from '../../src/dtls/replay.js';
import { SUITES } from '../../src/dtls/constants.js';
import type { SuiteParameters } from '../../src/dtls/constants.js';
import { AesEcbBlockCipher, aesEcbBlock, aeadSealInto, aeadOpen } from '../../src/crypto/cipher.js';

const req = createRequire(import.meta.url);
const werift = (p: string): Record<string, unknown> => req(path.resolve('node_modules/werift/lib/dtls/src', p)) as Record<string, unknown>;
interface WeriftAead {
  clientWriteKey: Buffer;
  serverWriteKey: Buffer;
  clientNonce: Buffer;
  serverNonce: Buffer;
  encrypt(type: number, data: Buffer, header: { type: number; version: number; epoch: number; sequenceNumber: number }): Buffer;
  decrypt(type: number, data: Buffer, header: { type: number; version: number; epoch: number; sequenceNumber: number }): Buffer;
}
const { createAEADCipher } = werift('cipher/create.js') as { createAEADCipher: (...a: unknown[]) => WeriftAead };
const { SessionType } = werift('cipher/suites/abstract.js') as { SessionType: { CLIENT: number; SERVER: number } };
const { DtlsPlaintext } = werift('record/message/plaintext.js') as {
  DtlsPlaintext: new (
    h: { contentType: number; protocolVersion: { major: number; minor: number }; epoch: number; sequenceNumber: number; contentLen: number },
    f: Buffer,
  ) => { serialize(): Buffer };
};

const DTLS12 = 0xfefd;
const suite = (id: number): SuiteParameters => SUITES.find((s) => s.id === id) as SuiteParameters;
const GCM_SUITES = [suite(0xc02b), suite(0xc02c)];
const CHACHA = suite(0xcca9);

/** werift's AEAD cipher as the server side: it seals with serverWriteKey/serverNonce and opens with the client's. */
function weriftCipher(s: SuiteParameters, key: Uint8Array, salt: Uint8Array): WeriftAead {
  const c = createAEADCipher(s.id, s.name, s.aead, 0, { K_LEN: s.keyLength, N_MAX: 12 });
  c.serverWriteKey = Buffer.from(key);
  c.clientWriteKey = Buffer.from(key);
  c.serverNonce = Buffer.concat([Buffer.from(salt), Buffer.alloc(8)]);
  c.clientNonce = Buffer.concat([Buffer.from(salt), Buffer.alloc(8)]);
  return c;
}

const arbRecord = fc.record({
  contentType: fc.constantFrom(21, 22, 23),
  epoch: fc.integer({ min: 1, max: 0xffff }),
  seq: fc.oneof(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 2 ** 32 - 4, max: 2 ** 32 + 4 }), fc.constant(2 ** 48 - 1)),
  plaintext: fc.uint8Array({ minLength: 0, maxLength: 1400 }),
});

describe('DTLS 1.2 AES-GCM records against werift (RFC 5288 3, RFC 6347 4.1)', () => {
  for (const s of GCM_SUITES) {
    it(`${s.name}: the same bytes as werift's encrypt + DtlsPlaintext, and each opens the other's`, () => {
      fc.assert(
        fc.property(arbRecord, fc.uint8Array({ minLength: s.keyLength, maxLength: s.keyLength }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (r, key, salt) => {
          const ours = new AeadRecordCipher(s, key, salt);
          const theirs = weriftCipher(s, key, salt);
          const header = { type: r.contentType, version: DTLS12, epoch: r.epoch, sequenceNumber: r.seq };
          const fragment = theirs.encrypt(SessionType.SERVER, Buffer.from(r.plaintext), header);
          const expected = new DtlsPlaintext(
            { contentType: r.contentType, protocolVersion: { major: 0xfe, minor: 0xfd }, epoch: r.epoch, sequenceNumber: r.seq, contentLen: fragment.length },
            fragment,
          ).serialize();
          const record = ours.sealRecord(r.contentType, DTLS12, r.epoch, r.seq, r.plaintext);
          expect(Buffer.from(record).equals(expected)).toBe(true);
          expect(Buffer.from(ours.seal(r.contentType, DTLS12, r.epoch, r.seq, r.plaintext)).equals(fragment)).toBe(true);
          expect(ours.open(r.contentType, DTLS12, r.epoch, r.seq, new Uint8Array(fragment))).toEqual(r.plaintext);
          expect(new Uint8Array(theirs.decrypt(SessionType.CLIENT, Buffer.from(record.subarray(RECORD_HEADER_LENGTH)), header))).toEqual(r.plaintext);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('DTLS 1.2 ChaCha20-Poly1305 records against @noble/ciphers (RFC 7905 2)', () => {
  it('nonce = iv XOR padded epoch || seq, additional data per RFC 5246 6.2.3.3, no explicit nonce', () => {
    fc.assert(
      fc.property(arbRecord, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), (r, key, iv) => {
        const seqBytes = new Uint8Array(8);
        new DataView(seqBytes.buffer).setUint16(0, r.epoch);
        new DataView(seqBytes.buffer).setUint16(2, Math.floor(r.seq / 2 ** 32));
        new DataView(seqBytes.buffer).setUint32(4, r.seq >>> 0);
        const nonce = iv.slice();
        for (let i = 0; i < 8; i++) nonce[4 + i] = (nonce[4 + i] as number) ^ (seqBytes[i] as number);
        const aad = new Uint8Array([...seqBytes, r.contentType, 0xfe, 0xfd, r.plaintext.length >> 8, r.plaintext.length & 0xff]);
        const expected = chacha20poly1305(key, nonce, aad).encrypt(r.plaintext);
        const ours = new AeadRecordCipher(CHACHA, key, iv);
        const record = ours.sealRecord(r.contentType, DTLS12, r.epoch, r.seq, r.plaintext);
        expect(record.subarray(RECORD_HEADER_LENGTH)).toEqual(expected);
        expect(ours.open(r.contentType, DTLS12, r.epoch, r.seq, expected)).toEqual(r.plaintext);
      }),
      { numRuns: 60 },
    );
  });
});

describe('DTLS 1.2 record layer', () => {
  const key = new Uint8Array(16).fill(7);
  const salt = Uint8Array.of(1, 2, 3, 4);
  const pair = (): { a: RecordLayer; b: RecordLayer } => {
    const a = new RecordLayer();
    const b = new RecordLayer();
    a.setWriteCipher(1, new AeadRecordCipher(GCM_SUITES[0] as SuiteParameters, key, salt));
    b.setReadCipher(1, new AeadRecordCipher(GCM_SUITES[0] as SuiteParameters, key, salt));
    return { a, b };
  };

  it('seals consecutive sequence numbers, opens each once, drops replays (RFC 6347 4.1, 4.1.2.6)', () => {
    const { a, b } = pair();
    const sealed = [0, 1, 2, 3].map((i) => a.seal(23, 1, Uint8Array.of(i)) as Uint8Array);
    const records = sealed.map((d) => parseRecords(d)[0]!);
    expect(records.map((r) => r.sequenceNumber)).toEqual([0, 1, 2, 3]);
    expect(records.every((r) => r.epoch === 1 && r.contentType === 23 && r.version === DTLS12)).toBe(true);
    expect(b.open(records[2]!)?.plaintext).toEqual(Uint8Array.of(2));
    expect(b.open(records[0]!)?.plaintext).toEqual(Uint8Array.of(0));
    expect(b.open(records[2]!)).toBeUndefined();
    expect(b.open(records[3]!)?.plaintext).toEqual(Uint8Array.of(3));
  });

  it('the opened plaintext does not alias the datagram, and slice() copies it', () => {
    const { a, b } = pair();
    const datagram = a.seal(23, 1, new Uint8Array(100).fill(5)) as Uint8Array;
    const opened = b.open(parseRecords(datagram)[0]!);
    expect(opened).toBeDefined();
    datagram.fill(0);
    expect(opened!.plaintext).toEqual(new Uint8Array(100).fill(5));
    const copy = opened!.plaintext.slice();
    copy[0] = 9;
    expect(opened!.plaintext[0]).toBe(5);
  });

  it('a record with any one byte changed does not open', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (plaintext, at, xor) => {
        const { a, b } = pair();
        const datagram = (a.seal(23, 1, plaintext) as Uint8Array).slice();
        // Tamper inside the header's type/version/epoch/seq (authenticated as additional data) or the fragment; not the length.
        const positions = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...Array.from({ length: datagram.length - RECORD_HEADER_LENGTH }, (_, i) => i + RECORD_HEADER_LENGTH)];
        const p = positions[at % positions.length] as number;
        datagram[p] = (datagram[p] as number) ^ xor;
        let records;
        try {
          records = parseRecords(datagram);
        } catch {
          return;
        }
        // Epoch 0 is the unprotected epoch: it opens as is, and the endpoint refuses application data there.
        for (const r of records) if (r.epoch !== 0) expect(b.open(r)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('random fragments never open and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (fragment, seq) => {
        const { b } = pair();
        expect(b.open({ contentType: 23, version: DTLS12, epoch: 1, sequenceNumber: seq, fragment })).toBeUndefined();
        const chacha = new AeadRecordCipher(CHACHA, new Uint8Array(32), new Uint8Array(12));
        expect(chacha.open(23, DTLS12, 1, seq, fragment)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('writeRecordHeader writes what werift serializes', () => {
    fc.assert(
      fc.property(arbRecord, fc.integer({ min: 0, max: 0xffff }), (r, length) => {
        const out = new Uint8Array(RECORD_HEADER_LENGTH);
        writeRecordHeader(out, 0, r.contentType, DTLS12, r.epoch, r.seq, length);
        const expected = new DtlsPlaintext(
          { contentType: r.contentType, protocolVersion: { major: 0xfe, minor: 0xfd }, epoch: r.epoch, sequenceNumber: r.seq, contentLen: length },
          Buffer.alloc(length),
        ).serialize();
        expect(Buffer.from(out).equals(expected.subarray(0, RECORD_HEADER_LENGTH))).toBe(true);
      }),
    );
  });
});

describe('replay window (RFC 6347 4.1.2.6)', () => {
  it('agrees with a set-based model, including around 2^32 and 2^48', () => {
    const base = fc.constantFrom(0, 2 ** 32 - 40, 2 ** 48 - 200);
    fc.assert(
      fc.property(base, fc.array(fc.integer({ min: 0, max: 160 }), { minLength: 100, maxLength: 300 }), (b, offsets) => {
        const w = new ReplayWindow();
        const seen = new Set<number>();
        let highest = -1;
        for (const o of offsets) {
          const s = b + o;
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

  it('remembers both halves of the 64-record window after jumps of 1, 31, 32, 33 and 63', () => {
    for (const jump of [1, 31, 32, 33, 63]) {
      const w = new ReplayWindow();
      w.accept(100);
      w.accept(100 + jump);
      expect(w.check(100)).toBe(false);
      expect(w.check(100 + jump)).toBe(false);
      for (let s = 101; s < 100 + jump; s++) expect(w.check(s)).toBe(true);
      expect(w.check(100 + jump - REPLAY_WINDOW_SIZE)).toBe(false);
    }
    // Late records in the upper and lower halves are remembered once accepted.
    const w = new ReplayWindow();
    w.accept(200);
    for (const late of [137, 150, 168, 169, 199]) {
      expect(w.check(late)).toBe(true);
      w.accept(late);
      expect(w.check(late)).toBe(false);
    }
    expect(w.check(136)).toBe(false);
    expect(w.check(138)).toBe(true);
  });
});

describe('DTLS 1.3 records against @noble/ciphers (RFC 9147 4, 4.2.3; RFC 8446 5.3)', () => {
  const cases: { aead: Aead13; keyLength: number }[] = [
    { aead: 'aes-128-gcm', keyLength: 16 },
    { aead: 'aes-256-gcm', keyLength: 32 },
    { aead: 'chacha20-poly1305', keyLength: 32 },
  ];
  for (const c of cases) {
    it(`${c.aead}: unified header, AEAD over content || type, masked sequence; opens back`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: c.keyLength, maxLength: c.keyLength }),
          fc.uint8Array({ minLength: 12, maxLength: 12 }),
          fc.uint8Array({ minLength: c.keyLength, maxLength: c.keyLength }),
          fc.uint8Array({ minLength: 0, maxLength: 600 }),
          fc.integer({ min: 0, max: 40 }),
          (key, iv, sn, plaintext, count) => {
            const keys = { key, iv, sn };
            const tx = new RecordLayer13();
            const rx = new RecordLayer13();
            tx.setWriteKeys(3, c.aead, keys);
            rx.setReadKeys(3, c.aead, keys);
            tx.setNextWriteSequence(3, count);
            const record = tx.seal(23, 3, plaintext) as Uint8Array;
            // Expected, built from the RFC text with noble's AEAD and block functions.
            const length = plaintext.length + 1 + 16;
            const header = Uint8Array.of(0x2c | 3, (count >> 8) & 0xff, count & 0xff, length >> 8, length & 0xff);
            const nonce = iv.slice();
            nonce[10] = (nonce[10] as number) ^ ((count >> 8) & 0xff);
            nonce[11] = (nonce[11] as number) ^ (count & 0xff);
            const inner = Uint8Array.of(...plaintext, 23);
            const body = c.aead === 'chacha20-poly1305' ? chacha20poly1305(key, nonce, header).encrypt(inner) : gcm(key, nonce, header).encrypt(inner);
            const sample = body.subarray(0, 16);
            const mask = c.aead === 'chacha20-poly1305' ? chacha20Mask(sn, sample) : ecb(sn, { disablePadding: true }).encrypt(sample);
            const expected = Uint8Array.of(header[0]!, header[1]! ^ mask[0]!, header[2]! ^ mask[1]!, header[3]!, header[4]!, ...body);
            expect(record).toEqual(expected);
            const parsed = parseRecords13(record);
            expect(parsed).toHaveLength(1);
            const opened = rx.open(parsed[0]!, [3]);
            expect(opened?.plaintext).toEqual(plaintext);
            expect(opened?.sequenceNumber).toBe(count);
            expect(rx.open(parsed[0]!, [3])).toBeUndefined();
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

/** ChaCha20 keystream bytes 0-15 for the sample read as counter(4, little-endian) || nonce(12) (RFC 9147 4.2.3, RFC 8439 2.3). */
function chacha20Mask(snKey: Uint8Array, sample: Uint8Array): Uint8Array {
  const counter = new DataView(sample.buffer, sample.byteOffset, 4).getUint32(0, true);
  return chacha20(snKey, sample.slice(4, 16), new Uint8Array(16), undefined, counter);
}

describe('node:crypto helpers', () => {
  it('AesEcbBlockCipher reuses one context and matches one-shot ECB and noble', () => {
    fc.assert(
      fc.property(fc.constantFrom(16, 32), fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 8 }), (len, blocks) => {
        const key = new Uint8Array(len).fill(len);
        const e = new AesEcbBlockCipher(key);
        for (const b of blocks) {
          const out = e.encryptBlock(b);
          expect(out).toEqual(aesEcbBlock(key, b));
          expect(out).toEqual(ecb(key, { disablePadding: true }).encrypt(b));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('aeadSealInto writes ciphertext || tag at an offset; a trailing byte is sealed as plaintext', () => {
    const key = new Uint8Array(16).fill(3);
    const nonce = new Uint8Array(12).fill(4);
    const aad = Uint8Array.of(1, 2, 3);
    const out = new Uint8Array(3 + 5 + 1 + 16).fill(0xee);
    aeadSealInto('aes-128-gcm', key, nonce, aad, Uint8Array.of(10, 11, 12, 13, 14), out, 3, 23);
    expect(out.subarray(0, 3)).toEqual(Uint8Array.of(0xee, 0xee, 0xee));
    expect(out.subarray(3)).toEqual(gcm(key, nonce, aad).encrypt(Uint8Array.of(10, 11, 12, 13, 14, 23)));
    expect(aeadOpen('aes-128-gcm', key, nonce, aad, out.subarray(3))).toEqual(Uint8Array.of(10, 11, 12, 13, 14, 23));
  });
});
