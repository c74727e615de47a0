/**
 * Cross-validation against werift's independent SCTP (node_modules/werift/lib/sctp):
 * association setup in both roles and messages of 1 B to 256 KiB each way, over an
 * in-memory transport. werift runs on real timers, so this file uses a real-clock driver.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import type { SctpAssociationOptions, SctpEvent } from '../../src/sctp/association.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import { UNANNOUNCED_PEER_MAX_PACKET_BYTES } from '../../src/sctp/constants.js';
import { pattern, sameBytes } from './helpers.js';
import { RealTimeDriver } from './realtime.js';

const require = createRequire(import.meta.url);
const { SCTP } = require(path.resolve('node_modules/werift/lib/sctp/src/sctp.js')) as {
  SCTP: {
    client(t: WeriftTransport, port?: number): WeriftSctp;
    server(t: WeriftTransport, port?: number): WeriftSctp;
  };
};

interface WeriftTransport {
  onData: ((buf: Buffer) => void) | undefined;
  send(buf: Buffer): Promise<void>;
}
interface WeriftSctp {
  state: string;
  start(remotePort?: number): Promise<void>;
  stop(): Promise<void>;
  send(streamId: number, ppId: number, data: Buffer, opts?: { ordered?: boolean; maxRetransmits?: number }): Promise<void>;
  onReceive: { subscribe(fn: (streamId: number, ppId: number, data: Buffer) => void): void };
  stateChanged: { connected: { subscribe(fn: () => void): void } };
  remotePartialReliability: boolean;
}

const SIZES = [1, 2, 3, 100, 1000, 1160, 1171, 1172, 1173, 1200, 4096, 16_384, 65_535, 65_536, 100_000, 262_144];

/**
 * Once `lossy` is on, drops every `every`th DATA-carrying packet in each direction, and
 * from werift also every retransmission of a dropped TSN (werift ignores
 * maxRetransmits 0, so its side uses 1 and needs its retransmission to be lost too).
 */
const loss = { lossy: false, every: 5, countW: 0, countO: 0, droppedW: new Set<number>() };

function firstTsn(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(16);
}

function carriesData(b: Uint8Array): boolean {
  return b.length > 16 && b[12] === 0; // first chunk type DATA
}

function setup(ourRole: 'client' | 'server', ourOptions: SctpAssociationOptions = {}) {
  const weriftTransport: WeriftTransport = {
    onData: undefined,
    send: async (buf) => {
      const copy = new Uint8Array(buf);
      if (loss.lossy && carriesData(copy)) {
        const tsn = firstTsn(copy);
        if (loss.droppedW.has(tsn)) return;
        if (++loss.countW % loss.every === 0) {
          loss.droppedW.add(tsn);
          return;
        }
      }
      setImmediate(() => driver.input(copy));
    },
  };
  const ours = new SctpAssociation({ rng: seededRandom(42), ...ourOptions });
  const ourEvents: SctpEvent[] = [];
  const waiters: (() => void)[] = [];
  const driver = new RealTimeDriver(
    ours,
    (pkt) => {
      if (loss.lossy && carriesData(pkt) && ++loss.countO % loss.every === 0) return;
      setImmediate(() => weriftTransport.onData?.(Buffer.from(pkt)));
    },
    (e) => {
      ourEvents.push(e);
      for (const w of waiters.splice(0)) w();
    },
  );
  const werift = ourRole === 'client' ? SCTP.server(weriftTransport, 5000) : SCTP.client(weriftTransport, 5000);
  const weriftGot: { streamId: number; ppid: number; data: Uint8Array }[] = [];
  werift.onReceive.subscribe((streamId, ppid, data) => {
    weriftGot.push({ streamId, ppid, data: new Uint8Array(data) });
    for (const w of waiters.splice(0)) w();
  });
  const until = (cond: () => boolean, what: string, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      const poll = setInterval(() => check(), 5);
      const check = () => {
        if (cond()) {
          clearTimeout(t);
          clearInterval(poll);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return { ours, ourEvents, driver, werift, weriftGot, until };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  loss.lossy = false;
  loss.countW = 0;
  loss.countO = 0;
  loss.droppedW.clear();
  await cleanup?.();
  cleanup = undefined;
});

describe('werift interop: partial reliability (RFC 3758) on a lossy path', () => {
  it('abandons with maxRetransmits 0 both ways; FORWARD TSNs keep both sides moving', async () => {
    const s = setup('client');
    cleanup = async () => {
      s.driver.stop();
      await s.werift.stop().catch(() => undefined);
    };
    await s.werift.start(5000);
    s.ours.connect(s.driver.now());
    s.driver.pump();
    await s.until(() => s.ours.state === 'established' && s.werift.state === 'connected', 'connection');
    expect(s.werift.remotePartialReliability).toBe(true);
    loss.lossy = true;
    // purertc -> werift
    for (let i = 0; i < 60; i++) s.ours.send(s.driver.now(), 1, 53, pattern(i, 1000), { ordered: false, maxRetransmits: 0 });
    s.ours.send(s.driver.now(), 2, 51, pattern(500, 10));
    s.driver.pump();
    await s.until(() => s.weriftGot.some((m) => m.streamId === 2) && s.ours.bytesInFlight === 0 && s.ours.totalBufferedAmount === 0, 'everything sent and acknowledged');
    const lossyGot = s.weriftGot.filter((m) => m.streamId === 1);
    expect(lossyGot.length).toBeLessThan(60);
    expect(lossyGot.length).toBeGreaterThan(30);
    expect(s.ours.stats.forwardTsnsSent).toBeGreaterThan(0);
    // werift -> purertc
    for (let i = 0; i < 60; i++) void s.werift.send(3, 53, Buffer.from(pattern(1000 + i, 1000)), { ordered: false, maxRetransmits: 1 });
    void s.werift.send(4, 51, Buffer.from(pattern(2000, 10)));
    await s.until(() => s.ourEvents.some((e) => e.type === 'message' && e.streamId === 4), 'reliable message from werift');
    const ours = s.ourEvents.filter((e) => e.type === 'message' && e.streamId === 3);
    expect(ours.length).toBeLessThan(60);
    expect(ours.length).toBeGreaterThan(30);
    await s.until(() => s.ours.receiveHeldChunks === 0, 'receive buffers to drain');
    expect(s.ours.state).toBe('established');
  }, 30_000);
});

/** Connects the two associations (purertc initiates as client, werift as server) and arms the cleanup. */
async function connect(s: ReturnType<typeof setup>, role: 'client' | 'server'): Promise<void> {
  cleanup = async () => {
    s.driver.stop();
    await s.werift.stop().catch(() => undefined);
  };
  if (role === 'client') {
    await s.werift.start(5000);
    s.ours.connect(s.driver.now());
    s.driver.pump();
  } else {
    s.driver.pump();
    await s.werift.start(5000);
  }
  await s.until(() => s.ours.state === 'established' && s.werift.state === 'connected', 'connection');
}

describe('werift interop: zero checksum (RFC 9653) offered to a peer that does not offer it', () => {
  for (const role of ['client', 'server'] as const) {
    it(`purertc as ${role} keeps the CRC32c, which werift verifies, both ways`, async () => {
      const s = setup(role, { zeroChecksum: true });
      await connect(s, role);
      // werift announces no alternate error detection method (RFC 9653 5.2): checksums stay.
      expect(s.ours.usesZeroChecksum).toBe(false);
      // werift drops a packet whose CRC32c does not verify: delivery shows ours carry it.
      for (const n of [1, 1000, 5000, 70_000]) s.ours.send(s.driver.now(), 1, 53, pattern(n, n));
      s.driver.pump();
      await s.until(() => s.weriftGot.length === 4, 'werift to receive');
      expect(s.weriftGot.map((m) => m.data.length)).toEqual([1, 1000, 5000, 70_000]);
      expect(sameBytes(s.weriftGot[3]?.data, pattern(70_000, 70_000))).toBe(true);
      for (const n of [2, 3000]) void s.werift.send(2, 51, Buffer.from(pattern(n, n)));
      await s.until(() => s.ourEvents.filter((e) => e.type === 'message').length === 2, 'purertc to receive');
      expect(s.ours.stats.packetsDropped).toBe(0);
    }, 30_000);
  }
});

for (const role of ['client', 'server'] as const) {
  describe(`werift interop, purertc as ${role}`, () => {
    it('connects and moves 1 B..256 KiB messages both ways, in order', async () => {
      const s = setup(role);
      await connect(s, role);
      expect(s.ours.peerSupportsForwardTsn).toBe(true);
      expect(s.ours.peerSupportsReconfig).toBe(true);
      // RFC 8899 with the padding inside the Heartbeat Info (werift echoes it; it would
      // reject a PAD chunk): the packet size rises to what an unannounced peer may take.
      await s.until(() => !s.ours.probing, 'PMTU probing to finish');
      expect(s.ours.peerMaxPacketBytes).toBe(0);
      expect(s.ours.mtu).toBe(UNANNOUNCED_PEER_MAX_PACKET_BYTES);

      // purertc -> werift
      SIZES.forEach((n, i) => s.ours.send(s.driver.now(), 1, 53, pattern(i, n)));
      s.ours.send(s.driver.now(), 1, 57, new Uint8Array([0])); // an empty binary message, RFC 8831 6.6
      s.driver.pump();
      await s.until(() => s.weriftGot.length === SIZES.length + 1, 'werift to receive');
      SIZES.forEach((n, i) => {
        expect(s.weriftGot[i]?.streamId).toBe(1);
        expect(s.weriftGot[i]?.ppid).toBe(53);
        expect(sameBytes(s.weriftGot[i]?.data, pattern(i, n))).toBe(true);
      });
      expect(s.weriftGot[SIZES.length]).toMatchObject({ ppid: 57 });

      // werift -> purertc
      for (const [i, n] of SIZES.entries()) void s.werift.send(2, 51, Buffer.from(pattern(100 + i, n)));
      await s.until(() => s.ourEvents.filter((e) => e.type === 'message').length === SIZES.length, 'purertc to receive');
      const got = s.ourEvents.filter((e): e is Extract<SctpEvent, { type: 'message' }> => e.type === 'message');
      SIZES.forEach((n, i) => {
        expect(got[i]?.streamId).toBe(2);
        expect(got[i]?.ppid).toBe(51);
        expect(sameBytes(got[i]?.data, pattern(100 + i, n))).toBe(true);
      });

      // unordered both ways
      s.ours.send(s.driver.now(), 3, 53, pattern(7, 3000), { ordered: false });
      s.driver.pump();
      void s.werift.send(4, 53, Buffer.from(pattern(8, 3000)), { ordered: false });
      await s.until(() => s.weriftGot.length === SIZES.length + 2 && s.ourEvents.filter((e) => e.type === 'message').length === SIZES.length + 1, 'unordered messages');
      expect(s.weriftGot.at(-1)?.data).toEqual(pattern(7, 3000));
      const last = s.ourEvents.filter((e): e is Extract<SctpEvent, { type: 'message' }> => e.type === 'message').at(-1);
      expect(last).toMatchObject({ streamId: 4, unordered: true });
      expect(last?.data).toEqual(pattern(8, 3000));
    }, 30_000);
  });
}
