/**
 * Two sans-IO PeerConnections over an in-memory link on a virtual clock: datagrams are
 * delivered after a fixed delay, time jumps to the next deadline, with a step cap
 * (str0m tests/common.rs progress(), quinn tests/util.rs Pair).
 */
import { seededRandom } from '../../src/common/random.js';
import { generateCertificate } from '../../src/crypto/x509.js';
import { PeerConnection } from '../../src/peer/peer-connection.js';
import type { PeerConnectionOptions, PeerEvent } from '../../src/peer/peer-connection.js';

export interface Endpoint {
  readonly pc: PeerConnection;
  readonly address: { address: string; port: number };
  readonly events: PeerEvent[];
}

interface InFlight {
  readonly at: number;
  readonly to: { address: string; port: number };
  readonly from: { address: string; port: number };
  readonly data: Uint8Array;
}

export function makePeer(seed: number, address: string, port: number, options: Partial<PeerConnectionOptions> = {}): Endpoint {
  const random = seededRandom(seed);
  const certificate = generateCertificate({ notBefore: new Date(Date.UTC(2026, 0, 1)), rng: random });
  const pc = new PeerConnection({ certificate, random, ...options });
  pc.addHostBases(0, [{ address, port }]);
  return { pc, address: { address, port }, events: [] };
}

export class PeerPair {
  now = 0;
  readonly a: Endpoint;
  readonly b: Endpoint;
  private wire: InFlight[] = [];
  /** Trickle candidates automatically (else tests pass them by hand). */
  trickle = true;
  delayMs = 5;
  /** Drops datagrams for which it returns true. */
  drop: (d: { from: string; to: string; data: Uint8Array }) => boolean = () => false;

  constructor(seed = 1, o: { a?: Partial<PeerConnectionOptions>; b?: Partial<PeerConnectionOptions> } = {}) {
    this.a = makePeer(seed * 2 + 1, '10.0.0.1', 10001, o.a);
    this.b = makePeer(seed * 2 + 2, '10.0.0.2', 10002, o.b);
  }

  private endpointAt(addr: { address: string; port: number }): Endpoint | undefined {
    for (const e of [this.a, this.b]) if (e.address.address === addr.address && e.address.port === addr.port) return e;
    return undefined;
  }

  private settle(): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let moved = false;
      for (const [me, other] of [[this.a, this.b], [this.b, this.a]] as const) {
        for (let t = me.pc.pollTransmit(); t; t = me.pc.pollTransmit()) {
          moved = true;
          if (!this.drop({ from: `${t.from.address}:${t.from.port}`, to: `${t.to.address}:${t.to.port}`, data: t.data })) {
            this.wire.push({ at: this.now + this.delayMs, to: t.to, from: t.from, data: t.data.slice() });
          }
        }
        for (let e = me.pc.pollEvent(); e; e = me.pc.pollEvent()) {
          moved = true;
          me.events.push(e);
          if (this.trickle && e.type === 'icecandidate' && (other.pc.remoteDescription !== undefined)) {
            other.pc.addIceCandidate(this.now, e.candidate ?? { candidate: '' });
          }
        }
        const t = me.pc.pollTimeout();
        if (t !== undefined && t <= this.now) {
          me.pc.handleTimeout(this.now);
          moved = true;
        }
      }
      const due = this.wire.filter((d) => d.at <= this.now);
      this.wire = this.wire.filter((d) => d.at > this.now);
      for (const d of due) {
        moved = true;
        this.endpointAt(d.to)?.pc.handleInput(this.now, { local: d.to, remote: d.from, data: d.data });
      }
      if (!moved) return;
    }
    throw new Error('settle did not converge');
  }

  /** Runs until `done()` or the step cap; time jumps to the next deadline. */
  run(done: () => boolean, maxSteps = 200_000): void {
    this.settle();
    for (let steps = 0; !done(); steps++) {
      if (steps > maxSteps) throw new Error(`step cap ${maxSteps} reached`);
      const ds = [this.a.pc.pollTimeout(), this.b.pc.pollTimeout(), ...this.wire.map((d) => d.at)].filter((d): d is number => d !== undefined);
      if (ds.length === 0) return;
      this.now = Math.max(this.now, Math.min(...ds));
      this.settle();
    }
  }

  /** Offer from `from`, answer from the other; candidates already in the descriptions are trickled after. */
  negotiate(from: 'a' | 'b' = 'a'): void {
    const [o, r] = from === 'a' ? [this.a, this.b] : [this.b, this.a];
    const offer = o.pc.createOffer(this.now);
    o.pc.setLocalDescription(this.now, offer);
    r.pc.setRemoteDescription(this.now, o.pc.localDescription ?? offer);
    const answer = r.pc.createAnswer(this.now);
    r.pc.setLocalDescription(this.now, answer);
    o.pc.setRemoteDescription(this.now, r.pc.localDescription ?? answer);
    this.settle();
  }

  messages(e: Endpoint, key?: number): (string | Uint8Array)[] {
    return e.events.flatMap((x) => (x.type === 'channel-message' && (key === undefined || x.key === key) ? [x.data] : []));
  }
}
