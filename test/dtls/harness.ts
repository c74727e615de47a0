/**
 * Test helpers: certificates, and two sans-IO endpoints over an in-memory link on a
 * virtual clock (str0m tests/common.rs progress() style), with seeded loss,
 * duplication and reordering.
 */
import { seededRandom } from '../../src/common/random.js';
import { generateCertificate, certificateFingerprint } from '../../src/crypto/x509.js';
import type { Certificate } from '../../src/crypto/x509.js';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import type { DtlsEndpointOptions, DtlsEvent } from '../../src/dtls/endpoint.js';

export function testCertificate(seed: number): Certificate {
  return generateCertificate({ notBefore: new Date(Date.UTC(2026, 0, 1)), rng: seededRandom(seed), commonName: `test-${seed}`, validityMs: 3650 * 24 * 3600 * 1000 });
}

export interface LinkConditions {
  readonly loss?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  /** One-way delay in ms (default 10). */
  readonly delayMs?: number;
  readonly seed?: number;
}

interface InFlight {
  at: number;
  order: number;
  to: 0 | 1;
  data: Uint8Array;
}

export class Pair {
  readonly client: DtlsEndpoint;
  readonly server: DtlsEndpoint;
  readonly events: [DtlsEvent[], DtlsEvent[]] = [[], []];
  now = 0;
  private readonly queue: InFlight[] = [];
  private readonly rng: ReturnType<typeof seededRandom>;
  private readonly cond: LinkConditions;
  private order = 0;
  delivered = 0;
  /** Hook to drop or inspect datagrams: return false to drop. */
  filter: ((from: 0 | 1, data: Uint8Array) => boolean) | undefined;

  constructor(
    clientOpts: Partial<DtlsEndpointOptions> = {},
    serverOpts: Partial<DtlsEndpointOptions> = {},
    cond: LinkConditions = {},
  ) {
    const cc = testCertificate(1);
    const sc = testCertificate(2);
    this.client = new DtlsEndpoint({
      role: 'client',
      certificate: cc,
      remoteFingerprints: [certificateFingerprint(sc.der)],
      rng: seededRandom(11),
      ...clientOpts,
    });
    this.server = new DtlsEndpoint({
      role: 'server',
      certificate: sc,
      remoteFingerprints: [certificateFingerprint(cc.der)],
      rng: seededRandom(12),
      ...serverOpts,
    });
    this.cond = cond;
    this.rng = seededRandom(cond.seed ?? 1);
  }

  endpoint(i: 0 | 1): DtlsEndpoint {
    return i === 0 ? this.client : this.server;
  }

  /** Drains outputs of both endpoints into the link. */
  drain(): void {
    for (const i of [0, 1] as const) {
      const ep = this.endpoint(i);
      for (let d = ep.pollTransmit(); d; d = ep.pollTransmit()) {
        if (this.filter && !this.filter(i, d)) continue;
        if (this.rng.float() < (this.cond.loss ?? 0)) continue;
        const copies = this.rng.float() < (this.cond.duplicate ?? 0) ? 2 : 1;
        for (let c = 0; c < copies; c++) {
          let at = this.now + (this.cond.delayMs ?? 10);
          if (this.rng.float() < (this.cond.reorder ?? 0)) at += Math.floor(this.rng.float() * 50);
          this.queue.push({ at, order: this.order++, to: i === 0 ? 1 : 0, data: d.slice() });
        }
      }
      for (let e = ep.pollEvent(); e; e = ep.pollEvent()) this.events[i].push(e);
    }
  }

  /** Advances to the next event (delivery or timer). Returns false when nothing is left. */
  step(): boolean {
    this.drain();
    const timers = [this.client.pollTimeout(), this.server.pollTimeout()];
    let next = Infinity;
    for (const t of timers) if (t !== undefined && t < next) next = t;
    this.queue.sort((a, b) => a.at - b.at || a.order - b.order);
    const head = this.queue[0];
    if (head && head.at <= next) {
      this.queue.shift();
      this.now = Math.max(this.now, head.at);
      this.delivered++;
      this.endpoint(head.to).handleInput(this.now, head.data);
    } else if (next !== Infinity) {
      this.now = Math.max(this.now, next);
      this.client.handleTimeout(this.now);
      this.server.handleTimeout(this.now);
    } else return false;
    this.drain();
    return true;
  }

  start(): void {
    this.server.start(this.now);
    this.client.start(this.now);
    this.drain();
  }

  /** Runs until `done()` or no progress, with a step cap. */
  runUntil(done: () => boolean, maxSteps = 10_000): boolean {
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return true;
      if (!this.step()) return done();
    }
    return done();
  }

  connected(): boolean {
    return this.client.state === 'connected' && this.server.state === 'connected';
  }
}
