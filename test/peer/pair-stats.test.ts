/**
 * The per-pair counters behind getStats' candidate-pair entries (W3C webrtc-stats 7.18)
 * on a virtual clock: STUN Binding transactions from RFC 5769 (sections 2.1 request and
 * 2.2 response, the same transaction id) give requestsSent/responsesReceived and the
 * round-trip time; non-STUN datagrams count as payload; every table stays bounded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_OUTSTANDING_REQUESTS, MAX_TRACKED_PAIRS, PairStatsTracker } from '../../src/peer/pair-stats.js';

function vector(name: string): Uint8Array {
  const v = JSON.parse(readFileSync(join(import.meta.dirname, '../../vectors/rfc5769', name), 'utf8')) as { bytes: { hex: string }[] };
  return Uint8Array.from(Buffer.from(v.bytes.map((b) => b.hex.replace(/\s+/g, '')).join(''), 'hex'));
}

const request = vector('sample-request.json');
const response = vector('sample-ipv4-response.json');
const local = { address: '127.0.0.1', port: 5000 };
const remote = { address: '192.0.2.1', port: 32853 };
const other = { address: '192.0.2.9', port: 4000 };

describe('PairStatsTracker', () => {
  it('matches the RFC 5769 response to its request: one round trip, in seconds', () => {
    const t = new PairStatsTracker();
    t.sent(1000, local, remote, request);
    t.sent(1100, local, remote, request); // a retransmission keeps the first send time
    t.received(1250, local, remote, response);
    const c = t.get(local, remote);
    expect(c).toMatchObject({ requestsSent: 2, responsesReceived: 1, currentRoundTripTime: 0.25, totalRoundTripTime: 0.25, bytesSent: 0, packetsSent: 0 });
    // The same response again (a duplicate) is no second round trip.
    t.received(1300, local, remote, response);
    expect(t.get(local, remote)?.responsesReceived).toBe(1);
    expect(t.outstandingRequestCount).toBe(0);
  });

  it('ignores a response from another address than the request went to', () => {
    const t = new PairStatsTracker();
    t.sent(0, local, remote, request);
    t.received(10, local, other, response);
    expect(t.get(local, remote)?.responsesReceived).toBe(0);
    expect(t.get(local, other)).toBeUndefined();
  });

  it('counts requests received and responses sent, and payload bytes apart from STUN', () => {
    const t = new PairStatsTracker();
    t.received(5, local, remote, request);
    t.sent(6, local, remote, response);
    const dtls = new Uint8Array([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    t.sent(7, local, remote, dtls);
    t.received(8, local, remote, dtls.subarray(0, 10));
    expect(t.get(local, remote)).toMatchObject({
      requestsReceived: 1, responsesSent: 1, packetsSent: 1, bytesSent: 14, packetsReceived: 1, bytesReceived: 10, lastPacketSentAtMs: 7, lastPacketReceivedAtMs: 8,
    });
    expect(t.totals).toEqual({ packetsSent: 1, bytesSent: 14, packetsReceived: 1, bytesReceived: 10 });
  });

  it(`stays bounded: at most ${MAX_TRACKED_PAIRS} pairs and ${MAX_OUTSTANDING_REQUESTS} open transactions, totals still count`, () => {
    const t = new PairStatsTracker();
    const req = request.slice();
    for (let i = 0; i < MAX_TRACKED_PAIRS + 50; i++) {
      req[19] = i & 0xff;
      req[18] = i >> 8;
      t.sent(i, local, { address: '10.0.0.1', port: 1000 + i }, req);
      t.sent(i, local, { address: '10.0.0.1', port: 1000 + i }, new Uint8Array([0x80, 1, 2]));
    }
    for (let i = 0; i < MAX_OUTSTANDING_REQUESTS + 50; i++) {
      req[19] = i & 0xff;
      req[18] = (i >> 8) | 0x40;
      t.sent(i, local, { address: '10.0.0.1', port: 1000 }, req);
    }
    expect(t.trackedPairCount).toBe(MAX_TRACKED_PAIRS);
    expect(t.outstandingRequestCount).toBe(MAX_OUTSTANDING_REQUESTS);
    expect(t.untrackedDatagrams).toBe(100);
    expect(t.totals.packetsSent).toBe(MAX_TRACKED_PAIRS + 50);
  });

  it('never throws on random datagrams and keeps every counter a finite non-negative number', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(3), fc.uint8Array({ maxLength: 64 })), { maxLength: 50 }), (ops) => {
        const t = new PairStatsTracker();
        const peers = [remote, other, { address: '::1', port: 9 }, { address: '10.1.1.1', port: 1 }];
        let now = 0;
        for (const [out, who, data] of ops) {
          now += 3;
          const r = peers[who] ?? remote;
          if (out) t.sent(now, local, r, data);
          else t.received(now, local, r, data);
        }
        for (const r of peers) {
          const c = t.get(local, r);
          if (!c) continue;
          for (const v of Object.values(c)) if (v !== undefined) expect(Number.isFinite(v) && v >= 0).toBe(true);
        }
      }),
    );
  });
});
