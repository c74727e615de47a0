/**
 * Where the peer lets SCTP probe for larger packets (RFC 8899): node:dgram cannot set the
 * DF bit, so off loopback an oversized probe would be IP-fragmented rather than lost and
 * "succeed"; the peer caps the search at 1200 bytes there and lifts it to the DTLS record
 * limit (RFC 8261 5) only when both ends of the selected pair are loopback addresses.
 */
import { describe, expect, it } from 'vitest';
import type { SctpAssociation } from '../../src/sctp/association.js';
import { DEFAULT_MTU_BYTES, DTLS_MAX_PACKET_BYTES } from '../../src/sctp/constants.js';
import { PeerPair } from './helpers.js';

const associationOf = (pc: unknown): SctpAssociation | undefined => (pc as { manager?: { association: SctpAssociation } }).manager?.association;

function openPair(addresses: readonly [string, string]): PeerPair {
  const loop = addresses[0].startsWith('127.');
  const p = new PeerPair(41, { addresses, a: { includeLoopback: loop }, b: { includeLoopback: loop } });
  p.a.pc.createDataChannel(0, { label: 'x' });
  p.negotiate('a');
  p.run(() => p.a.events.some((e) => e.type === 'channel-open') && p.b.events.some((e) => e.type === 'datachannel'));
  expect(p.a.events.some((e) => e.type === 'channel-open')).toBe(true);
  p.run(() => associationOf(p.a.pc)?.probing === false && associationOf(p.b.pc)?.probing === false);
  return p;
}

describe('SCTP packet size by path', () => {
  it('stays at 1200 bytes between non-loopback addresses', () => {
    const p = openPair(['10.0.0.1', '10.0.0.2']);
    expect(associationOf(p.a.pc)?.mtu).toBe(DEFAULT_MTU_BYTES);
    expect(associationOf(p.b.pc)?.mtu).toBe(DEFAULT_MTU_BYTES);
  });

  it('rises towards the DTLS record limit between loopback addresses', () => {
    const p = openPair(['127.0.0.1', '127.0.0.2']);
    for (const pc of [p.a.pc, p.b.pc]) {
      const mtu = associationOf(pc)?.mtu ?? 0;
      expect(mtu).toBeGreaterThan(DTLS_MAX_PACKET_BYTES - 64);
      expect(mtu).toBeLessThanOrEqual(DTLS_MAX_PACKET_BYTES);
    }
  });
});
