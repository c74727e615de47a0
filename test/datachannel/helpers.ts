/** Two data channel managers over SCTP associations over an in-memory link, virtual clock. */
import { seededRandom } from '../../src/common/random.js';
import type { DataChannelEvent, DataChannelManagerOptions } from '../../src/datachannel/manager.js';
import { DataChannelManager } from '../../src/datachannel/manager.js';
import type { SctpAssociationOptions } from '../../src/sctp/association.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import type { LinkOptions } from '../sctp/helpers.js';
import { Link } from '../sctp/helpers.js';

export class DcPair {
  readonly a: DataChannelManager;
  readonly b: DataChannelManager;
  readonly ab: Link;
  readonly ba: Link;
  now = 0;
  readonly eventsA: DataChannelEvent[] = [];
  readonly eventsB: DataChannelEvent[] = [];

  constructor(o: { a?: Partial<DataChannelManagerOptions>; b?: Partial<DataChannelManagerOptions>; sa?: SctpAssociationOptions; sb?: SctpAssociationOptions; link?: LinkOptions; seed?: number } = {}) {
    const seed = o.seed ?? 1;
    this.a = new DataChannelManager(new SctpAssociation({ rng: seededRandom(seed * 5 + 1), rtoMinMs: 200, ...o.sa }), { dtlsRole: 'client', remoteMaxMessageSize: 262144, ...o.a });
    this.b = new DataChannelManager(new SctpAssociation({ rng: seededRandom(seed * 5 + 2), rtoMinMs: 200, ...o.sb }), { dtlsRole: 'server', remoteMaxMessageSize: 262144, ...o.b });
    this.ab = new Link(o.link ?? { delayMs: 5 }, seed * 5 + 3);
    this.ba = new Link(o.link ?? { delayMs: 5 }, seed * 5 + 4);
  }

  private settle(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let progressed = false;
      for (let p = this.a.pollTransmit(); p; p = this.a.pollTransmit()) {
        this.ab.send(this.now, p);
        progressed = true;
      }
      for (let p = this.b.pollTransmit(); p; p = this.b.pollTransmit()) {
        this.ba.send(this.now, p);
        progressed = true;
      }
      for (let e = this.a.pollEvent(); e; e = this.a.pollEvent()) {
        this.eventsA.push(e);
        progressed = true;
      }
      for (let e = this.b.pollEvent(); e; e = this.b.pollEvent()) {
        this.eventsB.push(e);
        progressed = true;
      }
      const x = this.ab.popDue(this.now);
      if (x) {
        this.b.handleInput(this.now, x);
        progressed = true;
      }
      const y = this.ba.popDue(this.now);
      if (y) {
        this.a.handleInput(this.now, y);
        progressed = true;
      }
      const ta = this.a.pollTimeout();
      if (ta !== undefined && ta <= this.now) {
        this.a.handleTimeout(this.now);
        progressed = true;
      }
      const tb = this.b.pollTimeout();
      if (tb !== undefined && tb <= this.now) {
        this.b.handleTimeout(this.now);
        progressed = true;
      }
      if (!progressed) return;
    }
    throw new Error('settle did not converge');
  }

  run(done: () => boolean, maxSteps = 1_000_000): void {
    this.settle();
    let steps = 0;
    while (!done()) {
      if (++steps > maxSteps) throw new Error(`step cap ${maxSteps} reached`);
      const ds = [this.ab.next(), this.ba.next(), this.a.pollTimeout(), this.b.pollTimeout()].filter((d): d is number => d !== undefined);
      if (ds.length === 0) return;
      this.now = Math.max(this.now, Math.min(...ds));
      this.settle();
    }
  }

  connect(): void {
    this.a.connect(this.now);
    this.run(() => this.a.association.state === 'established' && this.b.association.state === 'established', 10_000);
  }

  messages(side: 'a' | 'b', id?: number): (string | Uint8Array)[] {
    return (side === 'a' ? this.eventsA : this.eventsB).filter((e): e is Extract<DataChannelEvent, { type: 'message' }> => e.type === 'message' && (id === undefined || e.id === id)).map((e) => e.data);
  }
}
