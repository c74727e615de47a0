/**
 * pickTransport (src/peer/peer-transport.ts): which of a peer's transports a datagram on
 * a shared socket belongs to. A STUN request by the local ufrag its USERNAME names (RFC
 * 8445 section 7.2.2), a STUN response by its transaction (RFC 8489 section 6.3.3), other
 * datagrams by the remote address a transport knows; random bytes never throw and always
 * land somewhere (the transport's own checks then drop what is not theirs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { IceAgent } from '../../src/ice/agent.js';
import { parseCandidate } from '../../src/ice/candidate.js';
import { encodeBinding } from '../../src/ice/stun-binding.js';
import { PeerTransport, aggregateIceConnection, aggregateIceGathering, pickTransport } from '../../src/peer/peer-transport.js';

const STUN_SERVER = { address: '192.0.2.10', port: 3478 };

function transports(): PeerTransport[] {
  return [1, 2, 3].map((i) => {
    const agent = new IceAgent({ role: 'controlling', random: seededRandom(i), ufrag: `ufrag${i}`, password: `password-of-transport-${i}`, stunServers: [STUN_SERVER] });
    agent.addHostBases(0, [{ address: '10.0.0.1', port: 5000 }]);
    return new PeerTransport(`0${i}`, String(i - 1), agent);
  });
}

describe('pickTransport', () => {
  it('a STUN request goes to the transport whose ufrag its USERNAME names', () => {
    const ts = transports();
    const request = (ufrag: string): Uint8Array => encodeBinding({ cls: 'request', transactionId: new Uint8Array(12).fill(7), username: `${ufrag}:remote` });
    expect(pickTransport(ts, { address: '10.0.0.2', port: 1 }, request('ufrag2'))).toBe(ts[1]);
    expect(pickTransport(ts, { address: '10.0.0.2', port: 1 }, request('ufrag3'))).toBe(ts[2]);
  });

  it('a STUN response goes to the transport that sent the request (its transaction id)', () => {
    const ts = transports();
    for (const t of ts) t.agent.gather(0);
    const second = ts[1] as PeerTransport;
    let sent: Uint8Array | undefined;
    for (let now = 0; now < 1000 && !sent; now += 5) {
      second.agent.handleTimeout(now);
      for (let x = second.agent.pollTransmit(); x; x = second.agent.pollTransmit()) if (x.to.port === STUN_SERVER.port) sent = x.data;
    }
    if (!sent) throw new Error('no request to the STUN server');
    const response = encodeBinding({ cls: 'success', transactionId: sent.subarray(8, 20), xorMappedAddress: { address: '198.51.100.1', port: 40000 } });
    // Every transport asked the same server from the same base: only the id tells them apart.
    expect(pickTransport(ts, STUN_SERVER, response)).toBe(second);
  });

  it('other datagrams go to the transport that knows the sender as a remote candidate', () => {
    const ts = transports();
    (ts[2] as PeerTransport).agent.setRemoteCredentials(0, 'rem3', 'remote-password-3-xxxxxxxx');
    (ts[2] as PeerTransport).agent.addRemoteCandidate(0, parseCandidate('candidate:1 1 udp 2122260223 10.0.0.9 7000 typ host'));
    const dtls = new Uint8Array([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(pickTransport(ts, { address: '10.0.0.9', port: 7000 }, dtls)).toBe(ts[2]);
    // Unknown senders fall to the first transport (whose ICE agent drops unknown data).
    expect(pickTransport(ts, { address: '10.0.0.8', port: 7000 }, dtls)).toBe(ts[0]);
    expect(pickTransport(ts.slice(0, 1), { address: '10.0.0.8', port: 7000 }, dtls)).toBe(ts[0]);
    expect(pickTransport([], { address: '10.0.0.8', port: 7000 }, dtls)).toBeUndefined();
  });

  it('property: random datagrams never throw and always pick one of the transports', () => {
    const ts = transports();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 65535 }), (data, port) => {
      expect(ts).toContain(pickTransport(ts, { address: '10.0.0.2', port }, data));
    }));
  });
});

describe('W3C webrtc-pc 4.3.2 / 4.3.3: the peer\'s ICE states over its transports', () => {
  it('RTCIceConnectionState follows the table, row by row', () => {
    expect(aggregateIceConnection([])).toBe('new');
    expect(aggregateIceConnection(['connected', 'failed', 'disconnected'])).toBe('failed');
    expect(aggregateIceConnection(['connected', 'disconnected', 'checking'])).toBe('disconnected');
    expect(aggregateIceConnection(['new', 'closed'])).toBe('new');
    expect(aggregateIceConnection(['connected', 'new'])).toBe('checking');
    expect(aggregateIceConnection(['completed', 'checking'])).toBe('checking');
    expect(aggregateIceConnection(['completed', 'closed'])).toBe('completed');
    expect(aggregateIceConnection(['completed', 'connected', 'closed'])).toBe('connected');
  });

  it('RTCIceGatheringState: gathering if any, complete only when all are, else new', () => {
    expect(aggregateIceGathering([])).toBe('new');
    expect(aggregateIceGathering(['complete', 'gathering'])).toBe('gathering');
    expect(aggregateIceGathering(['complete', 'new'])).toBe('new');
    expect(aggregateIceGathering(['complete', 'complete'])).toBe('complete');
  });
});
