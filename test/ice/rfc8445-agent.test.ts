// Two ICE agents over the in-memory network of netsim.ts, on a virtual clock:
// RFC 8445 (checks, nomination, roles, lite), RFC 8838 (trickle), RFC 7675 (consent).
import { describe, expect, it } from 'vitest';
import { IceAgent, MAX_EARLY_SEND_DATAGRAMS } from '../../src/ice/index.js';
import { decodeBinding, encodeBinding, isStun, shortTermKey } from '../../src/ice/stun-binding.js';
import { seededRandom } from '../../src/common/random.js';
import { Nat, Sim, connected, type Endpoint, type NatType } from './netsim.js';

const STUN = { address: '198.51.100.1', port: 3478 };

function setup(sim: Sim, aOpts: Parameters<Sim['addAgent']>[2] = {}, bOpts: Parameters<Sim['addAgent']>[2] = {}, ips: [string, string] = ['10.0.0.1', '10.0.0.2']): [Endpoint, Endpoint] {
  const a = sim.addAgent('a', ips[0], { role: 'controlling', includeLoopback: true, ...aOpts });
  const b = sim.addAgent('b', ips[1], { role: 'controlled', includeLoopback: true, ...bOpts });
  return [a, b];
}

function start(sim: Sim, a: Endpoint, b: Endpoint): void {
  a.agent.gather(sim.now);
  b.agent.gather(sim.now);
  sim.connect(a, b);
}

const bothConnected = (a: Endpoint, b: Endpoint) => () => connected(a) && connected(b);

function natPair(sim: Sim, ta: NatType, tb: NatType, relay = false): [Endpoint, Endpoint] {
  sim.addStunServer(STUN);
  const natA = new Nat(ta, '203.0.113.1');
  const natB = new Nat(tb, '203.0.113.2');
  const [a, b] = setup(sim, { nat: natA, stunServers: [STUN] }, { nat: natB, stunServers: [STUN] }, ['192.168.1.10', '192.168.2.20']);
  if (relay) {
    sim.allocateRelay(a, '198.51.100.9');
    sim.allocateRelay(b, '198.51.100.9');
  }
  start(sim, a, b);
  return [a, b];
}

/** RFC 8445 14: new STUN transactions (not retransmissions, not consent) leave at least Ta apart. */
function expectPaced(ep: Endpoint, taMs: number, until: number): void {
  const seen = new Set<string>();
  const starts: number[] = [];
  for (const s of ep.sent) {
    if (s.at > until || !isStun(s.data)) continue;
    const m = decodeBinding(s.data);
    if (m.cls !== 'request') continue;
    const id = [...m.transactionId].join(',');
    if (seen.has(id)) continue;
    seen.add(id);
    starts.push(s.at);
  }
  expect(starts.length).toBeGreaterThan(0);
  for (let i = 1; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(taMs);
}

function exchangeData(sim: Sim, a: Endpoint, b: Endpoint): void {
  expect(a.agent.send(new Uint8Array([0x17, 1, 2, 3]))).toBe(true);
  expect(b.agent.send(new Uint8Array([0x17, 9, 8, 7]))).toBe(true);
  expect(sim.run(() => a.received.length > 0 && b.received.length > 0, 1000)).toBe(true);
  expect([...(b.received[0] ?? [])]).toEqual([0x17, 1, 2, 3]);
  expect([...(a.received[0] ?? [])]).toEqual([0x17, 9, 8, 7]);
}

describe('RFC 8445 connectivity over NAT models', () => {
  it('host-host on the same LAN', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(a.agent.selectedPair?.local.type).toBe('host');
    expect(a.agent.selectedPair?.remote.type).toBe('host');
    expect(b.agent.selectedPair?.remote.address).toBe('10.0.0.1');
    exchangeData(sim, a, b);
    expect(a.agent.gatheringState).toBe('complete');
    // Once both sides have sent end-of-candidates the connection is 'completed'.
    expect(sim.runSignaled(() => a.agent.connectionState === 'completed' && b.agent.connectionState === 'completed', 1000)).toBe(true);
  });

  for (const [ta, tb] of [
    ['full-cone', 'full-cone'],
    ['address-restricted', 'address-restricted'],
    ['port-restricted', 'port-restricted'],
    ['symmetric', 'full-cone'],
    ['full-cone', 'symmetric'],
    ['port-restricted', 'address-restricted'],
  ] as [NatType, NatType][]) {
    it(`connects through ${ta} / ${tb} NATs with server-reflexive or peer-reflexive candidates`, () => {
      const sim = new Sim({ seed: 3 });
      const [a, b] = natPair(sim, ta, tb);
      expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
      const sa = a.agent.selectedPair;
      const sb = b.agent.selectedPair;
      expect(sa?.remote.address).toBe('203.0.113.2');
      expect(sb?.remote.address).toBe('203.0.113.1');
      expect(['srflx', 'prflx']).toContain(sa?.remote.type);
      expect(a.agent.localCandidates.some((c) => c.type === 'srflx')).toBe(true);
      exchangeData(sim, a, b);
    });
  }

  it('symmetric / symmetric fails without a relay, in bounded time', () => {
    const sim = new Sim();
    const [a, b] = natPair(sim, 'symmetric', 'symmetric');
    expect(sim.runSignaled(() => a.agent.connectionState === 'failed' && b.agent.connectionState === 'failed', 60_000)).toBe(true);
    expect(a.agent.selectedPair).toBeUndefined();
  });

  it('symmetric / port-restricted fails without a relay', () => {
    const sim = new Sim();
    const [a, b] = natPair(sim, 'symmetric', 'port-restricted');
    expect(sim.runSignaled(() => a.agent.connectionState === 'failed' && b.agent.connectionState === 'failed', 60_000)).toBe(true);
  });

  it('symmetric / symmetric connects through a TURN relay', () => {
    const sim = new Sim();
    const [a, b] = natPair(sim, 'symmetric', 'symmetric', true);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    const types = [a.agent.selectedPair?.local.type, a.agent.selectedPair?.remote.type];
    expect(types).toContain('relay');
    exchangeData(sim, a, b);
    expect(a.sent.some((s) => s.relayed)).toBe(true);
  });

  it('prefers host over relay when both work', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    sim.allocateRelay(a, '198.51.100.9');
    sim.allocateRelay(b, '198.51.100.9');
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(a.agent.selectedPair?.local.type).toBe('host');
    expect(a.agent.selectedPair?.remote.type).toBe('host');
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`connects with 30% loss (seed ${seed})`, () => {
      const sim = new Sim({ lossRate: 0.3, seed });
      const [a, b] = natPair(sim, 'port-restricted', 'full-cone');
      expect(sim.runSignaled(bothConnected(a, b), 60_000)).toBe(true);
      // Gathering, ordinary and triggered checks all went through the Ta pacer.
      expectPaced(a, 50, sim.now);
      expectPaced(b, 50, sim.now);
    });
  }
});

describe('multihomed and dual-stack hosts', () => {
  it('dual-stack peers on one LAN pick the IPv6 host pair (RFC 8421 preference)', () => {
    const sim = new Sim();
    const a = sim.addAgent('a', ['10.0.0.1', '2001:db8::1'], { role: 'controlling' });
    const b = sim.addAgent('b', ['10.0.0.2', '2001:db8::2'], { role: 'controlled' });
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(a.agent.selectedPair?.local.address).toBe('2001:db8::1');
    expect(a.agent.selectedPair?.remote.address).toBe('2001:db8::2');
    // Only same-family pairs are formed (6.1.2.2).
    for (const p of a.agent.checklist) expect(p.local.address.includes(':')).toBe(p.remote.address.includes(':'));
    exchangeData(sim, a, b);
  });

  it('falls back to a lower-priority interface when the preferred one is dead', () => {
    const sim = new Sim();
    const a = sim.addAgent('a', ['10.1.0.1', '10.0.0.1'], { role: 'controlling' });
    const b = sim.addAgent('b', ['10.0.0.2'], { role: 'controlled' });
    sim.deadIps.add('10.1.0.1');
    start(sim, a, b);
    expect(a.agent.localCandidates[0]?.address).toBe('10.1.0.1');
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(a.agent.selectedPair?.local.address).toBe('10.0.0.1');
    exchangeData(sim, a, b);
  });
});

describe('RFC 8445 roles and nomination', () => {
  it('resolves a role conflict when both are controlling (7.3.1.1)', () => {
    const sim = new Sim();
    const [a, b] = setup(sim, { role: 'controlling', tieBreaker: 5n }, { role: 'controlling', tieBreaker: 9n });
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(a.agent.role).toBe('controlled');
    expect(b.agent.role).toBe('controlling');
    // b (larger tie-breaker) answered a's ICE-CONTROLLING check with 487 and kept its role.
    expect(b.sent.some((x) => isStun(x.data) && decodeBinding(x.data).errorCode?.code === 487)).toBe(true);
    expect(a.events).toContainEqual({ type: 'role', role: 'controlled' });
    expect(b.events.some((e) => e.type === 'role')).toBe(false);
    exchangeData(sim, a, b);
  });

  it('resolves a role conflict when both are controlled', () => {
    const sim = new Sim();
    const [a, b] = setup(sim, { role: 'controlled', tieBreaker: 5n }, { role: 'controlled', tieBreaker: 9n });
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(b.agent.role).toBe('controlling');
    expect(a.agent.role).toBe('controlled');
  });

  it('controlling nominates with USE-CANDIDATE exactly on the selected pair (regular nomination)', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    const nominations = a.sent.filter((s) => isStun(s.data) && decodeBinding(s.data).useCandidate);
    expect(nominations.length).toBeGreaterThan(0);
    for (const n of nominations) expect(n.to.address).toBe(a.agent.selectedPair?.remote.address);
    expect(b.sent.some((s) => isStun(s.data) && decodeBinding(s.data).useCandidate)).toBe(false);
  });

  it('full agent against an ICE-lite agent: full controls, lite answers only', () => {
    const sim = new Sim();
    const [a, b] = setup(sim, { role: 'controlled' }, { lite: true });
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    expect(a.agent.role).toBe('controlling');
    expect(b.agent.role).toBe('controlled');
    // A lite agent sends no requests, only responses.
    for (const s of b.sent) if (isStun(s.data)) expect(decodeBinding(s.data).cls).not.toBe('request');
    exchangeData(sim, a, b);
  });

  it('accepts aggressive nomination: a controlled agent follows USE-CANDIDATE on every check (8.1.1, 7.3.1.5)', () => {
    // A scripted controlling peer that nominates each pair it checks, first a low-priority
    // one, then a better one: the controlled agent selects the first, then switches.
    const agent = new IceAgent({ role: 'controlled', random: seededRandom(9) });
    agent.addHostBases(0, [{ address: '10.0.0.1', port: 5000 }]);
    agent.gather(0);
    const peerPwd = 'peer-password-0123456789';
    agent.setRemoteCredentials(0, 'peer', peerPwd);
    const low = { foundation: '2', component: 1, transport: 'udp' as const, priority: 100, address: '10.0.0.4', port: 6000, type: 'relay' as const, extensions: [] };
    const high = { foundation: '1', component: 1, transport: 'udp' as const, priority: 2130706431, address: '10.0.0.2', port: 6000, type: 'host' as const, extensions: [] };
    agent.addRemoteCandidate(0, low);
    agent.addRemoteCandidate(0, high);
    const local = { address: '10.0.0.1', port: 5000 };
    let now = 0;
    const selections: string[] = [];
    // The peer answers every check of ours, and sends its own nominating checks.
    const exchange = (): void => {
      for (let i = 0; i < 50; i++) {
        for (let t = agent.pollTransmit(); t; t = agent.pollTransmit()) {
          const m = decodeBinding(t.data);
          if (m.cls !== 'request') continue;
          const resp = encodeBinding({ cls: 'success', transactionId: m.transactionId, xorMappedAddress: t.from, integrityKey: shortTermKey(peerPwd) });
          agent.handleInput(now, { local: t.from, remote: t.to, data: resp });
        }
        for (let e = agent.pollEvent(); e; e = agent.pollEvent()) if (e.type === 'selected-pair') selections.push(e.pair.remote.address);
        now += 10;
        agent.handleTimeout(now);
      }
    };
    const nominate = (from: { address: string; port: number }): void => {
      const req = encodeBinding({
        cls: 'request', transactionId: seededRandom(now).fill(new Uint8Array(12)), username: `${agent.localUfrag}:peer`, priority: 1853824767,
        useCandidate: true, iceControlling: 42n, integrityKey: shortTermKey(agent.localPassword),
      });
      agent.handleInput(now, { local, remote: from, data: req });
      exchange();
    };
    nominate(low);
    expect(agent.selectedPair?.remote.address).toBe('10.0.0.4');
    nominate(high);
    expect(agent.selectedPair?.remote.address).toBe('10.0.0.2');
    expect(selections).toEqual(['10.0.0.4', '10.0.0.2']);
    expect(agent.role).toBe('controlled');
  });
});

describe('RFC 8445 check pacing (14.2)', () => {
  for (const taMs of [50, 20]) {
    it(`sends one new check every Ta = ${taMs} ms`, () => {
      const sim = new Sim();
      const a = sim.addAgent('a', '10.0.0.1', { role: 'controlling', taMs });
      a.agent.gather(0);
      a.agent.setRemoteCredentials(0, 'ruf', 'rpassword-rpassword-rp');
      // Five remote candidates nobody answers for: the checks go out paced by Ta.
      for (let i = 0; i < 5; i++) {
        a.agent.addRemoteCandidate(0, {
          foundation: String(i), component: 1, transport: 'udp', priority: 2130706431 - i, address: `10.9.0.${i + 1}`, port: 9000, type: 'host', extensions: [],
        });
      }
      sim.advance(400);
      const firsts = new Map<string, number>();
      for (const s of a.sent) if (!firsts.has(s.to.address)) firsts.set(s.to.address, s.at);
      const times = [...firsts.values()];
      expect(times.length).toBe(5);
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(taMs);
      // In priority order (6.1.2.3).
      expect([...firsts.keys()]).toEqual(['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5']);
    });
  }

  // RFC 8445 14.2: both agents use the higher of the proposed Ta values; an agent that
  // proposes none (no a=ice-pacing, RFC 8839 5.5) counts as the default 50 ms.
  for (const [local, remote, expected] of [
    [5, 5, 5],
    [5, 20, 20],
    [30, 10, 30],
    [5, null, 50],
    [5, 1e9, 1000],
  ] as const) {
    it(`negotiates Ta: ours ${local} ms, theirs ${String(remote)} -> ${expected} ms`, () => {
      const sim = new Sim();
      const a = sim.addAgent('a', '10.0.0.1', { role: 'controlling', taMs: local });
      expect(a.agent.proposedTaMs).toBe(local);
      a.agent.gather(0);
      a.agent.setRemoteCredentials(0, 'ruf', 'rpassword-rpassword-rp', { pacingMs: remote });
      expect(a.agent.pacingMs).toBe(expected);
      for (let i = 0; i < 3; i++) {
        a.agent.addRemoteCandidate(0, {
          foundation: String(i), component: 1, transport: 'udp', priority: 2130706431 - i, address: `10.9.0.${i + 1}`, port: 9000, type: 'host', extensions: [],
        });
      }
      sim.advance(3 * expected + 1);
      const firsts = new Map<string, number>();
      for (const s of a.sent) if (!firsts.has(s.to.address)) firsts.set(s.to.address, s.at);
      const times = [...firsts.values()];
      expect(times.length).toBe(3);
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(expected);
    });
  }

  it('an ICE-lite agent proposes no pacing (RFC 8839 5.5)', () => {
    expect(new IceAgent({ lite: true }).proposedTaMs).toBeUndefined();
    expect(new IceAgent({ taMs: 1 }).proposedTaMs).toBe(5);
  });

  it('two agents that both propose a short Ta nominate one Ta after the first check (8.1.1)', () => {
    const latencyMs = 10;
    for (const ta of [5, 50]) {
      const sim = new Sim({ latencyMs });
      const [a, b] = setup(sim, { taMs: ta }, { taMs: ta });
      a.agent.gather(0);
      b.agent.gather(0);
      sim.connect(a, b);
      a.agent.setRemoteCredentials(0, b.agent.localUfrag, b.agent.localPassword, { pacingMs: ta });
      b.agent.setRemoteCredentials(0, a.agent.localUfrag, a.agent.localPassword, { pacingMs: ta });
      expect(sim.runSignaled(bothConnected(a, b), 10_000)).toBe(true);
      // The first check leaves at 0 and its answer is back at 2 x latency; the nomination
      // repeats it as a triggered check (6.1.4.2) no sooner than one Ta after the first,
      // and is answered (and seen by the controlled agent) one round trip later.
      expect(sim.now).toBe(Math.max(2 * latencyMs, ta) + 2 * latencyMs);
    }
  });

  it('a check with no answer fails after its transmissions, in bounded time', () => {
    const sim = new Sim();
    const a = sim.addAgent('a', '10.0.0.1', { role: 'controlling' });
    a.agent.gather(0);
    a.agent.setRemoteCredentials(0, 'ruf', 'rpassword-rpassword-rp');
    a.agent.addRemoteCandidate(0, { foundation: '1', component: 1, transport: 'udp', priority: 1, address: '10.9.9.9', port: 1, type: 'host', extensions: [] });
    a.agent.endOfRemoteCandidates(0);
    expect(sim.run(() => a.agent.connectionState === 'failed', 60_000)).toBe(true);
    // RTO = max(500 ms, Ta x pairs) (14.3), doubling per retransmission up to MAX_CHECK_RTO_MS,
    // seven transmissions (RFC 8489 Rc), then the pair fails one last RTO later.
    expect(a.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 6500, 9500, 12500]);
    expect(sim.now).toBe(15500);
  });
});

describe('RFC 8445 12.1 data before selection', () => {
  it('the controlled agent is writable once its own check succeeds, before the nomination', () => {
    const sim = new Sim();
    const [a, b] = setup(sim, { taMs: 50 }, { taMs: 50 });
    start(sim, a, b);
    expect(b.agent.writable).toBe(false);
    expect(sim.runSignaled(() => b.agent.writable, 10_000)).toBe(true);
    // Valid, not yet selected: the controlling agent nominates a Ta after its first check.
    expect(b.agent.selectedPair).toBeUndefined();
    expect(b.agent.checklist.some((p) => p.valid)).toBe(true);
    const writableAt = sim.now;
    expect(sim.runSignaled(bothConnected(a, b), 10_000)).toBe(true);
    expect(sim.now).toBeGreaterThan(writableAt);
    expect(b.agent.writable && a.agent.writable).toBe(true);
  });

  it('data sent before any pair is valid goes out, in order, on the first valid pair', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    const early = [0x17, 0x16, 0x15].map((x) => new Uint8Array([x, 1, 2, 3]));
    for (const d of early) expect(a.agent.send(d)).toBe(true);
    expect(a.agent.writable).toBe(false);
    expect(sim.runSignaled(() => b.received.length >= 3, 10_000)).toBe(true);
    expect(b.received.map((d) => d[0])).toEqual([0x17, 0x16, 0x15]);
  });

  it(`keeps at most MAX_EARLY_SEND_DATAGRAMS (${MAX_EARLY_SEND_DATAGRAMS}) early datagrams, dropping the oldest`, () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    const n = MAX_EARLY_SEND_DATAGRAMS + 5;
    for (let i = 0; i < n; i++) a.agent.send(new Uint8Array([0x17, i]));
    expect(a.agent.stats.queueOverflowDropped).toBe(5);
    expect(sim.runSignaled(bothConnected(a, b), 10_000)).toBe(true);
    sim.advance(100);
    expect(b.received.map((d) => d[1])).toEqual(Array.from({ length: MAX_EARLY_SEND_DATAGRAMS }, (_, i) => i + 5));
  });

  it('measures the round-trip time from checks answered without retransmission (Karn, RFC 6298 3)', () => {
    for (const latencyMs of [3, 40]) {
      const sim = new Sim({ latencyMs });
      const [a, b] = setup(sim);
      expect(a.agent.rttMs).toBeUndefined();
      start(sim, a, b);
      expect(sim.runSignaled(bothConnected(a, b), 10_000)).toBe(true);
      expect(a.agent.rttMs).toBe(2 * latencyMs);
      expect(b.agent.rttMs).toBe(2 * latencyMs);
    }
  });

  it('a closed agent neither keeps nor sends early data', () => {
    const sim = new Sim();
    const [a] = setup(sim);
    a.agent.close();
    expect(a.agent.send(new Uint8Array([0x17]))).toBe(false);
    expect(a.agent.writable).toBe(false);
  });
});

describe('RFC 8838 trickle and gathering states', () => {
  it('goes new -> gathering -> complete and takes candidates any time', () => {
    const sim = new Sim();
    sim.addStunServer(STUN);
    const nat = new Nat('full-cone', '203.0.113.1');
    const a = sim.addAgent('a', '192.168.1.10', { role: 'controlling', nat, stunServers: [STUN] });
    const b = sim.addAgent('b', '203.0.113.50', { role: 'controlled' });
    expect(a.agent.gatheringState).toBe('new');
    a.agent.gather(0);
    b.agent.gather(0);
    expect(a.agent.gatheringState).toBe('gathering');
    sim.connect(a, b);
    // No candidates exchanged yet: nothing to check.
    sim.advance(100);
    expect(a.agent.gatheringState).toBe('complete');
    const gs = a.events.filter((e) => e.type === 'gathering-state').map((e) => (e.type === 'gathering-state' ? e.state : ''));
    expect(gs).toEqual(['gathering', 'complete']);
    const kinds = a.events.filter((e) => e.type === 'candidate' || e.type === 'end-of-candidates').map((e) => (e.type === 'candidate' ? e.candidate.type : e.type));
    expect(kinds).toEqual(['host', 'srflx', 'end-of-candidates']);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
  });

  it('reports a candidate error when the STUN server does not answer', () => {
    const sim = new Sim();
    const a = sim.addAgent('a', '10.0.0.1', { stunServers: [{ address: '198.51.100.77', port: 3478 }] });
    a.agent.gather(0);
    expect(sim.run(() => a.agent.gatheringState === 'complete', 30_000)).toBe(true);
    const err = a.events.find((e) => e.type === 'candidate-error');
    expect(err).toMatchObject({ type: 'candidate-error', errorCode: 701, url: 'stun:198.51.100.77:3478' });
  });

  it('answers checks that arrive before the remote credentials, then learns from them (RFC 8838 / 8445 7.3.1.3)', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    a.agent.gather(0);
    b.agent.gather(0);
    // b has a's offer; a has not seen b's answer yet.
    b.agent.setRemoteCredentials(0, a.agent.localUfrag, a.agent.localPassword);
    for (const c of a.agent.localCandidates) b.agent.addRemoteCandidate(0, c);
    sim.advance(200);
    const answered = a.sent.filter((x) => isStun(x.data) && decodeBinding(x.data).cls === 'success').length;
    expect(answered).toBeGreaterThan(0);
    expect(connected(a)).toBe(false);
    // The answer arrives without candidates: b's checks already told a where b is.
    a.agent.setRemoteCredentials(sim.now, b.agent.localUfrag, b.agent.localPassword);
    expect(sim.run(bothConnected(a, b), 10_000)).toBe(true);
    expect(a.agent.selectedPair?.remote.type).toBe('prflx');
    exchangeData(sim, a, b);
  });

  it('waits for TURN allocations before completing, and reports a failed one as a candidate error', () => {
    const agent = new IceAgent({ random: seededRandom(4) });
    agent.addHostBases(0, [{ address: '10.0.0.1', port: 5000 }]);
    agent.beginRelayGathering('turn-a');
    agent.beginRelayGathering('turn-b');
    agent.gather(0);
    expect(agent.gatheringState).toBe('gathering');
    agent.addRelayedCandidate(0, 'turn-a', { relayed: { address: '198.51.100.9', port: 50000 }, server: { address: '198.51.100.9', port: 3478 } });
    expect(agent.gatheringState).toBe('gathering');
    agent.addRelayedCandidate(0, 'turn-b', undefined, { url: 'turn:198.51.100.10:3478?transport=udp', errorCode: 701, errorText: 'allocation timed out' });
    expect(agent.gatheringState).toBe('complete');
    const events: string[] = [];
    for (let e = agent.pollEvent(); e; e = agent.pollEvent()) events.push(e.type === 'candidate' ? `candidate ${e.candidate.type}` : e.type);
    expect(events).toEqual(['gathering-state', 'candidate host', 'candidate relay', 'candidate-error', 'end-of-candidates', 'gathering-state']);
    const relay = agent.localCandidates.find((c) => c.type === 'relay');
    expect(relay).toMatchObject({ address: '198.51.100.9', port: 50000, relatedAddress: '198.51.100.9', relatedPort: 50000 });
    expect(Math.floor((relay?.priority ?? 0) / 2 ** 24)).toBe(0);
  });

  it('omits loopback bases unless asked', () => {
    const agent = new IceAgent({ random: seededRandom(1) });
    agent.addHostBases(0, [{ address: '127.0.0.1', port: 1 }, { address: '::1', port: 2 }, { address: '10.1.1.1', port: 3 }]);
    agent.gather(0);
    expect(agent.localCandidates.map((c) => c.address)).toEqual(['10.1.1.1']);
  });
});

describe('RFC 7675 consent freshness', () => {
  it('consent checks are spaced 4 to 6 s apart on the selected pair', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    const t0 = sim.now;
    sim.advance(60_000);
    const reqs = a.sent.filter((s) => s.at > t0 && isStun(s.data) && decodeBinding(s.data).cls === 'request').map((s) => s.at);
    expect(reqs.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < reqs.length; i++) {
      const gap = (reqs[i] as number) - (reqs[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(4000);
      expect(gap).toBeLessThanOrEqual(6000);
    }
    expect(a.agent.connectionState).toBe('completed');
  });

  it('goes disconnected, then failed 30 s after the last response, and stops sending', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    sim.blackholed.add('b');
    const cut = sim.now;
    expect(sim.run(() => a.agent.connectionState === 'disconnected', 20_000)).toBe(true);
    expect(sim.run(() => a.agent.connectionState === 'failed', 40_000)).toBe(true);
    expect(sim.now - cut).toBeLessThanOrEqual(30_000);
    expect(sim.now - cut).toBeGreaterThan(23_000);
    expect(a.agent.send(new Uint8Array([1]))).toBe(false);
    expect(a.states.slice(-2)).toEqual(['disconnected', 'failed']);
  });

  it('recovers from disconnected when packets return', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    sim.blackholed.add('b');
    expect(sim.run(() => a.agent.connectionState === 'disconnected', 20_000)).toBe(true);
    sim.blackholed.delete('b');
    expect(sim.run(() => connected(a) && connected(b), 20_000)).toBe(true);
    exchangeData(sim, a, b);
  });
});

describe('RFC 8445 9 ICE restart', () => {
  it('keeps the old pair carrying data until the new one is selected', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    const oldUfrag = a.agent.localUfrag;
    const selectedBefore = a.events.filter((e) => e.type === 'selected-pair').length;
    a.agent.restart(sim.now);
    b.agent.restart(sim.now);
    expect(a.agent.localUfrag).not.toBe(oldUfrag);
    // Until the new credentials arrive the old pair still carries data both ways.
    expect(a.agent.selectedPair).toBeDefined();
    expect(connected(a)).toBe(true);
    exchangeData(sim, a, b);
    a.received.length = 0;
    b.received.length = 0;
    sim.advance(2000);
    exchangeData(sim, a, b);
    // New offer/answer.
    a.agent.setRemoteCredentials(sim.now, b.agent.localUfrag, b.agent.localPassword);
    b.agent.setRemoteCredentials(sim.now, a.agent.localUfrag, a.agent.localPassword);
    for (const e of [...a.events]) if (e.type === 'candidate' && e.ufrag === a.agent.localUfrag) b.agent.addRemoteCandidate(sim.now, e.candidate);
    for (const e of [...b.events]) if (e.type === 'candidate' && e.ufrag === b.agent.localUfrag) a.agent.addRemoteCandidate(sim.now, e.candidate);
    expect(sim.run(() => a.events.filter((e) => e.type === 'selected-pair').length > selectedBefore, 10_000)).toBe(true);
    expect(a.states).not.toContain('disconnected');
    expect(a.states).not.toContain('failed');
    // The new generation's checks use the new ufrags.
    const last = a.sent.filter((s) => isStun(s.data) && decodeBinding(s.data).cls === 'request').at(-1);
    expect(last && decodeBinding(last.data).username).toBe(`${b.agent.localUfrag}:${a.agent.localUfrag}`);
    a.received.length = 0;
    b.received.length = 0;
    exchangeData(sim, a, b);
  });
});

describe('RFC 8445 9 restart by one side', () => {
  it('the peer sees new remote credentials, rechecks, and keeps the old pair meanwhile', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    const bUfrag = b.agent.localUfrag;
    a.agent.restart(sim.now);
    // New offer reaches b: new ufrag/password and a's candidates; b's answer keeps its own.
    b.agent.setRemoteCredentials(sim.now, a.agent.localUfrag, a.agent.localPassword);
    a.agent.setRemoteCredentials(sim.now, b.agent.localUfrag, b.agent.localPassword);
    expect(b.agent.localUfrag).toBe(bUfrag);
    exchangeData(sim, a, b);
    const before = b.events.filter((e) => e.type === 'selected-pair').length;
    for (const c of a.agent.localCandidates) b.agent.addRemoteCandidate(sim.now, c);
    for (const c of b.agent.localCandidates) a.agent.addRemoteCandidate(sim.now, c);
    expect(sim.run(() => b.events.filter((e) => e.type === 'selected-pair').length > before && connected(a), 10_000)).toBe(true);
    expect(b.states).not.toContain('failed');
    a.received.length = 0;
    b.received.length = 0;
    exchangeData(sim, a, b);
  });
});

describe('remote mDNS candidates', () => {
  it('asks the host to resolve .local names and uses the answer', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    a.agent.gather(0);
    b.agent.gather(0);
    sim.connect(a, b);
    const bHost = b.agent.localCandidates[0];
    if (!bHost) throw new Error('no host candidate');
    a.agent.addRemoteCandidate(0, { ...bHost, address: '1f4712db-ea17-4bcf-a596-105139dfd8bf.local' });
    for (let e = a.agent.pollEvent(); e; e = a.agent.pollEvent()) a.events.push(e);
    expect(a.events.some((e) => e.type === 'mdns-query' && e.name === '1f4712db-ea17-4bcf-a596-105139dfd8bf.local')).toBe(true);
    a.agent.resolveMdns(0, '1f4712db-ea17-4bcf-a596-105139dfd8bf.local', bHost.address);
    const aHost = a.agent.localCandidates[0];
    if (aHost) b.agent.addRemoteCandidate(0, aHost);
    expect(sim.run(bothConnected(a, b))).toBe(true);
    expect(a.agent.selectedPair?.remote.type).toBe('host');
  });

  it("drops them when told to; the peer's checks then arrive as peer-reflexive", () => {
    const sim = new Sim();
    const [a, b] = setup(sim, { mdns: 'drop' });
    a.agent.gather(0);
    b.agent.gather(0);
    sim.connect(a, b);
    const bHost = b.agent.localCandidates[0];
    const aHost = a.agent.localCandidates[0];
    if (!bHost || !aHost) throw new Error('no host candidate');
    a.agent.addRemoteCandidate(0, { ...bHost, address: 'abc.local' });
    b.agent.addRemoteCandidate(0, aHost);
    expect(sim.run(bothConnected(a, b))).toBe(true);
    expect(a.agent.selectedPair?.remote.type).toBe('prflx');
    expect(a.agent.stats.remoteCandidatesDropped).toBe(1);
  });
});

describe('bounds on remote input', () => {
  it('caps remote candidates and pairs', () => {
    const agent = new IceAgent({ random: seededRandom(2), maxRemoteCandidates: 50, maxPairs: 100 });
    agent.addHostBases(0, [{ address: '10.0.0.1', port: 1 }, { address: '10.0.0.2', port: 1 }, { address: '10.0.0.3', port: 1 }]);
    agent.gather(0);
    agent.setRemoteCredentials(0, 'u', 'p'.repeat(22));
    for (let i = 0; i < 1000; i++) {
      agent.addRemoteCandidate(0, { foundation: 'f', component: 1, transport: 'udp', priority: 1 + i, address: `10.8.${i >> 8}.${i & 255}`, port: 1000, type: 'host', extensions: [] });
    }
    expect(agent.remoteCandidates.length).toBe(50);
    expect(agent.checklist.length).toBeLessThanOrEqual(100);
    expect(agent.stats.remoteCandidatesDropped).toBe(950);
  });

  it('drops unauthenticated checks with 401 and unknown data silently', () => {
    const sim = new Sim();
    const [a, b] = setup(sim);
    start(sim, a, b);
    expect(sim.runSignaled(bothConnected(a, b))).toBe(true);
    a.agent.handleInput(sim.now, { local: { address: '10.0.0.1', port: 5000 }, remote: { address: '10.6.6.6', port: 1 }, data: new Uint8Array([0x17, 0xfe, 0xfd]) });
    expect(a.agent.stats.unknownDataDropped).toBe(1);
  });
});
