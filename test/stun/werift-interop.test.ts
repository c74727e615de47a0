// Cross-validation with werift 0.25.2's STUN codec (something we did not write):
// werift's parseMessage decodes our messages and we decode werift's, with
// MESSAGE-INTEGRITY and FINGERPRINT verified both ways.
import fc from 'fast-check';
import { Message, parseMessage } from 'werift';
import { describe, expect, it } from 'vitest';
import {
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  shortTermKey,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../../src/stun/index.js';
import { address } from './arbitraries.js';

// werift's enums (classes, methods): REQUEST 0x000, RESPONSE 0x100, BINDING 1.
const WERIFT_REQUEST = 0x000;
const WERIFT_RESPONSE = 0x100;
const WERIFT_BINDING = 1;

const ufrag = fc.stringMatching(/^[A-Za-z0-9+/]{4,16}$/);
const pwd = fc.stringMatching(/^[A-Za-z0-9+/]{22,32}$/);

describe('werift interop (STUN)', () => {
  it('werift parses and authenticates our ICE Binding requests', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        ufrag,
        ufrag,
        pwd,
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.boolean(),
        (tid, lu, ru, password, priority, tieBreaker, useCandidate) => {
          const ours = encodeStunMessage(
            {
              class: 'request',
              method: 1,
              transactionId: tid,
              attributes: [
                { type: 'USERNAME', value: `${ru}:${lu}` },
                { type: 'GOOG-NETWORK-INFO', networkId: 1, networkCost: 10 },
                { type: 'ICE-CONTROLLING', tieBreaker },
                { type: 'PRIORITY', value: priority },
                ...(useCandidate ? [{ type: 'USE-CANDIDATE' as const }] : []),
              ],
            },
            { integrityKey: shortTermKey(password), fingerprint: true },
          );
          const theirs = parseMessage(Buffer.from(ours), Buffer.from(password));
          expect(theirs).toBeDefined();
          expect(theirs!.messageClass).toBe(WERIFT_REQUEST);
          expect(theirs!.messageMethod).toBe(WERIFT_BINDING);
          expect(theirs!.transactionIdHex).toBe(Buffer.from(tid).toString('hex'));
          expect(theirs!.getAttributeValue('USERNAME')).toBe(`${ru}:${lu}`);
          expect(theirs!.getAttributeValue('PRIORITY')).toBe(priority);
          expect(BigInt(theirs!.getAttributeValue('ICE-CONTROLLING'))).toBe(tieBreaker);
          expect(theirs!.attributesKeys.includes('USE-CANDIDATE')).toBe(useCandidate);
          // A wrong key makes werift reject it.
          expect(parseMessage(Buffer.from(ours), Buffer.from(`${password}x`))).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('we parse and authenticate werift Binding responses (IPv4 and IPv6 XOR-MAPPED-ADDRESS)', () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 0xffff }), pwd, (a, port, password) => {
        const m = new Message(WERIFT_BINDING as never, WERIFT_RESPONSE as never);
        m.setAttribute('XOR-MAPPED-ADDRESS', [a.address, port]);
        m.setAttribute('SOFTWARE', 'werift');
        m.addMessageIntegrity(Buffer.from(password));
        m.addFingerprint();
        const d = decodeStunMessage(new Uint8Array(m.bytes));
        expect(d.class).toBe('success');
        expect(d.method).toBe(1);
        expect(Buffer.from(d.transactionId).equals(m.transactionId)).toBe(true);
        const x = getAttribute(d, 'XOR-MAPPED-ADDRESS');
        expect(x?.port).toBe(port);
        expect(x?.family).toBe(a.family);
        expect(x?.address).toBe(a.address);
        expect(getAttribute(d, 'SOFTWARE')?.value).toBe('werift');
        expect(verifyMessageIntegrity(d, shortTermKey(password))).toBe(true);
        expect(verifyMessageIntegrity(d, shortTermKey(`${password}x`))).toBe(false);
        expect(verifyFingerprint(d)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('werift and we agree on TURN attributes and error codes', () => {
    const tid = new Uint8Array(12).fill(9);
    const ours = encodeStunMessage(
      {
        class: 'error',
        method: 3,
        transactionId: tid,
        attributes: [
          { type: 'ERROR-CODE', code: 438, reason: 'Stale Nonce' },
          { type: 'REALM', value: 'example.org' },
          { type: 'NONCE', value: 'abcdef' },
          { type: 'XOR-RELAYED-ADDRESS', family: 'IPv4', address: '203.0.113.5', port: 50123 },
          { type: 'LIFETIME', value: 600 },
          { type: 'CHANNEL-NUMBER', channel: 0x4001 },
          { type: 'XOR-PEER-ADDRESS', family: 'IPv6', address: '2001:db8::1', port: 9 },
          { type: 'DATA', value: new Uint8Array([1, 2, 3]) },
          { type: 'REQUESTED-TRANSPORT', protocol: 17 },
        ],
      },
      { fingerprint: true },
    );
    const w = parseMessage(Buffer.from(ours));
    expect(w).toBeDefined();
    expect(w!.getAttributeValue('ERROR-CODE')).toEqual([438, 'Stale Nonce']);
    expect(w!.getAttributeValue('REALM')).toBe('example.org');
    expect(w!.getAttributeValue('NONCE')).toEqual(Buffer.from('abcdef'));
    expect(w!.getAttributeValue('XOR-RELAYED-ADDRESS')).toEqual(['203.0.113.5', 50123]);
    expect(w!.getAttributeValue('LIFETIME')).toBe(600);
    expect(w!.getAttributeValue('CHANNEL-NUMBER')).toBe(0x4001);
    expect(w!.getAttributeValue('XOR-PEER-ADDRESS')).toEqual(['2001:db8::1', 9]);
    expect(w!.getAttributeValue('DATA')).toEqual(Buffer.from([1, 2, 3]));
    expect(w!.getAttributeValue('REQUESTED-TRANSPORT')).toBe(0x11000000);
    // And back: werift re-encodes what it parsed; we decode it to the same values.
    const back = decodeStunMessage(new Uint8Array(w!.bytes));
    expect(getAttribute(back, 'ERROR-CODE')).toEqual({ type: 'ERROR-CODE', code: 438, reason: 'Stale Nonce' });
    expect(getAttribute(back, 'XOR-PEER-ADDRESS')).toEqual({ type: 'XOR-PEER-ADDRESS', family: 'IPv6', address: '2001:db8::1', port: 9 });
    expect(getAttribute(back, 'CHANNEL-NUMBER')?.channel).toBe(0x4001);
  });
});
