/**
 * Two sans-IO cores joined by two in-memory links on a virtual clock, in the style of
 * str0m's `tests/common.rs::progress()`: drain transmits and events, deliver due
 * packets, fire due timers, then jump the clock to the next deadline, with a step cap.
 * The SCTP and data-channel tests both drive their pairs with this.
 */

/** The verbs every sans-IO core here shares (../shared/ARCHITECTURE.md). */
export interface SansIoCore<E> {
  handleInput(now: number, data: Uint8Array): void;
  handleTimeout(now: number): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): E | undefined;
  pollTimeout(): number | undefined;
}

/** A one-way link: `send` at a time, `popDue` what has arrived by `now`, `next` deadline. */
export interface VirtualLink {
  send(now: number, data: Uint8Array): void;
  popDue(now: number): Uint8Array | undefined;
  next(): number | undefined;
}

export class SansIoPair<E, C extends SansIoCore<E>, L extends VirtualLink = VirtualLink> {
  readonly a: C;
  readonly b: C;
  readonly ab: L;
  readonly ba: L;
  now = 0;
  /** Clock jumps taken over all runs. */
  steps = 0;
  readonly eventsA: E[] = [];
  readonly eventsB: E[] = [];
  /** Called with every event as it is polled. */
  onEvent: ((side: 'a' | 'b', e: E) => void) | undefined;

  constructor(a: C, b: C, ab: L, ba: L) {
    this.a = a;
    this.b = b;
    this.ab = ab;
    this.ba = ba;
  }

  /** Drains transmits and events, delivers due packets and fires due timers, at `now`. */
  protected settle(): void {
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
      this.drainEvents();
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

  drainEvents(): void {
    for (let e = this.a.pollEvent(); e; e = this.a.pollEvent()) {
      this.eventsA.push(e);
      this.onEvent?.('a', e);
    }
    for (let e = this.b.pollEvent(); e; e = this.b.pollEvent()) {
      this.eventsB.push(e);
      this.onEvent?.('b', e);
    }
  }

  /** Runs until `done()` or no deadline is left, jumping the clock; `maxSteps` caps this run. */
  run(done: () => boolean, maxSteps = 1_000_000, maxTimeMs = Infinity): void {
    this.settle();
    let steps = 0;
    while (!done()) {
      if (++steps > maxSteps) throw new Error(`step cap ${maxSteps} reached at t=${this.now}`);
      this.steps++;
      const ds = [this.ab.next(), this.ba.next(), this.a.pollTimeout(), this.b.pollTimeout()].filter((d): d is number => d !== undefined);
      if (ds.length === 0) return;
      const next = Math.max(this.now, Math.min(...ds));
      if (next > maxTimeMs) return;
      this.now = next;
      this.settle();
    }
  }

  /** Runs for `ms` of virtual time. */
  runFor(ms: number, maxSteps = 1_000_000): void {
    const end = this.now + ms;
    this.run(() => this.now >= end, maxSteps, end);
    if (this.now < end) this.now = end;
    this.settle();
  }
}
