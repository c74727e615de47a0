/**
 * An in-memory network on a virtual clock for ICE agents: hosts on LANs, NAT boxes
 * with the RFC 4787 behaviours (full cone = endpoint-independent mapping and
 * filtering; address-restricted = EI mapping, address-dependent filtering;
 * port-restricted = EI mapping, address-and-port-dependent filtering; symmetric =
 * address-and-port-dependent mapping and filtering), a STUN Binding server, a fake
 * TURN relay (relayed addresses with RFC 8656 permissions by peer IP), loss, and
 * blackholes. Time jumps to the next deadline (str0m `progress()`), with a step cap.
 */
import { IceAgent, type IceAgentOptions, type IceEvent, type TransportAddress } from '../../src/ice/index.js';
import { decodeBinding, encodeBinding, isStun } from '../../src/ice/stun-binding.js';
import { seededRandom } from '../../src/common/random.js';

export type NatType = 'full-cone' | 'address-restricted' | 'port-restricted' | 'symmetric';

const key = (a: TransportAddress): string => `${a.address}:${a.port}`;

export class Nat {
  readonly type: NatType;
  readonly publicIp: string;
  private nextPort = 40000;
  private readonly byKey = new Map<string, number>();
  private readonly byPort = new Map<number, { priv: TransportAddress; perms: Set<string> }>();
  constructor(type: NatType, publicIp: string) {
    this.type = type;
    this.publicIp = publicIp;
  }
  outbound(priv: TransportAddress, dst: TransportAddress): TransportAddress {
    const k = this.type === 'symmetric' ? `${key(priv)}>${key(dst)}` : key(priv);
    let port = this.byKey.get(k);
    if (port === undefined) {
      port = this.nextPort++;
      this.byKey.set(k, port);
      this.byPort.set(port, { priv, perms: new Set() });
    }
    const m = this.byPort.get(port);
    m?.perms.add(this.type === 'address-restricted' ? dst.address : key(dst));
    return { address: this.publicIp, port };
  }
  inbound(src: TransportAddress, port: number): TransportAddress | undefined {
    const m = this.byPort.get(port);
    if (!m) return undefined;
    if (this.type === 'full-cone') return m.priv;
    if (this.type === 'address-restricted') return m.perms.has(src.address) ? m.priv : undefined;
    return m.perms.has(key(src)) ? m.priv : undefined;
  }
}

export interface Endpoint {
  readonly name: string;
  readonly agent: IceAgent;
  readonly ip: string;
  /** Every address of the host (the first is `ip`); one base on port 5000 each. */
  readonly ips: readonly string[];
  readonly nat: Nat | undefined;
  readonly events: IceEvent[];
  readonly states: string[];
  readonly received: Uint8Array[];
  /** Times (ms) and bytes of every datagram this agent sent. */
  readonly sent: { at: number; to: TransportAddress; data: Uint8Array; relayed: boolean }[];
}

interface InFlight {
  at: number;
  seq: number;
  src: TransportAddress;
  dst: TransportAddress;
  data: Uint8Array;
}

export interface SimOptions {
  latencyMs?: number;
  lossRate?: number;
  seed?: number;
}

export class Sim {
  now = 0;
  private readonly latencyMs: number;
  lossRate: number;
  private readonly rng: ReturnType<typeof seededRandom>;
  readonly endpoints: Endpoint[] = [];
  private readonly stunServers = new Set<string>();
  private readonly relays = new Map<string, { owner: Endpoint; perms: Set<string> }>();
  private relayNextPort = 50000;
  private inflight: InFlight[] = [];
  private seq = 0;
  /** Names of endpoints whose traffic (both ways) is dropped. */
  readonly blackholed = new Set<string>();
  /** Addresses that neither send nor receive (a dead interface). */
  readonly deadIps = new Set<string>();
  /** STUN packets delivered to STUN servers. */
  stunServerHits = 0;

  constructor(o: SimOptions = {}) {
    this.latencyMs = o.latencyMs ?? 10;
    this.lossRate = o.lossRate ?? 0;
    this.rng = seededRandom(o.seed ?? 1);
  }

  addStunServer(addr: TransportAddress): void {
    this.stunServers.add(key(addr));
  }

  /** An agent on host `ip` (private when behind `nat`), one UDP base at `<ip>:5000` per address. */
  addAgent(name: string, ip: string | readonly string[], options: IceAgentOptions & { nat?: Nat; seed?: number } = {}): Endpoint {
    const agent = new IceAgent({ random: seededRandom(options.seed ?? this.endpoints.length + 100), ...options });
    const ips = typeof ip === 'string' ? [ip] : ip;
    const ep: Endpoint = { name, agent, ip: ips[0] ?? '', ips, nat: options.nat, events: [], states: [], received: [], sent: [] };
    this.endpoints.push(ep);
    agent.addHostBases(this.now, ips.map((address) => ({ address, port: 5000 })));
    return ep;
  }

  /** A fake TURN allocation for `ep` on relay host `relayIp`; returns the relayed address. */
  allocateRelay(ep: Endpoint, relayIp: string): TransportAddress {
    const relayed = { address: relayIp, port: this.relayNextPort++ };
    this.relays.set(key(relayed), { owner: ep, perms: new Set() });
    ep.agent.beginRelayGathering(key(relayed));
    ep.agent.addRelayedCandidate(this.now, key(relayed), { relayed, server: { address: relayIp, port: 3478 } });
    return relayed;
  }

  private ownerOfPrivate(ip: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.ips.includes(ip));
  }

  private send(src: TransportAddress, dst: TransportAddress, data: Uint8Array): void {
    if (this.lossRate > 0 && this.rng.float() < this.lossRate) return;
    this.inflight.push({ at: this.now + this.latencyMs, seq: this.seq++, src, dst, data });
  }

  private drain(ep: Endpoint): void {
    for (;;) {
      const t = ep.agent.pollTransmit();
      if (!t) break;
      ep.sent.push({ at: this.now, to: t.to, data: t.data, relayed: t.relayed });
      if (this.blackholed.has(ep.name) || this.deadIps.has(t.from.address) || this.deadIps.has(t.to.address)) continue;
      if (t.relayed) {
        const relay = this.relays.get(key(t.from));
        if (!relay) continue;
        relay.perms.add(t.to.address);
        this.send(t.from, t.to, t.data);
        continue;
      }
      let src = t.from;
      const peer = this.ownerOfPrivate(t.to.address);
      const sameLan = peer !== undefined && peer.nat === ep.nat;
      if (ep.nat && !sameLan) src = ep.nat.outbound(t.from, t.to);
      this.send(src, t.to, t.data);
    }
    for (;;) {
      const e = ep.agent.pollEvent();
      if (!e) break;
      ep.events.push(e);
      if (e.type === 'connection-state') ep.states.push(e.state);
      if (e.type === 'data') ep.received.push(e.data);
    }
  }

  private deliver(p: InFlight): void {
    const dstKey = key(p.dst);
    if (this.stunServers.has(dstKey)) {
      this.stunServerHits++;
      if (!isStun(p.data)) return;
      const req = decodeBinding(p.data);
      if (req.cls !== 'request') return;
      this.send(p.dst, p.src, encodeBinding({ cls: 'success', transactionId: req.transactionId, xorMappedAddress: p.src }));
      return;
    }
    const relay = this.relays.get(dstKey);
    if (relay) {
      if (!relay.perms.has(p.src.address) || this.blackholed.has(relay.owner.name)) return;
      relay.owner.agent.handleInput(this.now, { local: p.dst, remote: p.src, data: p.data });
      return;
    }
    let target = this.ownerOfPrivate(p.dst.address);
    let local = p.dst;
    if (target?.nat) {
      // A private address is reachable only from the same LAN.
      const fromLan = this.endpoints.some((e) => e.nat === target?.nat && e.ips.includes(p.src.address));
      if (!fromLan) return;
    }
    if (!target) {
      for (const e of this.endpoints) {
        if (e.nat && e.nat.publicIp === p.dst.address) {
          const priv = e.nat.inbound(p.src, p.dst.port);
          if (!priv) return;
          target = this.ownerOfPrivate(priv.address);
          local = priv;
          break;
        }
      }
    }
    if (!target || this.blackholed.has(target.name)) return;
    if (local.port !== 5000) return;
    target.agent.handleInput(this.now, { local, remote: p.src, data: p.data });
  }

  /** Runs until `until()` holds or `maxMs` of virtual time pass; returns whether `until` held. */
  run(until: () => boolean, maxMs = 60_000, maxSteps = 200_000): boolean {
    const end = this.now + maxMs;
    for (let step = 0; step < maxSteps; step++) {
      for (const ep of this.endpoints) this.drain(ep);
      if (until()) return true;
      let next = Infinity;
      for (const p of this.inflight) next = Math.min(next, p.at);
      for (const ep of this.endpoints) {
        const t = ep.agent.pollTimeout();
        if (t !== undefined) next = Math.min(next, t);
      }
      if (next === Infinity || next > end) {
        this.now = end;
        for (const ep of this.endpoints) this.drain(ep);
        return until();
      }
      this.now = Math.max(this.now, next);
      const due = this.inflight.filter((p) => p.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.inflight = this.inflight.filter((p) => p.at > this.now);
      for (const p of due) {
        this.deliver(p);
      }
      for (const ep of this.endpoints) {
        const t = ep.agent.pollTimeout();
        if (t !== undefined && t <= this.now) ep.agent.handleTimeout(this.now);
      }
    }
    throw new Error('step cap reached');
  }

  /** Runs for exactly `ms` of virtual time. */
  advance(ms: number): void {
    const end = this.now + ms;
    this.run(() => false, ms);
    this.now = end;
  }

  /** Exchanges credentials, and registers the pair for candidate forwarding by `pump()`. */
  connect(a: Endpoint, b: Endpoint): void {
    a.agent.setRemoteCredentials(this.now, b.agent.localUfrag, b.agent.localPassword, { lite: b.agent.isLite });
    b.agent.setRemoteCredentials(this.now, a.agent.localUfrag, a.agent.localPassword, { lite: a.agent.isLite });
    this.signal.push([a, b], [b, a]);
  }

  /** Pairs whose candidates are forwarded by `pump()`. */
  readonly signal: [Endpoint, Endpoint][] = [];
  private readonly forwarded = new Map<Endpoint, number>();

  /** Forwards newly gathered candidates (and end-of-candidates) along `signal`. */
  pump(): void {
    for (const [from, to] of this.signal) {
      const start = this.forwarded.get(from) ?? 0;
      for (let i = start; i < from.events.length; i++) {
        const e = from.events[i];
        if (e?.type === 'candidate' && e.ufrag === from.agent.localUfrag) to.agent.addRemoteCandidate(this.now, e.candidate);
        if (e?.type === 'end-of-candidates' && e.ufrag === from.agent.localUfrag) to.agent.endOfRemoteCandidates(this.now);
      }
    }
    for (const [from] of this.signal) this.forwarded.set(from, from.events.length);
  }

  /** `run` with `pump()` between steps (trickle ICE over an instant signaling channel). */
  runSignaled(until: () => boolean, maxMs = 60_000): boolean {
    return this.run(() => {
      this.pump();
      return until();
    }, maxMs);
  }
}

export function connected(ep: Endpoint): boolean {
  return ep.agent.connectionState === 'connected' || ep.agent.connectionState === 'completed';
}
