// RFC 8656 server checks driven by hand-made requests (7.2 Allocate checks, 8.2
// Refresh, 10.2 CreatePermission, 12.2 ChannelBind, 5 general rules), and robustness.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { decodeStunMessage, encodeStunMessage, getAttribute, longTermKey, verifyMessageIntegrity } from '../../src/stun/index.js';
import type { DecodedStunMessage, StunAttribute } from '../../src/stun/index.js';
import { TurnServer } from '../../src/turn/server.js';
import type { TurnServerOptions } from '../../src/turn/server.js';
import type { TransportAddress } from '../../src/turn/address.js';

const CLIENT: TransportAddress = { family: 'IPv4', address: '192.0.2.10', port: 5000 };
const PEER: TransportAddress = { family: 'IPv4', address: '203.0.113.5', port: 7000 };
const KEY = longTermKey('alice', 'example.org', 'alice-pass');

class Session {
  readonly server: TurnServer;
  /** Nonces are bound to the client's transport address, so one per source. */
  readonly nonces = new Map<string, string>();
  private seq = 0;
  now = 0;
  constructor(options: Partial<TurnServerOptions> = {}) {
    this.server = new TurnServer({ realm: 'example.org', users: { alice: 'alice-pass', bob: 'bob-pass' }, relayAddress: '198.51.100.1', minPort: 50000, maxPort: 50099, random: seededRandom(3), ...options });
  }
  tid(): Uint8Array {
    const t = new Uint8Array(12);
    t[11] = ++this.seq;
    t[10] = this.seq >> 8;
    return t;
  }
  /** Sends a request and returns the single response (relay sockets are confirmed at once). */
  get nonce(): string {
    return this.nonces.get(`${CLIENT.address}|${CLIENT.port}`) ?? '';
  }
  set nonce(v: string) {
    this.nonces.set(`${CLIENT.address}|${CLIENT.port}`, v);
  }
  request(method: number, attributes: StunAttribute[], opts: { auth?: boolean; user?: string; key?: Uint8Array; from?: TransportAddress; tid?: Uint8Array } = {}): DecodedStunMessage {
    const auth = opts.auth ?? true;
    const from = opts.from ?? CLIENT;
    const fromKey = `${from.address}|${from.port}`;
    if (auth && !this.nonces.has(fromKey)) this.challenge(from);
    const nonce = this.nonces.get(fromKey) ?? '';
    const attrs = auth ? [...attributes, { type: 'USERNAME' as const, value: opts.user ?? 'alice' }, { type: 'REALM' as const, value: 'example.org' }, { type: 'NONCE' as const, value: nonce }] : attributes;
    const data = encodeStunMessage({ class: 'request', method, transactionId: opts.tid ?? this.tid(), attributes: attrs }, auth ? { integrityKey: opts.key ?? KEY, fingerprint: true } : { fingerprint: true });
    this.server.handleInput(this.now, from, data);
    for (let e = this.server.pollEvent(); e; e = this.server.pollEvent()) if (e.type === 'relay-open') this.server.handleRelayOpened(this.now, e.relayId, true);
    const out = this.server.pollTransmit();
    if (!out) throw new Error('no response');
    expect(this.server.pollTransmit()).toBeUndefined();
    return decodeStunMessage(out.data);
  }
  challenge(from: TransportAddress = CLIENT): void {
    const r = this.request(3, [{ type: 'REQUESTED-TRANSPORT', protocol: 17 }], { auth: false, from });
    expect(getAttribute(r, 'ERROR-CODE')?.code).toBe(401);
    expect(getAttribute(r, 'REALM')?.value).toBe('example.org');
    this.nonces.set(`${from.address}|${from.port}`, getAttribute(r, 'NONCE')?.value ?? '');
  }
  allocate(extra: StunAttribute[] = [], opts: Parameters<Session['request']>[2] = {}): DecodedStunMessage {
    return this.request(3, [{ type: 'REQUESTED-TRANSPORT', protocol: 17 }, ...extra], opts);
  }
}

const code = (m: DecodedStunMessage) => getAttribute(m, 'ERROR-CODE')?.code;

describe('TurnServer request checks', () => {
  it('answers plain Binding requests without authentication', () => {
    const s = new Session();
    const r = s.request(1, [], { auth: false });
    expect(r.class).toBe('success');
    expect(getAttribute(r, 'XOR-MAPPED-ADDRESS')).toEqual({ type: 'XOR-MAPPED-ADDRESS', ...CLIENT });
  });

  it('authenticates: 400 without REALM/NONCE, 401 for an unknown user or a bad MAC, 438 for a foreign nonce; success is signed', () => {
    const s = new Session();
    s.challenge();
    const noRealm = encodeStunMessage({ class: 'request', method: 3, transactionId: s.tid(), attributes: [{ type: 'USERNAME', value: 'alice' }] }, { integrityKey: KEY });
    s.server.handleInput(0, CLIENT, noRealm);
    expect(code(decodeStunMessage(s.server.pollTransmit()!.data))).toBe(400);
    expect(code(s.allocate([], { user: 'mallory' }))).toBe(401);
    expect(code(s.allocate([], { key: longTermKey('alice', 'example.org', 'wrong') }))).toBe(401);
    const good = s.nonce;
    s.nonce = '0000000000000000000000000000';
    const stale = s.allocate();
    expect(code(stale)).toBe(438);
    expect(getAttribute(stale, 'NONCE')?.value).toMatch(/^[0-9a-f]{28}$/);
    s.nonce = good;
    const ok = s.allocate();
    expect(ok.class).toBe('success');
    expect(verifyMessageIntegrity(ok, KEY)).toBe(true);
  });

  it('expires nonces: 438 once nonceLifetimeS has passed', () => {
    const s = new Session({ nonceLifetimeS: 60 });
    s.challenge();
    s.now = 59_999;
    expect(s.allocate().class).toBe('success');
    s.now = 60_000;
    expect(code(s.request(4, []))).toBe(438);
  });

  it('Allocate checks of RFC 8656 7.2', () => {
    const s = new Session();
    s.challenge();
    expect(code(s.request(3, []))).toBe(400); // no REQUESTED-TRANSPORT
    expect(code(s.request(3, [{ type: 'REQUESTED-TRANSPORT', protocol: 6 }]))).toBe(442);
    const df = s.allocate([{ type: 'DONT-FRAGMENT' }]);
    expect(code(df)).toBe(420);
    expect(getAttribute(df, 'UNKNOWN-ATTRIBUTES')?.types).toEqual([0x001a]);
    expect(code(s.allocate([{ type: 'REQUESTED-ADDRESS-FAMILY', family: 2 }]))).toBe(440);
    expect(code(s.allocate([{ type: 'REQUESTED-ADDRESS-FAMILY', family: 1 }, { type: 'ADDITIONAL-ADDRESS-FAMILY', family: 2 }]))).toBe(400);
    expect(code(s.allocate([{ type: 'ADDITIONAL-ADDRESS-FAMILY', family: 1 }]))).toBe(400);
    expect(code(s.allocate([{ type: 'RESERVATION-TOKEN', value: new Uint8Array(8) }]))).toBe(508);
    expect(code(s.allocate([{ type: 'RESERVATION-TOKEN', value: new Uint8Array(8) }, { type: 'EVEN-PORT', reserve: false }]))).toBe(400);
    // IPv4 relay only: a dual request gets IPv4 plus ADDRESS-ERROR-CODE 440 for IPv6.
    const dual = s.allocate([{ type: 'ADDITIONAL-ADDRESS-FAMILY', family: 2 }]);
    expect(dual.class).toBe('success');
    expect(getAttribute(dual, 'ADDRESS-ERROR-CODE')).toMatchObject({ family: 2, code: 440 });
    // Same 5-tuple, new transaction: 437.
    expect(code(s.allocate())).toBe(437);
  });

  it('lifetime: below the default gives the default, above the maximum gives the maximum', () => {
    const s = new Session();
    s.challenge();
    expect(getAttribute(s.allocate([{ type: 'LIFETIME', value: 10 }]), 'LIFETIME')?.value).toBe(600);
    expect(getAttribute(s.allocate([{ type: 'LIFETIME', value: 99999 }], { from: { ...CLIENT, port: 5001 } }), 'LIFETIME')?.value).toBe(3600);
    expect(getAttribute(s.allocate([{ type: 'LIFETIME', value: 1200 }], { from: { ...CLIENT, port: 5002 } }), 'LIFETIME')?.value).toBe(1200);
    // Refresh takes min(requested, max) with no floor; 0 deletes.
    expect(getAttribute(s.request(4, [{ type: 'LIFETIME', value: 30 }]), 'LIFETIME')?.value).toBe(30);
    s.now = 29_999;
    s.server.handleTimeout(s.now);
    expect(s.server.allocationCount).toBe(3);
    s.now = 30_000;
    s.server.handleTimeout(s.now);
    expect(s.server.allocationCount).toBe(2);
  });

  it('EVEN-PORT with R=1 reserves port N+1 and a RESERVATION-TOKEN allocates it (within 30 s)', () => {
    const s = new Session();
    s.challenge();
    const first = s.allocate([{ type: 'EVEN-PORT', reserve: true }]);
    const port = getAttribute(first, 'XOR-RELAYED-ADDRESS')!.port;
    expect(port % 2).toBe(0);
    const token = getAttribute(first, 'RESERVATION-TOKEN')!.value;
    const second = s.allocate([{ type: 'RESERVATION-TOKEN', value: token }], { from: { ...CLIENT, port: 5001 } });
    expect(getAttribute(second, 'XOR-RELAYED-ADDRESS')?.port).toBe(port + 1);
    // The token is used up.
    expect(code(s.allocate([{ type: 'RESERVATION-TOKEN', value: token }], { from: { ...CLIENT, port: 5002 } }))).toBe(508);
    // An unused reservation lapses after 30 s.
    const third = s.allocate([{ type: 'EVEN-PORT', reserve: true }], { from: { ...CLIENT, port: 5003 } });
    const token3 = getAttribute(third, 'RESERVATION-TOKEN')!.value;
    s.now = 30_000;
    s.server.handleTimeout(s.now);
    expect(code(s.allocate([{ type: 'RESERVATION-TOKEN', value: token3 }], { from: { ...CLIENT, port: 5004 } }))).toBe(508);
  });

  it('437 without an allocation, 441 for another user on it', () => {
    const s = new Session();
    s.challenge();
    expect(code(s.request(4, []))).toBe(437);
    expect(code(s.request(8, [{ type: 'XOR-PEER-ADDRESS', ...PEER }]))).toBe(437);
    s.allocate();
    const bobKey = longTermKey('bob', 'example.org', 'bob-pass');
    expect(code(s.request(4, [], { user: 'bob', key: bobKey }))).toBe(441);
  });

  it('CreatePermission and ChannelBind checks (RFC 8656 10.2, 12.2)', () => {
    const s = new Session();
    s.challenge();
    s.allocate([{ type: 'LIFETIME', value: 3600 }]);
    expect(code(s.request(8, []))).toBe(400);
    expect(code(s.request(8, [{ type: 'XOR-PEER-ADDRESS', family: 'IPv6', address: '2001:db8::1', port: 1 }]))).toBe(443);
    expect(code(s.request(8, [{ type: 'XOR-PEER-ADDRESS', family: 'IPv4', address: '127.0.0.1', port: 1 }]))).toBe(403);
    expect(code(s.request(8, [{ type: 'XOR-PEER-ADDRESS', family: 'IPv4', address: '224.0.0.1', port: 1 }]))).toBe(403);
    expect(s.request(8, [{ type: 'XOR-PEER-ADDRESS', ...PEER }]).class).toBe('success');
    expect(code(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x3fff }, { type: 'XOR-PEER-ADDRESS', ...PEER }]))).toBe(400);
    expect(code(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4000 }]))).toBe(400);
    expect(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4000 }, { type: 'XOR-PEER-ADDRESS', ...PEER }]).class).toBe('success');
    // Same binding again refreshes; a different peer on the channel, or another channel for the peer, is 400.
    expect(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4000 }, { type: 'XOR-PEER-ADDRESS', ...PEER }]).class).toBe('success');
    expect(code(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4000 }, { type: 'XOR-PEER-ADDRESS', ...PEER, port: 7001 }]))).toBe(400);
    expect(code(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4001 }, { type: 'XOR-PEER-ADDRESS', ...PEER }]))).toBe(400);
    // After expiry (600 s) the number stays reserved for the old peer for 5 more minutes.
    s.now = 600_000;
    s.server.handleTimeout(s.now);
    s.challenge();
    expect(code(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4000 }, { type: 'XOR-PEER-ADDRESS', ...PEER, port: 7001 }]))).toBe(400);
  });

  it('RFC 8656-strict mode refuses RFC 5766 channel numbers', () => {
    const s = new Session({ legacyChannelNumbers: false });
    s.challenge();
    s.allocate();
    expect(code(s.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x5000 }, { type: 'XOR-PEER-ADDRESS', ...PEER }]))).toBe(400);
    const legacy = new Session();
    legacy.challenge();
    legacy.allocate();
    expect(legacy.request(9, [{ type: 'CHANNEL-NUMBER', channel: 0x6ef7 }, { type: 'XOR-PEER-ADDRESS', ...PEER }]).class).toBe('success');
  });

  it('advertises externalAddress in XOR-RELAYED-ADDRESS while the host binds relayAddress', () => {
    const s = new Session({ externalAddress: '203.0.113.200' });
    s.server.handleInput(0, CLIENT, encodeStunMessage({ class: 'request', method: 3, transactionId: s.tid(), attributes: [{ type: 'REQUESTED-TRANSPORT', protocol: 17 }] }));
    s.nonces.set(`${CLIENT.address}|${CLIENT.port}`, getAttribute(decodeStunMessage(s.server.pollTransmit()!.data), 'NONCE')!.value);
    const data = encodeStunMessage(
      {
        class: 'request',
        method: 3,
        transactionId: s.tid(),
        attributes: [
          { type: 'REQUESTED-TRANSPORT', protocol: 17 },
          { type: 'USERNAME', value: 'alice' },
          { type: 'REALM', value: 'example.org' },
          { type: 'NONCE', value: s.nonce },
        ],
      },
      { integrityKey: KEY },
    );
    s.server.handleInput(0, CLIENT, data);
    const open = s.server.pollEvent();
    expect(open).toMatchObject({ type: 'relay-open', address: '198.51.100.1' });
    s.server.handleRelayOpened(0, open!.relayId, true);
    expect(getAttribute(decodeStunMessage(s.server.pollTransmit()!.data), 'XOR-RELAYED-ADDRESS')?.address).toBe('203.0.113.200');
  });

  it('bounds allocations overall', () => {
    const s = new Session({ maxAllocations: 2, maxAllocationsPerUser: 10 });
    s.challenge();
    expect(s.allocate([], { from: { ...CLIENT, port: 1 } }).class).toBe('success');
    expect(s.allocate([], { from: { ...CLIENT, port: 2 } }).class).toBe('success');
    expect(code(s.allocate([], { from: { ...CLIENT, port: 3 } }))).toBe(486);
  });

  it('never throws and never relays without a permission, for random input on both sides', () => {
    const s = new Session({ allowLoopbackPeers: true });
    s.challenge();
    const relay = getAttribute(s.allocate(), 'XOR-RELAYED-ADDRESS')!;
    void relay;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (data, fromPeer) => {
        if (fromPeer) s.server.handleRelayInput(s.now, 1, PEER, data);
        else s.server.handleInput(s.now, CLIENT, data);
        for (let t = s.server.pollTransmit(); t; t = s.server.pollTransmit()) expect(t.relayId).toBeUndefined();
        while (s.server.pollEvent());
      }),
      { numRuns: 3000 },
    );
  });
});

describe('TurnServer relaying limits', () => {
  it('drops a peer datagram too large for a Data indication instead of throwing, and matches IPv6 peers in any text form', () => {
    const s = new Session({ relayAddress: '2001:db8::100' });
    s.challenge();
    const v6Client: TransportAddress = { family: 'IPv6', address: '2001:db8::10', port: 5000 };
    s.challenge(v6Client);
    const alloc = s.allocate([{ type: 'REQUESTED-ADDRESS-FAMILY', family: 2 }], { from: v6Client });
    expect(alloc.class).toBe('success');
    const peer: TransportAddress = { family: 'IPv6', address: '2001:db8::5', port: 7000 };
    expect(s.request(8, [{ type: 'XOR-PEER-ADDRESS', ...peer }], { from: v6Client }).class).toBe('success');
    // The host reports the peer in uncompressed text: still the same peer.
    s.server.handleRelayInput(0, 1, { ...peer, address: '2001:0db8:0000:0000:0000:0000:0000:0005' }, new Uint8Array([1]));
    expect(s.server.pollTransmit()?.to).toEqual(v6Client);
    s.server.handleRelayInput(0, 1, peer, new Uint8Array(65_500));
    expect(s.server.pollTransmit()).toBeUndefined();
    expect(s.server.stats.dropped).toBeGreaterThan(0);
  });
});

describe('TurnServer with clients over TCP (RFC 8656 3.1, 12.5)', () => {
  it('keys allocations by transport too, pads ChannelData to the client, and deletes the allocation when the connection closes', () => {
    const s = new Session();
    const send = (data: Uint8Array, transport: 'udp' | 'tcp') => {
      s.server.handleInput(s.now, CLIENT, data, transport);
      for (let e = s.server.pollEvent(); e; e = s.server.pollEvent()) if (e.type === 'relay-open') s.server.handleRelayOpened(s.now, e.relayId, true);
      const out = s.server.pollTransmit();
      return out;
    };
    const first = send(encodeStunMessage({ class: 'request', method: 3, transactionId: s.tid(), attributes: [{ type: 'REQUESTED-TRANSPORT', protocol: 17 }] }), 'tcp');
    expect(first?.transport).toBe('tcp');
    const nonce = getAttribute(decodeStunMessage(first!.data), 'NONCE')!.value;
    const authed = (method: number, attributes: StunAttribute[]) =>
      encodeStunMessage(
        { class: 'request', method, transactionId: s.tid(), attributes: [...attributes, { type: 'USERNAME', value: 'alice' }, { type: 'REALM', value: 'example.org' }, { type: 'NONCE', value: nonce }] },
        { integrityKey: KEY },
      );
    const alloc = send(authed(3, [{ type: 'REQUESTED-TRANSPORT', protocol: 17 }]), 'tcp');
    expect(decodeStunMessage(alloc!.data).class).toBe('success');
    // The same IP:port over UDP is another 5-tuple: no allocation there.
    expect(code(decodeStunMessage(send(authed(4, []), 'udp')!.data))).toBe(437);
    expect(decodeStunMessage(send(authed(9, [{ type: 'CHANNEL-NUMBER', channel: 0x4000 }, { type: 'XOR-PEER-ADDRESS', ...PEER }]), 'tcp')!.data).class).toBe('success');
    s.server.handleRelayInput(s.now, 1, PEER, new Uint8Array([1, 2, 3, 4, 5]));
    const cd = s.server.pollTransmit()!;
    expect(cd.transport).toBe('tcp');
    expect([...cd.data]).toEqual([0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]);
    s.server.handleConnectionClosed(s.now, CLIENT);
    expect(s.server.allocationCount).toBe(0);
    expect(s.server.pollEvent()).toEqual({ type: 'relay-close', relayId: 1 });
  });
});
