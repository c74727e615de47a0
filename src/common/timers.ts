/**
 * @module common/timers
 * A timer table in the style of quinn-proto's `connection/timer.rs`: one deadline per
 * named timer, `next()` gives the earliest. Protocol cores keep one of these and return
 * `next()` from `pollTimeout()`; they never call `setTimeout` themselves.
 */

export class TimerTable<K extends string> {
  private readonly deadlines = new Map<K, number>();

  /** Arms (or re-arms) `timer` to fire at absolute time `at` (ms). */
  set(timer: K, at: number): void {
    this.deadlines.set(timer, at);
  }

  clear(timer: K): void {
    this.deadlines.delete(timer);
  }

  clearAll(): void {
    this.deadlines.clear();
  }

  get(timer: K): number | undefined {
    return this.deadlines.get(timer);
  }

  isSet(timer: K): boolean {
    return this.deadlines.has(timer);
  }

  /** The earliest deadline, or undefined when nothing is armed. */
  next(): number | undefined {
    let best: number | undefined;
    for (const at of this.deadlines.values()) if (best === undefined || at < best) best = at;
    return best;
  }

  /** Timers whose deadline is at or before `now`, earliest first; they are cleared. */
  expired(now: number): K[] {
    const due: [K, number][] = [];
    for (const [k, at] of this.deadlines) if (at <= now) due.push([k, at]);
    due.sort((a, b) => a[1] - b[1]);
    for (const [k] of due) this.deadlines.delete(k);
    return due.map(([k]) => k);
  }
}
