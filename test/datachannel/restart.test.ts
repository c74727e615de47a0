/**
 * A peer that restarts its SCTP association (RFC 9260 5.2.4 action A) has forgotten its
 * data channels: ours on that association are closed, and new ones open and carry data
 * over the restarted association (RFC 8831 6.7 close semantics, RFC 8832 DCEP again).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { DataChannelManager } from '../../src/datachannel/manager.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import { DcPair } from './helpers.js';

describe('data channels across a peer restart', () => {
  it('closes the old channels and opens new ones on the restarted association', () => {
    const p = new DcPair();
    p.connect();
    const ch = p.a.createChannel(p.now, { label: 'before' });
    p.run(() => p.eventsB.some((e) => e.type === 'channel') && p.eventsA.some((e) => e.type === 'open'), 10_000);
    p.a.send(p.now, ch.id, 'one');
    p.run(() => p.messages('b').length === 1, 10_000);
    // B reboots: a fresh manager and association on the same link, connecting again.
    const b = new DataChannelManager(new SctpAssociation({ rng: seededRandom(4242), rtoMinMs: 200 }), { dtlsRole: 'server', remoteMaxMessageSize: 262144 });
    (p as unknown as { b: DataChannelManager }).b = b;
    p.eventsB.length = 0;
    b.connect(p.now);
    p.run(() => p.eventsA.some((e) => e.type === 'closed' && e.id === ch.id), 10_000);
    expect(p.a.association.state).toBe('established');
    expect(() => p.a.send(p.now, ch.id, 'stale')).toThrow();
    const again = p.a.createChannel(p.now, { label: 'after' });
    p.run(() => p.eventsB.some((e) => e.type === 'channel'), 10_000);
    p.run(() => p.eventsA.some((e) => e.type === 'open' && e.id === again.id), 10_000);
    p.a.send(p.now, again.id, 'two');
    p.run(() => p.messages('b').length === 1, 10_000);
    expect(p.messages('b')).toEqual(['two']);
  });
});
