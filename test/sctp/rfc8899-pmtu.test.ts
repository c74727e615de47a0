/**
 * Packetization-layer PMTU discovery (RFC 8899) with HEARTBEAT + PAD probes (RFC 4820):
 * the packet size rises to what the path carries and never above it.
 */
import { describe, expect, it } from 'vitest';
import { initFeatures } from '../../src/sctp/chunk-init.js';
import { DTLS_MAX_PACKET_BYTES, ParamType, UNANNOUNCED_PEER_MAX_PACKET_BYTES } from '../../src/sctp/constants.js';
import { parsePacket, serializePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

describe('RFC 8899 PMTU probing', () => {
  it('raises the packet size up to the largest the path carries', () => {
    const PATH_MTU = 4000;
    const p = new Pair({ a: { maxMtu: 9000, rtoMinMs: 200 }, ab: { delayMs: 5, dropIf: (d) => d.length > PATH_MTU }, ba: { delayMs: 5 } });
    p.connect();
    p.runFor(20_000);
    expect(p.a.mtu).toBeGreaterThan(3000);
    expect(p.a.mtu).toBeLessThanOrEqual(PATH_MTU);
    let biggest = 0;
    const q = new Pair({ a: { maxMtu: 9000, rtoMinMs: 200 }, ab: { delayMs: 5, dropIf: (d) => ((biggest = Math.max(biggest, d.length)), d.length > PATH_MTU) }, ba: { delayMs: 5 } });
    q.connect();
    q.runFor(20_000);
    biggest = 0;
    q.a.send(q.now, 0, 53, pattern(1, 100_000));
    q.run(() => messagesOf(q.eventsB).length === 1, 100_000);
    expect(sameBytes(messagesOf(q.eventsB)[0]?.data, pattern(1, 100_000))).toBe(true);
    expect(biggest).toBeGreaterThan(3000);
    expect(biggest).toBeLessThanOrEqual(PATH_MTU);
    expect(q.a.stats.dataChunksRetransmitted).toBe(0);
  });

  it('stays at 1200 bytes when the path carries nothing larger', () => {
    const p = new Pair({ a: { maxMtu: 9000 }, ab: { dropIf: (d) => d.length > 1200 } });
    p.connect();
    p.runFor(60_000);
    expect(p.a.mtu).toBe(1200);
    expect(p.a.state).toBe('established');
  });
});

/** Removes the Receive Packet Size parameter from INIT / INIT ACK, as a stack that does not send it. */
function withoutAnnouncement(d: Uint8Array): Uint8Array {
  const pkt = parsePacket(d);
  const first = pkt.chunks[0];
  if (!first || (first.type !== 'init' && first.type !== 'init-ack')) return d;
  return serializePacket({ ...pkt, chunks: [{ ...first, params: first.params.filter((x) => x.type !== ParamType.ReceivePacketSize) }] });
}

describe('PMTU probes stay within what the peer receives', () => {
  it('announces the largest packet it accepts in INIT and INIT ACK (type 0xB7C0, skipped by others per RFC 9260 3.2.1)', () => {
    const inits: number[] = [];
    const record = (d: Uint8Array): boolean => {
      const c = parsePacket(d).chunks[0];
      if (c && (c.type === 'init' || c.type === 'init-ack')) inits.push(initFeatures(c).maxPacketBytes);
      return false;
    };
    const p = new Pair({ a: { maxMtu: 16_384 }, b: { maxMtu: 16_384, maxReceivePacketBytes: 3000 }, ab: { dropIf: record }, ba: { dropIf: record } });
    p.connect();
    expect(inits).toEqual([DTLS_MAX_PACKET_BYTES, 3000]);
    expect(ParamType.ReceivePacketSize >> 14).toBe(0b10);
    expect(p.a.peerMaxPacketBytes).toBe(3000);
    expect(p.b.peerMaxPacketBytes).toBe(DTLS_MAX_PACKET_BYTES);
  });

  it('by default probes up to the DTLS record limit when the peer announced it', () => {
    let biggest = 0;
    const p = new Pair({ a: { maxMtu: undefined }, b: { maxMtu: undefined }, ab: { delayMs: 1, dropIf: (d) => ((biggest = Math.max(biggest, d.length)), false) }, ba: { delayMs: 1 } });
    p.connect();
    p.run(() => !p.a.probing && !p.b.probing, 10_000);
    expect(p.a.mtu).toBeGreaterThan(DTLS_MAX_PACKET_BYTES - 64);
    expect(p.a.mtu).toBeLessThanOrEqual(DTLS_MAX_PACKET_BYTES);
    p.a.send(p.now, 0, 53, pattern(3, 200_000));
    p.run(() => messagesOf(p.eventsB).length === 1, 100_000);
    expect(sameBytes(messagesOf(p.eventsB)[0]?.data, pattern(3, 200_000))).toBe(true);
    expect(biggest).toBeLessThanOrEqual(DTLS_MAX_PACKET_BYTES);
    expect(biggest).toBeGreaterThan(DTLS_MAX_PACKET_BYTES - 64);
  });

  it('a small exchange, then probing raises the packet size: the first burst is not one packet waiting on a delayed SACK (RFC 9260 7.2.1, 6.2)', () => {
    // A data channel opens (DCEP: tiny DATA) at 1200 bytes; probing then finds ~16 KB. The
    // cwnd set for 1200-byte packets (4404) would let one 16 KB packet out and the peer
    // would hold its SACK up to 200 ms (6.2); the initial window is sized in PMDCS, so it
    // grows with the probed size while no loss was seen.
    const p = new Pair({ a: { maxMtu: undefined }, b: { maxMtu: undefined }, ab: { delayMs: 1 }, ba: { delayMs: 1 } });
    p.connect();
    p.a.send(p.now, 0, 53, pattern(1, 20));
    p.run(() => messagesOf(p.eventsB).length === 1 && !p.a.probing && !p.b.probing, 10_000);
    expect(p.a.mtu).toBeGreaterThan(DTLS_MAX_PACKET_BYTES - 64);
    expect(p.a.congestionWindow).toBeGreaterThanOrEqual(2 * p.a.mtu);
    const start = p.now;
    p.a.send(p.now, 0, 53, pattern(2, 65_536));
    p.run(() => messagesOf(p.eventsB).length === 2, 10_000);
    // A few 1 ms link delays, not the 200 ms delayed-SACK wait.
    expect(p.now - start).toBeLessThan(50);
  });

  it('never sends a packet above the announced size, probes included', () => {
    let biggest = 0;
    const p = new Pair({ a: { maxMtu: 16_384 }, b: { maxReceivePacketBytes: 3000 }, ab: { delayMs: 1, dropIf: (d) => ((biggest = Math.max(biggest, d.length)), false) }, ba: { delayMs: 1 } });
    p.connect();
    p.run(() => !p.a.probing, 10_000);
    p.a.send(p.now, 0, 53, pattern(4, 100_000));
    p.run(() => messagesOf(p.eventsB).length === 1, 100_000);
    expect(p.a.mtu).toBeGreaterThan(3000 - 64);
    expect(biggest).toBeLessThanOrEqual(3000);
  });

  it('towards a peer that announced nothing, never exceeds UNANNOUNCED_PEER_MAX_PACKET_BYTES (libwebrtc fails its DTLS transport above it)', () => {
    // The link stands in for libwebrtc: a DTLS plaintext over 2048 bytes is fatal there.
    let fatal = false;
    let biggest = 0;
    let padChunks = 0;
    const p = new Pair({
      a: { maxMtu: 16_384 },
      ab: { delayMs: 1, dropIf: (d) => ((biggest = Math.max(biggest, d.length)), (padChunks += chunkTypes(d).filter((t) => t === 0x84).length), (fatal ||= d.length > UNANNOUNCED_PEER_MAX_PACKET_BYTES), fatal) },
      ba: { delayMs: 1 },
    });
    const send = p.ba.send.bind(p.ba);
    p.ba.send = (now, d) => send(now, withoutAnnouncement(d));
    p.connect();
    p.run(() => !p.a.probing, 10_000);
    expect(p.a.peerMaxPacketBytes).toBe(0);
    expect(p.a.mtu).toBeGreaterThan(1200);
    p.a.send(p.now, 0, 53, pattern(5, 100_000));
    p.run(() => messagesOf(p.eventsB).length === 1, 100_000);
    expect(fatal).toBe(false);
    expect(biggest).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    expect(biggest).toBeGreaterThan(1200);
    // RFC 9260 8.3: the padding rides in the Heartbeat Info every SCTP echoes; a PAD chunk
    // (RFC 4820) goes only to peers that announced their receive size (werift 0.25 rejects
    // whole packets carrying chunk types it does not know).
    expect(padChunks).toBe(0);
  });
});

/** The chunk types of one SCTP packet (RFC 9260 3.2). */
function chunkTypes(d: Uint8Array): number[] {
  const out: number[] = [];
  for (let pos = 12; pos + 4 <= d.length; ) {
    const len = ((d[pos + 2] as number) << 8) | (d[pos + 3] as number);
    out.push(d[pos] as number);
    if (len < 4) break;
    pos += (len + 3) & ~3;
  }
  return out;
}

describe('setMaxMtu: the probing ceiling per path', () => {
  it('lowering it takes effect at once; chunks already cut larger are retransmitted alone', () => {
    let dropNextBig = false;
    const sizes: number[] = [];
    const p = new Pair({
      a: { maxMtu: 16_384 },
      ab: { delayMs: 5, dropIf: (d) => (sizes.push(d.length), dropNextBig && d.length > 1200 ? ((dropNextBig = false), true) : false) },
      ba: { delayMs: 5 },
    });
    p.connect();
    p.run(() => !p.a.probing, 10_000);
    expect(p.a.mtu).toBeGreaterThan(16_000);
    dropNextBig = true;
    p.a.send(p.now, 0, 53, pattern(1, 40_000));
    for (let d = p.a.pollTransmit(); d; d = p.a.pollTransmit()) p.ab.send(p.now, d);
    p.a.setMaxMtu(p.now, 1200);
    expect(p.a.mtu).toBe(1200);
    expect(p.a.probing).toBe(false);
    sizes.length = 0;
    p.a.send(p.now, 0, 53, pattern(2, 40_000));
    p.run(() => messagesOf(p.eventsB).length === 2, 100_000);
    expect(sameBytes(messagesOf(p.eventsB)[0]?.data, pattern(1, 40_000))).toBe(true);
    expect(sameBytes(messagesOf(p.eventsB)[1]?.data, pattern(2, 40_000))).toBe(true);
    expect(p.a.stats.dataChunksRetransmitted).toBeGreaterThan(0);
    // Only the retransmission of the chunk cut before the change exceeds 1200 bytes, alone in its packet.
    expect(sizes.filter((n) => n > 1200)).toHaveLength(1);
  });

  it('raising it starts a new search up to what the peer accepts', () => {
    const p = new Pair({ a: { maxMtu: 1200 } });
    p.connect();
    p.runFor(5000);
    expect(p.a.mtu).toBe(1200);
    p.a.setMaxMtu(p.now, 9000);
    expect(p.a.probing).toBe(true);
    p.run(() => !p.a.probing, 10_000);
    expect(p.a.mtu).toBeGreaterThan(9000 - 64);
    expect(p.a.mtu).toBeLessThanOrEqual(9000);
  });
});

describe('probing under loss', () => {
  it('with probing on (the default) every byte still arrives in order under 5% loss, reordering and duplication', () => {
    for (const seed of [1, 2, 3]) {
      const link = { delayMs: 10, jitterMs: 5, lossRate: 0.05, reorderRate: 0.05, duplicateRate: 0.02 };
      const p = new Pair({ seed, a: { maxMtu: undefined, rtoMinMs: 200 }, b: { maxMtu: undefined, rtoMinMs: 200 }, ab: link, ba: link });
      p.connect();
      for (let i = 0; i < 30; i++) p.a.send(p.now, i % 3, 53, pattern(i, 1000 + i * 3000));
      p.run(() => messagesOf(p.eventsB).length === 30, 1_000_000);
      const got = messagesOf(p.eventsB);
      for (let s = 0; s < 3; s++) {
        const mine = got.filter((m) => m.streamId === s);
        expect(mine.every((m, k) => sameBytes(m.data, pattern(s + 3 * k, 1000 + (s + 3 * k) * 3000)))).toBe(true);
      }
      expect(p.a.mtu).toBeLessThanOrEqual(16_384);
      expect(p.a.state).toBe('established');
    }
  });
});
