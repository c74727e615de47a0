/**
 * Two sans-IO PeerConnections over an in-memory link on a virtual clock: datagrams are
 * delivered after a fixed delay, time jumps to the next deadline, with a step cap
 * (str0m tests/common.rs progress(), quinn tests/util.rs Pair).
 */
import { seededRandom } from '../../src/common/random.js';
import { generateCertificate } from '../../src/crypto/x509.js';
import { PeerConnection } from '../../src/peer/peer-connection.js';
import type { PeerConnectionOptions, PeerEvent } from '../../src/peer/peer-connection.js';
import type { EncodedFrame } from '../../src/media/frame.js';
import type { Direction } from '../../src/sdp/index.js';

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

  constructor(seed = 1, o: { a?: Partial<PeerConnectionOptions>; b?: Partial<PeerConnectionOptions>; addresses?: readonly [string, string] } = {}) {
    this.a = makePeer(seed * 2 + 1, o.addresses?.[0] ?? '10.0.0.1', 10001, o.a);
    this.b = makePeer(seed * 2 + 2, o.addresses?.[1] ?? '10.0.0.2', 10002, o.b);
  }

  /** The endpoint at `addr` (by IP: a peer may bind more ports, see 'transport-bases'). */
  private endpointAt(addr: { address: string; port: number }): Endpoint | undefined {
    for (const e of [this.a, this.b]) if (e.address.address === addr.address) return e;
    return undefined;
  }
  /** Next port handed out for a transport's own bases ('transport-bases' events). */
  private nextPort = 20000;

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
          // transportBases 'own': bind the transport a port of its own on the peer's address.
          if (e.type === 'transport-bases') me.pc.addHostBases(this.now, [{ address: me.address.address, port: this.nextPort++ }], e.transportId);
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

// ---------------------------------------------------------------- media helpers

export function connected(p: PeerPair): boolean {
  return p.a.pc.connectionState === 'connected' && p.b.pc.connectionState === 'connected';
}

/** Runs the pair for `ms` of virtual time. */
export function advance(p: PeerPair, ms: number): void {
  const until = p.now + ms;
  p.run(() => p.now >= until);
}

/**
 * Offer from `from`, answer from the other. With `answerer`, every live RTP transceiver of
 * the answerer gets that direction and a track `<side>-<kind>` in `streams` before it answers.
 * `editOffer` may rewrite the offer text the answerer receives.
 */
export function negotiateMedia(
  p: PeerPair,
  from: 'a' | 'b' = 'a',
  o: { readonly b?: { readonly direction: Direction; readonly streams: readonly string[] }; readonly editOffer?: (sdp: string) => string } = {},
): void {
  const [off, ans] = from === 'a' ? [p.a, p.b] : [p.b, p.a];
  const offer = off.pc.createOffer(p.now);
  off.pc.setLocalDescription(p.now, offer);
  const text = off.pc.localDescription?.sdp ?? offer.sdp;
  ans.pc.setRemoteDescription(p.now, { type: 'offer', sdp: o.editOffer ? o.editOffer(text) : text });
  if (o.b) {
    const side = ans === p.a ? 'a' : 'b';
    for (const t of ans.pc.transceivers) {
      if (t.kind === 'application' || t.stopped) continue;
      ans.pc.setTransceiverDirection(p.now, t.mid, o.b.direction);
      ans.pc.setSendTrack(p.now, t.mid, { trackId: `${side}-${t.kind}`, streamIds: o.b.streams });
    }
  }
  const answer = ans.pc.createAnswer(p.now);
  ans.pc.setLocalDescription(p.now, answer);
  off.pc.setRemoteDescription(p.now, ans.pc.localDescription ?? answer);
  p.run(() => true);
}

/** The frames `e` received on `mid`, in order. */
export function framesOn(e: Endpoint, mid: string): EncodedFrame[] {
  return e.events.flatMap((x) => (x.type === 'frame' && x.mid === mid ? [x.frame] : []));
}

/**
 * A VP8 frame whose payload header marks it key or delta (RFC 7741 4.3: P bit, bit 0 of
 * the first byte, 0 for a key frame); byte 1 carries `n`, the rest is filler.
 */
export function vp8Frame(n: number, keyframe: boolean, sizeBytes: number): EncodedFrame {
  const data = new Uint8Array(Math.max(sizeBytes, 10));
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + n * 7) & 0xff;
  data[0] = keyframe ? 0x10 : 0x11;
  data[1] = n & 0xff;
  if (keyframe) data.set([0x9d, 0x01, 0x2a], 3);
  return { data, timestamp: (n * 3000) >>> 0, keyframe };
}

/** A 20 ms Opus packet (RFC 6716 3.1 TOC 0xfc: CELT fullband 20 ms, one frame) numbered `n`. */
export function opusFrame(n: number): EncodedFrame {
  const data = new Uint8Array(60);
  data[0] = 0xfc;
  for (let i = 1; i < data.length; i++) data[i] = (i + n * 13) & 0xff;
  data[1] = n & 0xff;
  return { data, timestamp: (n * 960) >>> 0, keyframe: true };
}
