/**
 * Data channels (RFC 8831) with DCEP (RFC 8832) between two purertc managers on a
 * virtual clock; werift interop is in werift.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { ChannelType, Ppid, parseDcep, serializeDcep } from '../../src/datachannel/dcep.js';
import { fromHex } from '../../src/common/hex.js';
import { DcPair } from './helpers.js';
import { pattern, sameBytes } from '../sctp/helpers.js';

describe('DCEP codec (RFC 8832 5)', () => {
  it('decodes a DATA_CHANNEL_OPEN written by hand from the RFC layout', () => {
    // 03 type OPEN | 81 unordered rexmit | 0100 priority 256 | 00000003 maxRetransmits 3 |
    // 0004 label length | 0003 protocol length | "chat" | "xyz"
    const b = fromHex('03' + '81' + '0100' + '00000003' + '0004' + '0003' + '63686174' + '78797a');
    expect(parseDcep(b)).toEqual({ type: 'open', channelType: 0x81, priority: 256, reliabilityParameter: 3, label: 'chat', protocol: 'xyz' });
    expect(serializeDcep(parseDcep(b))).toEqual(b);
    expect(parseDcep(fromHex('02'))).toEqual({ type: 'ack' });
  });

  it('round-trips and rejects random bytes only with ParseError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(ChannelType)), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.string(), fc.string(), (channelType, priority, reliabilityParameter, label, protocol) => {
        const m = { type: 'open' as const, channelType, priority, reliabilityParameter, label, protocol };
        expect(parseDcep(serializeDcep(m))).toEqual(m);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          parseDcep(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('data channels between two purertc peers', () => {
  it('opens in-band channels with even/odd ids by DTLS role, label and protocol', () => {
    const p = new DcPair();
    const early = p.a.createChannel(0, { label: 'early', protocol: 'p1' }); // before the association is up
    p.connect();
    const c1 = p.a.createChannel(p.now, { label: 'from-client' });
    const c2 = p.b.createChannel(p.now, { label: 'from-server', protocol: 'json' });
    p.run(() => p.eventsA.some((e) => e.type === 'channel') && p.eventsB.filter((e) => e.type === 'channel').length === 2, 10_000);
    expect(early.id % 2).toBe(0);
    expect(c1.id % 2).toBe(0);
    expect(c1.id).not.toBe(early.id);
    expect(c2.id % 2).toBe(1);
    const onB = p.eventsB.filter((e) => e.type === 'channel').map((e) => e.type === 'channel' && e.channel);
    expect(onB).toEqual(expect.arrayContaining([expect.objectContaining({ id: early.id, label: 'early', protocol: 'p1', ordered: true }), expect.objectContaining({ id: c1.id, label: 'from-client' })]));
    expect(p.eventsA.find((e) => e.type === 'channel')).toMatchObject({ channel: { id: c2.id, label: 'from-server', protocol: 'json' } });
    expect(p.a.getChannel(early.id)?.readyState).toBe('open');
  });

  it('carries strings, binary and empty messages with the right PPIDs (RFC 8831 6.6)', () => {
    const p = new DcPair();
    p.connect();
    const ch = p.a.createChannel(p.now, { label: 'x' });
    const ppids: number[] = [];
    const assocB = p.b.association;
    const orig = assocB.pollEvent.bind(assocB);
    assocB.pollEvent = () => {
      const e = orig();
      if (e?.type === 'message') ppids.push(e.ppid);
      return e;
    };
    p.a.send(p.now, ch.id, 'héllo ✓');
    p.a.send(p.now, ch.id, '');
    p.a.send(p.now, ch.id, new Uint8Array([1, 2, 3]));
    p.a.send(p.now, ch.id, new Uint8Array(0));
    p.a.send(p.now, ch.id, pattern(5, 262144));
    p.run(() => p.messages('b', ch.id).length === 5, 100_000);
    const got = p.messages('b', ch.id);
    expect(got[0]).toBe('héllo ✓');
    expect(got[1]).toBe('');
    expect(got[2]).toEqual(new Uint8Array([1, 2, 3]));
    expect(got[3]).toEqual(new Uint8Array(0));
    expect(sameBytes(got[4] as Uint8Array, pattern(5, 262144))).toBe(true);
    expect(ppids).toEqual([Ppid.Dcep, Ppid.String, Ppid.StringEmpty, Ppid.Binary, Ppid.BinaryEmpty, Ppid.Binary]);
  });

  it('pre-negotiated channels open on both sides without DCEP', () => {
    const p = new DcPair();
    p.a.createChannel(0, { negotiated: true, id: 7, label: 'neg' });
    p.b.createChannel(0, { negotiated: true, id: 7, label: 'neg' });
    p.connect();
    p.run(() => p.eventsA.some((e) => e.type === 'open') && p.eventsB.some((e) => e.type === 'open'), 1000);
    p.a.send(p.now, 7, 'ping');
    p.b.send(p.now, 7, 'pong');
    p.run(() => p.messages('a').length === 1 && p.messages('b').length === 1, 10_000);
    expect(p.messages('b')).toEqual(['ping']);
    expect(p.messages('a')).toEqual(['pong']);
    expect(p.eventsB.some((e) => e.type === 'channel')).toBe(false);
    expect(() => p.a.createChannel(p.now, { negotiated: true })).toThrow(/id/);
  });

  it("enforces max-message-size both ways: ours refuses above the peer's limit", () => {
    const p = new DcPair({ a: { remoteMaxMessageSize: 65536 } });
    p.connect();
    const ch = p.a.createChannel(p.now, { label: 'm' });
    expect(() => p.a.send(p.now, ch.id, new Uint8Array(65537))).toThrow(/max-message-size of 65536/);
    p.a.send(p.now, ch.id, new Uint8Array(65536));
    p.run(() => p.messages('b').length === 1, 10_000);
    // A peer that ignores our announced limit (256 KiB) is stopped, not buffered without bound.
    const q = new DcPair({ a: { remoteMaxMessageSize: 0 } });
    q.connect();
    const c2 = q.a.createChannel(q.now, { label: 'big' });
    q.a.send(q.now, c2.id, new Uint8Array(300_000));
    q.run(() => q.b.association.state === 'closed', 100_000);
    expect(q.eventsB.find((e) => e.type === 'association-closed')).toMatchObject({ error: true, reason: expect.stringContaining('above our limit') });
  });

  it('reports bufferedAmount and fires bufferedamountlow when it drops to the threshold', () => {
    const p = new DcPair({ link: { delayMs: 10, bandwidthBps: 10e6 } });
    p.connect();
    const ch = p.a.createChannel(p.now, { label: 'buf' });
    p.a.setBufferedAmountLowThreshold(ch.id, 100_000);
    for (let i = 0; i < 20; i++) p.a.send(p.now, ch.id, pattern(i, 50_000));
    expect(p.a.bufferedAmount(ch.id)).toBeGreaterThan(900_000);
    p.run(() => p.eventsA.some((e) => e.type === 'bufferedamountlow'), 100_000);
    expect(p.a.bufferedAmount(ch.id)).toBeLessThanOrEqual(100_000);
    expect(p.eventsA.filter((e) => e.type === 'bufferedamountlow')).toHaveLength(1);
    p.run(() => p.messages('b').length === 20, 100_000);
    expect(p.a.bufferedAmount(ch.id)).toBe(0);
  });

  it('closes by stream reset from either side; queued messages arrive first', () => {
    const p = new DcPair();
    p.connect();
    const x = p.a.createChannel(p.now, { label: 'x' });
    const y = p.b.createChannel(p.now, { label: 'y' });
    p.run(() => p.eventsA.some((e) => e.type === 'channel') && p.eventsB.some((e) => e.type === 'channel'), 10_000);
    for (let i = 0; i < 5; i++) p.a.send(p.now, x.id, `m${i}`);
    p.a.close(p.now, x.id);
    p.b.close(p.now, y.id);
    p.run(() => p.eventsA.filter((e) => e.type === 'closed').length === 2 && p.eventsB.filter((e) => e.type === 'closed').length === 2, 100_000);
    expect(p.messages('b', x.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(p.eventsB.some((e) => e.type === 'closing' && e.id === x.id)).toBe(true);
    expect(p.a.getChannel(x.id)).toBeUndefined();
    // the id can be used again
    const again = p.a.createChannel(p.now, { label: 'again', id: x.id });
    p.run(() => p.eventsB.some((e) => e.type === 'channel' && e.channel.label === 'again'), 10_000);
    p.a.send(p.now, again.id, 'new life');
    p.run(() => p.messages('b', x.id).length === 6, 10_000);
    expect(p.messages('b', x.id).at(-1)).toBe('new life');
  });

  it('waits for the peer to reset its side; a peer that never does is given closeLingerMs', () => {
    const p = new DcPair({ a: { closeLingerMs: 1000 } });
    p.connect();
    const ch = p.a.createChannel(p.now, { label: 'x' });
    p.run(() => p.eventsB.some((e) => e.type === 'channel'), 10_000);
    // b's manager never hears of the reset, so it never resets its own side
    const assocB = p.b.association;
    const orig = assocB.pollEvent.bind(assocB);
    assocB.pollEvent = () => {
      let e = orig();
      while (e?.type === 'incoming-stream-reset') e = orig();
      return e;
    };
    let outgoingDone = false;
    const assocA = p.a.association;
    const origA = assocA.pollEvent.bind(assocA);
    assocA.pollEvent = () => {
      const e = origA();
      if (e?.type === 'outgoing-stream-reset') outgoingDone = true;
      return e;
    };
    p.a.close(p.now, ch.id);
    p.run(() => outgoingDone, 10_000);
    expect(p.a.getChannel(ch.id)?.readyState).toBe('closing');
    const t0 = p.now;
    p.b.send(p.now, ch.id, 'late but welcome'); // still delivered while closing, and restarts the wait
    p.run(() => p.eventsA.some((e) => e.type === 'closed'), 10_000);
    expect(p.messages('a', ch.id)).toEqual(['late but welcome']);
    expect(p.now).toBeGreaterThanOrEqual(t0 + 1000);
  });

  it('carries maxPacketLifeTime in DCEP (channel type 0x02 / 0x82) and drops what expires', () => {
    const p = new DcPair({ link: { delayMs: 10 } });
    p.connect();
    const timed = p.a.createChannel(p.now, { label: 'timed', ordered: false, maxPacketLifeTime: 300 });
    p.run(() => p.eventsB.some((e) => e.type === 'channel'), 10_000);
    expect(p.eventsB.find((e) => e.type === 'channel')).toMatchObject({ channel: { label: 'timed', ordered: false, maxPacketLifeTime: 300, maxRetransmits: undefined } });
    p.run(() => p.a.association.bytesInFlight === 0, 10_000);
    p.ab.down = true;
    for (let i = 0; i < 5; i++) p.a.send(p.now, timed.id, `lost ${i}`);
    p.run(() => p.now > 2000 + 500, 100_000); // longer than the lifetime, through T3 backoff
    p.ab.down = false;
    p.a.send(p.now, timed.id, 'fresh');
    p.run(() => p.messages('b', timed.id).length === 1 && p.a.association.bytesInFlight === 0, 100_000);
    expect(p.messages('b', timed.id)).toEqual(['fresh']);
  });

  it('unordered and partially reliable channels behave as configured on a lossy path', () => {
    const p = new DcPair({ link: { lossRate: 0.15, delayMs: 20, reorderRate: 0.1 }, seed: 6 });
    p.connect();
    const rel = p.a.createChannel(p.now, { label: 'reliable' });
    const unord = p.a.createChannel(p.now, { label: 'unordered', ordered: false });
    const lossy = p.a.createChannel(p.now, { label: 'lossy', ordered: false, maxRetransmits: 0 });
    p.run(() => p.eventsB.filter((e) => e.type === 'channel').length === 3, 100_000);
    // let the DATA_CHANNEL_ACKs come back: until then messages go ordered (RFC 8832 6)
    p.run(() => p.a.association.bytesInFlight === 0 && p.b.association.bytesInFlight === 0, 100_000);
    expect(p.eventsB.find((e) => e.type === 'channel' && e.channel.label === 'lossy')).toMatchObject({ channel: { ordered: false, maxRetransmits: 0 } });
    for (let i = 0; i < 200; i++) {
      p.a.send(p.now, rel.id, `r${i}`.padEnd(300, '.'));
      p.a.send(p.now, unord.id, `u${i}`.padEnd(300, '.'));
      p.a.send(p.now, lossy.id, `l${i}`.padEnd(300, '.'));
    }
    p.run(() => p.messages('b', rel.id).length === 200 && p.messages('b', unord.id).length === 200 && p.a.association.bytesInFlight === 0, 1_000_000);
    expect(p.messages('b', rel.id)).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`.padEnd(300, '.')));
    const u = p.messages('b', unord.id) as string[];
    expect([...u].sort()).toEqual(Array.from({ length: 200 }, (_, i) => `u${i}`.padEnd(300, '.')).sort());
    expect(u).not.toEqual(Array.from({ length: 200 }, (_, i) => `u${i}`.padEnd(300, '.'))); // some arrived out of order
    const l = p.messages('b', lossy.id);
    expect(l.length).toBeLessThan(200);
    expect(l.length).toBeGreaterThan(100);
  });
});
