// fast-check generators for STUN attributes and messages, shared by the STUN tests.
import fc from 'fast-check';
import { formatIp } from '../../src/stun/ip.js';
import type { StunAttribute, StunMessage } from '../../src/stun/index.js';
import { attributeName } from '../../src/stun/index.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const str = fc.string({ unit: 'grapheme', maxLength: 40 });

export const address = fc.oneof(
  bytes(4, 4).map((b) => ({ family: 'IPv4' as const, address: formatIp(b) })),
  bytes(16, 16).map((b) => ({ family: 'IPv6' as const, address: formatIp(b) })),
);

const addressAttr = <T extends string>(type: T) =>
  fc.record({ a: address, port: u16 }).map(({ a, port }) => ({ type, ...a, port }));

const algEntry = fc.record({ algorithm: u16, parameters: bytes(0, 9) });

export const attribute: fc.Arbitrary<StunAttribute> = fc.oneof(
  addressAttr('MAPPED-ADDRESS'),
  addressAttr('XOR-MAPPED-ADDRESS'),
  addressAttr('XOR-PEER-ADDRESS'),
  addressAttr('XOR-RELAYED-ADDRESS'),
  addressAttr('ALTERNATE-SERVER'),
  fc.constantFrom('USERNAME', 'REALM', 'NONCE', 'SOFTWARE').chain((type) => str.map((value) => ({ type, value }) as StunAttribute)),
  bytes(32, 32).map((value) => ({ type: 'USERHASH' as const, value })),
  bytes(20, 20).map((value) => ({ type: 'MESSAGE-INTEGRITY' as const, value })),
  fc.integer({ min: 4, max: 8 }).chain((n) => bytes(4 * n, 4 * n)).map((value) => ({ type: 'MESSAGE-INTEGRITY-SHA256' as const, value })),
  bytes(0, 64).map((value) => ({ type: 'DATA' as const, value })),
  bytes(8, 8).map((value) => ({ type: 'RESERVATION-TOKEN' as const, value })),
  fc.constantFrom('PRIORITY', 'LIFETIME', 'CONNECTION-ID', 'FINGERPRINT').chain((type) => u32.map((value) => ({ type, value }) as StunAttribute)),
  fc.constantFrom('USE-CANDIDATE' as const, 'DONT-FRAGMENT' as const).map((type) => ({ type })),
  fc.record({ type: fc.constantFrom('ICE-CONTROLLED' as const, 'ICE-CONTROLLING' as const), tieBreaker: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ type: fc.constant('ERROR-CODE' as const), code: fc.integer({ min: 0, max: 799 }), reason: str }),
  fc.record({ type: fc.constant('UNKNOWN-ATTRIBUTES' as const), types: fc.array(u16, { maxLength: 6 }) }),
  fc.record({ type: fc.constant('PASSWORD-ALGORITHMS' as const), algorithms: fc.array(algEntry, { maxLength: 4 }) }),
  algEntry.map((e) => ({ type: 'PASSWORD-ALGORITHM' as const, ...e })),
  fc.integer({ min: 0, max: 0xffff }).map((channel) => ({ type: 'CHANNEL-NUMBER' as const, channel })),
  fc.record({ type: fc.constantFrom('REQUESTED-ADDRESS-FAMILY' as const, 'ADDITIONAL-ADDRESS-FAMILY' as const), family: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('REQUESTED-TRANSPORT' as const), protocol: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('EVEN-PORT' as const), reserve: fc.boolean() }),
  fc.record({ type: fc.constant('ADDRESS-ERROR-CODE' as const), family: fc.integer({ min: 0, max: 255 }), code: fc.integer({ min: 0, max: 799 }), reason: str }),
  fc.record({ type: fc.constant('GOOG-NETWORK-INFO' as const), networkId: u16, networkCost: u16 }),
  fc
    .record({ code: u16.filter((c) => attributeName(c) === undefined), raw: bytes(0, 20) })
    .map(({ code, raw }) => ({ type: 'unknown' as const, code, raw })),
);

/** Attributes other than the three trailing integrity ones (which constrain order). */
export const plainAttribute = attribute.filter(
  (a) => a.type !== 'MESSAGE-INTEGRITY' && a.type !== 'MESSAGE-INTEGRITY-SHA256' && a.type !== 'FINGERPRINT',
);

export const message: fc.Arbitrary<StunMessage> = fc.record({
  class: fc.constantFrom('request' as const, 'indication' as const, 'success' as const, 'error' as const),
  method: fc.integer({ min: 0, max: 0xfff }),
  transactionId: bytes(12, 12),
  attributes: fc.array(plainAttribute, { maxLength: 8 }),
});
