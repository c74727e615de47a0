/**
 * The sans-IO rooms core (src/signaling/rooms.ts) on a virtual clock: membership, relay
 * to one and to all, limits, rate limiting, heartbeat, malformed input (fast-check:
 * random JSON and random bytes always get an error reply, never a throw), and
 * disconnects that notify the room. Relayed payloads are Chrome's own SDP and
 * candidates (vectors/chromium-156), which must arrive unchanged.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { SignalingRooms, CLOSE_GOING_AWAY, DEFAULT_SIGNALING_LIMITS, MAX_DATA_DEPTH, resolveLimits } from '../../src/signaling/index.js';
import type { ServerMessage, SignalingEvent, SignalingLimits, SignalingTransmit } from '../../src/signaling/index.js';

const CHROME_OFFER = readFileSync(new URL('../../vectors/chromium-156/offer-audio-video-datachannel.sdp', import.meta.url), 'utf8');
const CHROME_CANDIDATES = readFileSync(new URL('../../vectors/chromium-156/gathered-datachannel.sdp', import.meta.url), 'utf8')
  .split(/\r?\n/)
  .filter((l) => l.startsWith('a=candidate:'))
  .map((l) => l.slice(2));

/** A core plus helpers that drain it after each call. */
function harness(limits: Partial<SignalingLimits> = {}, seed = 1) {
  const core = new SignalingRooms({ limits, random: seededRandom(seed) });
  let now = 0;
  const out: SignalingTransmit[] = [];
  const events: SignalingEvent[] = [];
  const drain = (): void => {
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) out.push(t);
    for (let e = core.pollEvent(); e; e = core.pollEvent()) events.push(e);
  };
  const connect = (): string => {
    const id = core.handleConnect(now);
    drain();
    if (id === undefined) throw new Error('server full');
    return id;
  };
  const send = (id: string, msg: unknown): void => {
    core.handleMessage(now, id, typeof msg === 'string' || msg instanceof Uint8Array ? msg : JSON.stringify(msg));
    drain();
  };
  /** Messages sent to `id` since the last call, in order. */
  const inbox = (id: string): ServerMessage[] => {
    const mine = out.filter((t) => t.to === id);
    for (const t of mine) out.splice(out.indexOf(t), 1);
    for (const t of mine) expect(JSON.parse(t.data)).toEqual(t.message);
    return mine.map((t) => t.message);
  };
  const join = (room: string, name?: string): string => {
    const id = connect();
    inbox(id);
    send(id, name === undefined ? { type: 'join', room } : { type: 'join', room, name });
    expect(inbox(id)[0]?.type).toBe('joined');
    return id;
  };
  return {
    core,
    out,
    events,
    drain,
    connect,
    send,
    inbox,
    join,
    advance(ms: number) {
      now += ms;
    },
    get now() {
      return now;
    },
    timeout() {
      core.handleTimeout(now);
      drain();
    },
  };
}

describe('rooms: membership', () => {
  it('welcomes each connection with a fresh id', () => {
    const h = harness();
    const a = h.connect();
    const b = h.connect();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(h.inbox(a)).toEqual([{ type: 'welcome', id: a }]);
    expect(h.inbox(b)).toEqual([{ type: 'welcome', id: b }]);
  });

  it('joined lists the peers already there; they hear peer-joined', () => {
    const h = harness();
    const a = h.join('r1', 'alice');
    const b = h.connect();
    h.inbox(b);
    h.send(b, { type: 'join', room: 'r1', name: 'bob' });
    expect(h.inbox(b)).toEqual([{ type: 'joined', room: 'r1', id: b, peers: [{ id: a, name: 'alice' }] }]);
    expect(h.inbox(a)).toEqual([{ type: 'peer-joined', id: b, name: 'bob' }]);
    const c = h.connect();
    h.inbox(c);
    h.send(c, { type: 'join', room: 'r1' });
    expect(h.inbox(c)).toEqual([{ type: 'joined', room: 'r1', id: c, peers: [{ id: a, name: 'alice' }, { id: b, name: 'bob' }] }]);
    expect(h.inbox(a)).toEqual([{ type: 'peer-joined', id: c }]);
    expect(h.inbox(b)).toEqual([{ type: 'peer-joined', id: c }]);
    expect(h.core.roomMembers('r1').map((p) => p.id)).toEqual([a, b, c]);
    expect(h.events.filter((e) => e.type === 'join')).toHaveLength(3);
  });

  it('rooms are separate', () => {
    const h = harness();
    const a = h.join('r1');
    const b = h.join('r2');
    expect(h.inbox(a)).toEqual([]);
    h.send(a, { type: 'message', data: 'x' });
    expect(h.inbox(b)).toEqual([]);
    expect(h.core.stats.rooms).toBe(2);
  });

  it('leave notifies the room, confirms, and the empty room goes away', () => {
    const h = harness();
    const a = h.join('r1');
    const b = h.join('r1');
    h.inbox(a);
    h.send(b, { type: 'leave' });
    expect(h.inbox(b)).toEqual([{ type: 'left', room: 'r1' }]);
    expect(h.inbox(a)).toEqual([{ type: 'peer-left', id: b }]);
    h.send(b, { type: 'leave' });
    expect(h.inbox(b)).toMatchObject([{ type: 'error', code: 'not-in-room' }]);
    h.send(a, { type: 'leave' });
    expect(h.core.stats.rooms).toBe(0);
    // b may join another room after leaving.
    h.send(b, { type: 'join', room: 'r2' });
    expect(h.inbox(b)).toMatchObject([{ type: 'joined', room: 'r2', peers: [] }]);
  });

  it('a second join without leaving is refused', () => {
    const h = harness();
    const a = h.join('r1');
    h.send(a, { type: 'join', room: 'r2' });
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'already-joined' }]);
    expect(h.core.roomOf(a)).toBe('r1');
  });

  it('a disconnect tells the room peer-left; unknown ids are ignored', () => {
    const h = harness();
    const a = h.join('r1');
    const b = h.join('r1');
    const c = h.join('r1');
    h.inbox(a);
    h.inbox(b);
    h.core.handleDisconnect(h.now, b);
    h.drain();
    expect(h.inbox(a)).toEqual([{ type: 'peer-left', id: b }]);
    expect(h.inbox(c)).toEqual([{ type: 'peer-left', id: b }]);
    expect(h.core.roomMembers('r1').map((p) => p.id)).toEqual([a, c]);
    expect(h.core.stats.connections).toBe(2);
    h.core.handleDisconnect(h.now, b);
    h.core.handleMessage(h.now, b, '{"type":"leave"}');
    h.core.handlePong(h.now, 'nobody');
    h.drain();
    expect(h.out).toEqual([]);
  });
});

describe('rooms: relay', () => {
  it("relays Chrome's offer to one peer byte-exact, with from", () => {
    const h = harness();
    const a = h.join('r');
    const b = h.join('r');
    const c = h.join('r');
    h.inbox(a);
    h.inbox(b);
    h.send(a, { type: 'offer', to: c, sdp: CHROME_OFFER });
    expect(h.inbox(c)).toEqual([{ type: 'offer', from: a, sdp: CHROME_OFFER }]);
    expect(h.inbox(b)).toEqual([]);
    h.send(c, { type: 'answer', to: a, sdp: 'v=0\r\n' });
    expect(h.inbox(a)).toEqual([{ type: 'answer', from: c, sdp: 'v=0\r\n' }]);
  });

  it("relays Chrome's candidates and the null end-of-candidates to all others", () => {
    const h = harness();
    const a = h.join('r');
    const b = h.join('r');
    const c = h.join('r');
    h.inbox(a);
    h.inbox(b);
    expect(CHROME_CANDIDATES.length).toBeGreaterThan(0);
    for (const candidate of CHROME_CANDIDATES) {
      h.send(a, { type: 'candidate', candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'hVvL' } });
    }
    h.send(a, { type: 'candidate', candidate: null });
    for (const peer of [b, c]) {
      const got = h.inbox(peer);
      expect(got).toEqual([
        ...CHROME_CANDIDATES.map((candidate) => ({
          type: 'candidate',
          from: a,
          candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'hVvL' },
        })),
        { type: 'candidate', from: a, candidate: null },
      ]);
    }
    expect(h.inbox(a)).toEqual([]);
  });

  it('relays bye and message, drops unknown fields, never echoes to the sender', () => {
    const h = harness();
    const a = h.join('r');
    const b = h.join('r');
    h.inbox(a);
    h.send(a, { type: 'message', data: { n: [1, 2, { deep: true }] }, extra: 'dropped', from: 'forged' });
    expect(h.inbox(b)).toEqual([{ type: 'message', from: a, data: { n: [1, 2, { deep: true }] } }]);
    h.send(b, { type: 'bye', to: a });
    expect(h.inbox(a)).toEqual([{ type: 'bye', from: b }]);
    expect(h.inbox(b)).toEqual([]);
    expect(h.core.stats.relayed).toBe(2);
  });

  it('to a peer of another room, to oneself, or before join: an error', () => {
    const h = harness();
    const a = h.join('r1');
    const b = h.join('r2');
    h.send(a, { type: 'offer', to: b, sdp: 'v=0' });
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'unknown-peer' }]);
    expect(h.inbox(b)).toEqual([]);
    h.send(a, { type: 'bye', to: a });
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'unknown-peer' }]);
    const c = h.connect();
    h.inbox(c);
    h.send(c, { type: 'message', data: 1 });
    expect(h.inbox(c)).toMatchObject([{ type: 'error', code: 'not-in-room' }]);
  });
});

describe('rooms: limits', () => {
  it('checks the limits it is given', () => {
    expect(resolveLimits()).toEqual(DEFAULT_SIGNALING_LIMITS);
    expect(() => resolveLimits({ maxRooms: 0 })).toThrow(RangeError);
    expect(() => resolveLimits({ messagesPerSecond: -1 })).toThrow(RangeError);
    expect(() => resolveLimits({ maxMessageBytes: Number.NaN })).toThrow(RangeError);
    expect(resolveLimits({ messagesPerSecond: 0 }).messagesPerSecond).toBe(0);
  });

  it('too-large messages get an error and the connection carries on', () => {
    const h = harness({ maxMessageBytes: 100 });
    const a = h.join('r');
    const b = h.join('r');
    h.inbox(a);
    const big = { type: 'message', data: 'x'.repeat(100) };
    h.send(a, big);
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'too-large' }]);
    expect(h.inbox(b)).toEqual([]);
    // Size is counted in UTF-8 bytes: 30 euro signs are 30 UTF-16 units but 90 bytes,
    // 125 with the envelope.
    h.send(a, { type: 'message', data: '€'.repeat(30) });
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'too-large' }]);
    h.send(a, { type: 'message', data: 'small' });
    expect(h.inbox(b)).toEqual([{ type: 'message', from: a, data: 'small' }]);
  });

  it('peers per room', () => {
    const h = harness({ maxPeersPerRoom: 2 });
    h.join('r');
    h.join('r');
    const c = h.connect();
    h.inbox(c);
    h.send(c, { type: 'join', room: 'r' });
    expect(h.inbox(c)).toMatchObject([{ type: 'error', code: 'room-full' }]);
    expect(h.core.roomMembers('r')).toHaveLength(2);
    h.send(c, { type: 'join', room: 'other' });
    expect(h.inbox(c)).toMatchObject([{ type: 'joined', room: 'other' }]);
  });

  it('rooms', () => {
    const h = harness({ maxRooms: 2 });
    h.join('r1');
    const b = h.join('r2');
    const c = h.connect();
    h.inbox(c);
    h.send(c, { type: 'join', room: 'r3' });
    expect(h.inbox(c)).toMatchObject([{ type: 'error', code: 'too-many-rooms' }]);
    h.send(c, { type: 'join', room: 'r2' });
    expect(h.inbox(c)).toMatchObject([{ type: 'joined', room: 'r2' }]);
    h.core.handleDisconnect(h.now, b);
    h.core.handleDisconnect(h.now, c);
    h.drain();
    const d = h.connect();
    h.inbox(d);
    h.send(d, { type: 'join', room: 'r3' });
    expect(h.inbox(d)).toMatchObject([{ type: 'joined', room: 'r3' }]);
  });

  it('connections', () => {
    const h = harness({ maxConnections: 2 });
    h.connect();
    const b = h.connect();
    expect(h.core.handleConnect(h.now)).toBeUndefined();
    h.core.handleDisconnect(h.now, b);
    expect(h.core.handleConnect(h.now)).toBeDefined();
  });

  it('rate: a token bucket on the virtual clock, one error per run of refusals', () => {
    const h = harness({ messagesPerSecond: 10, messageBurst: 5 });
    const a = h.join('r'); // the join took one token
    const b = h.join('r');
    h.inbox(a);
    for (let i = 0; i < 10; i++) h.send(a, { type: 'message', data: i });
    // Four tokens were left: messages 0..3 pass, 4..9 are dropped with one error.
    expect(h.inbox(b).map((m) => (m.type === 'message' ? m.data : m.type))).toEqual([0, 1, 2, 3]);
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'rate-limited' }]);
    expect(h.core.stats.rateLimited).toBe(6);
    // 10 per second: after 300 ms three more pass.
    h.advance(300);
    for (let i = 10; i < 15; i++) h.send(a, { type: 'message', data: i });
    expect(h.inbox(b).map((m) => (m.type === 'message' ? m.data : m.type))).toEqual([10, 11, 12]);
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'rate-limited' }]);
    // A long pause refills to the burst, not beyond.
    h.advance(60_000);
    for (let i = 0; i < 6; i++) h.send(a, { type: 'message', data: i });
    expect(h.inbox(b)).toHaveLength(5);
    // Other connections have their own bucket.
    h.send(b, { type: 'message', data: 'b' });
    expect(h.inbox(a).filter((m) => m.type === 'message')).toEqual([{ type: 'message', from: b, data: 'b' }]);
  });

  it('rate 0 means no limit', () => {
    const h = harness({ messagesPerSecond: 0, messageBurst: 1 });
    const a = h.join('r');
    const b = h.join('r');
    for (let i = 0; i < 500; i++) h.send(a, { type: 'message', data: i });
    expect(h.inbox(b)).toHaveLength(500);
  });
});

describe('rooms: heartbeat', () => {
  it('pings each period and drops a connection that did not pong', () => {
    const h = harness({ heartbeatIntervalMs: 1000 });
    expect(h.core.pollTimeout()).toBeUndefined();
    const a = h.join('r');
    const b = h.join('r');
    h.inbox(a);
    expect(h.core.pollTimeout()).toBe(1000);
    h.timeout(); // too early: nothing
    expect(h.events.filter((e) => e.type === 'ping')).toEqual([]);
    h.advance(1000);
    h.timeout();
    expect(h.events.filter((e) => e.type === 'ping').map((e) => e.id)).toEqual([a, b]);
    expect(h.core.pollTimeout()).toBe(2000);
    h.core.handlePong(h.now, a);
    h.advance(1000);
    h.timeout();
    const closes = h.events.filter((e) => e.type === 'close');
    expect(closes).toEqual([{ type: 'close', id: b, code: CLOSE_GOING_AWAY, reason: 'heartbeat timeout', terminate: true }]);
    expect(h.inbox(a)).toEqual([{ type: 'peer-left', id: b }]);
    expect(h.core.stats.connections).toBe(1);
    // a keeps answering and stays for hours of virtual time.
    for (let i = 0; i < 10_000; i++) {
      h.core.handlePong(h.now, a);
      const at = h.core.pollTimeout();
      if (at === undefined) throw new Error('no deadline');
      h.advance(at - h.now);
      h.timeout();
    }
    expect(h.core.stats.connections).toBe(1);
    h.advance(1000);
    h.timeout();
    h.advance(1000);
    h.timeout();
    expect(h.core.stats.connections).toBe(0);
    expect(h.core.pollTimeout()).toBeUndefined();
  });

  it('heartbeat 0 sets no deadline', () => {
    const h = harness({ heartbeatIntervalMs: 0 });
    h.connect();
    expect(h.core.pollTimeout()).toBeUndefined();
  });
});

describe('rooms: malformed input', () => {
  const cases: [string, unknown, string][] = [
    ['not JSON', '{"type":', 'bad-json'],
    ['a JSON array', [], 'bad-message'],
    ['a JSON string', 'join', 'bad-message'],
    ['null', null, 'bad-message'],
    ['no type', { room: 'r' }, 'bad-message'],
    ['unknown type', { type: 'shout' }, 'bad-message'],
    ['type not a string', { type: 7 }, 'bad-message'],
    ['join without room', { type: 'join' }, 'bad-message'],
    ['join with empty room', { type: 'join', room: '' }, 'bad-message'],
    ['join with a long room', { type: 'join', room: 'r'.repeat(129) }, 'bad-message'],
    ['join with a control char', { type: 'join', room: 'a\nb' }, 'bad-message'],
    ['join with a numeric name', { type: 'join', room: 'r', name: 5 }, 'bad-message'],
    ['offer without sdp', { type: 'offer' }, 'bad-message'],
    ['offer with numeric to', { type: 'offer', sdp: 'v=0', to: 1 }, 'bad-message'],
    ['candidate missing', { type: 'candidate' }, 'bad-message'],
    ['candidate a string', { type: 'candidate', candidate: 'candidate:1 1 udp' }, 'bad-message'],
    ['candidate bad index', { type: 'candidate', candidate: { candidate: '', sdpMLineIndex: -1 } }, 'bad-message'],
    ['candidate bad mid', { type: 'candidate', candidate: { candidate: '', sdpMid: 0 } }, 'bad-message'],
    ['message without data', { type: 'message' }, 'bad-message'],
  ];
  for (const [what, msg, code] of cases) {
    it(`${what}: ${code}`, () => {
      const h = harness();
      const a = h.connect();
      h.inbox(a);
      h.send(a, typeof msg === 'string' && what === 'not JSON' ? msg : JSON.stringify(msg));
      expect(h.inbox(a)).toMatchObject([{ type: 'error', code }]);
    });
  }

  it('invalid UTF-8 bytes: bad-json', () => {
    const h = harness();
    const a = h.connect();
    h.inbox(a);
    h.send(a, new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'bad-json' }]);
  });

  it(`message data nested deeper than ${MAX_DATA_DEPTH} is refused, not stringified`, () => {
    const h = harness({ maxMessageBytes: 10_000_000, messagesPerSecond: 0 });
    const a = h.join('r');
    const b = h.join('r');
    h.inbox(a);
    const nest = (n: number): string => `{"type":"message","data":${'['.repeat(n)}${']'.repeat(n)}}`;
    h.send(a, nest(MAX_DATA_DEPTH));
    expect(h.inbox(b)).toHaveLength(1);
    h.send(a, nest(MAX_DATA_DEPTH + 1));
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'bad-message' }]);
    h.send(a, nest(1_000_000));
    expect(h.inbox(a)).toMatchObject([{ type: 'error', code: 'bad-message' }]);
    expect(h.inbox(b)).toEqual([]);
  });

  /** Every frame gets exactly one reply to its sender, or is relayed; nothing throws. */
  function checkOneFrame(frame: string | Uint8Array): void {
    const h = harness({ messagesPerSecond: 0 });
    const a = h.join('r');
    const b = h.join('r');
    h.inbox(a);
    h.send(a, frame);
    const toA = h.inbox(a);
    const toB = h.inbox(b);
    expect(toA.length + toB.length).toBeGreaterThan(0);
    for (const m of toA) expect(['error', 'left', 'joined']).toContain(m.type);
    if (toA.length === 0) for (const m of toB) expect(m).toHaveProperty('from', a);
  }

  it('property: random bytes always get an error reply, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const h = harness();
        const a = h.connect();
        h.inbox(a);
        h.send(a, bytes);
        const got = h.inbox(a);
        expect(got).toHaveLength(1);
        expect(got[0]?.type).toBe('error');
      }),
      { numRuns: 300 },
    );
  });

  it('property: random JSON values and random message-like objects never throw', () => {
    const field = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 3 }));
    const messageLike = fc.record(
      {
        type: fc.oneof(fc.constantFrom('join', 'leave', 'offer', 'answer', 'candidate', 'bye', 'message'), fc.string()),
        room: field,
        name: field,
        to: field,
        sdp: field,
        data: field,
        candidate: fc.oneof(field, fc.record({ candidate: field, sdpMid: field, sdpMLineIndex: field, usernameFragment: field }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), messageLike), (v) => checkOneFrame(JSON.stringify(v) ?? 'null')),
      { numRuns: 500 },
    );
  });

  it('property: random strings never throw', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => checkOneFrame(s)), { numRuns: 300 });
  });
});

describe('rooms: random sessions (model check)', () => {
  type Op =
    | { op: 'connect' }
    | { op: 'join'; who: number; room: number }
    | { op: 'leave'; who: number }
    | { op: 'relay'; who: number; to: number | undefined }
    | { op: 'disconnect'; who: number }
    | { op: 'pong'; who: number }
    | { op: 'tick'; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constant({ op: 'connect' as const }),
    fc.record({ op: fc.constant('join' as const), who: fc.nat(7), room: fc.nat(3) }),
    fc.record({ op: fc.constant('leave' as const), who: fc.nat(7) }),
    fc.record({ op: fc.constant('relay' as const), who: fc.nat(7), to: fc.option(fc.nat(7), { nil: undefined }) }),
    fc.record({ op: fc.constant('disconnect' as const), who: fc.nat(7) }),
    fc.record({ op: fc.constant('pong' as const), who: fc.nat(7) }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
  );

  it("property: every client's view of its room (joined, peer-joined, peer-left) matches the server; limits hold", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const limits = { maxRooms: 2, maxPeersPerRoom: 3, maxConnections: 6, heartbeatIntervalMs: 1000, messagesPerSecond: 0 };
        const h = harness(limits);
        const ids: string[] = [];
        /** What each client believes: its room and the other members there. */
        const view = new Map<string, { room: string | undefined; others: Set<string> }>();
        const closed = new Set<string>();
        let relayCount = 0;
        const apply = (): void => {
          for (const e of h.events) if (e.type === 'close') closed.add(e.id);
          h.events.length = 0;
          for (const t of h.out.splice(0)) {
            const v = view.get(t.to);
            if (v === undefined || closed.has(t.to)) continue;
            const m = t.message;
            if (m.type === 'joined') {
              v.room = m.room;
              v.others = new Set(m.peers.map((p) => p.id));
            } else if (m.type === 'left') {
              v.room = undefined;
              v.others.clear();
            } else if (m.type === 'peer-joined') v.others.add(m.id);
            else if (m.type === 'peer-left') v.others.delete(m.id);
            else if ('from' in m) {
              relayCount++;
              // Relays come only from a member of the receiver's room.
              expect(v.others.has(m.from)).toBe(true);
            }
          }
        };
        const pick = (i: number): string | undefined => {
          const live = ids.filter((id) => !closed.has(id));
          return live.length === 0 ? undefined : live[i % live.length];
        };
        for (const o of ops) {
          if (o.op === 'connect') {
            const id = h.core.handleConnect(h.now);
            h.drain();
            if (id !== undefined) {
              ids.push(id);
              view.set(id, { room: undefined, others: new Set() });
            }
          } else if (o.op === 'tick') {
            h.advance(o.ms);
            h.timeout();
          } else {
            const who = pick(o.who);
            if (who === undefined) continue;
            if (o.op === 'join') h.send(who, { type: 'join', room: `room${o.room}` });
            else if (o.op === 'leave') h.send(who, { type: 'leave' });
            else if (o.op === 'relay') {
              const to = o.to === undefined ? undefined : pick(o.to);
              h.send(who, to === undefined ? { type: 'message', data: 1 } : { type: 'message', to, data: 1 });
            } else if (o.op === 'pong') h.core.handlePong(h.now, who);
            else {
              h.core.handleDisconnect(h.now, who);
              h.drain();
              closed.add(who);
            }
          }
          apply();
          // Invariants after every step.
          const stats = h.core.stats;
          expect(stats.rooms).toBeLessThanOrEqual(limits.maxRooms);
          expect(stats.connections).toBeLessThanOrEqual(limits.maxConnections);
          for (const id of ids) {
            if (closed.has(id)) {
              expect(h.core.roomOf(id)).toBeUndefined();
              continue;
            }
            const v = view.get(id);
            const room = h.core.roomOf(id);
            expect(v?.room).toBe(room);
            if (room === undefined) continue;
            const members = h.core.roomMembers(room).map((p) => p.id);
            expect(members.length).toBeGreaterThan(0);
            expect(members.length).toBeLessThanOrEqual(limits.maxPeersPerRoom);
            expect([...(v?.others ?? [])].sort()).toEqual(members.filter((m) => m !== id).sort());
          }
        }
        expect(relayCount).toBe(h.core.stats.relayed);
      }),
      { numRuns: 300 },
    );
  });
});
