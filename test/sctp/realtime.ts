/**
 * Drives a sans-IO core on the real clock, for interop with stacks that use real timers
 * (werift). Only used by interop tests; the protocol cores stay clock-free.
 */
import type { SansIoCore as SansIo } from '../support/sansio-pair.js';

export class RealTimeDriver<E> {
  private readonly t0 = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  readonly core: SansIo<E>;
  private readonly out: (pkt: Uint8Array) => void;
  private readonly onEvent: (e: E) => void;

  constructor(core: SansIo<E>, out: (pkt: Uint8Array) => void, onEvent: (e: E) => void) {
    this.core = core;
    this.out = out;
    this.onEvent = onEvent;
  }
  now(): number {
    return performance.now() - this.t0;
  }
  input(data: Uint8Array): void {
    if (this.closed) return;
    this.core.handleInput(this.now(), data);
    this.pump();
  }
  pump(): void {
    if (this.closed) return;
    for (let p = this.core.pollTransmit(); p; p = this.core.pollTransmit()) this.out(p);
    for (let e = this.core.pollEvent(); e; e = this.core.pollEvent()) this.onEvent(e);
    for (let p = this.core.pollTransmit(); p; p = this.core.pollTransmit()) this.out(p);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.core.pollTimeout();
    if (at !== undefined && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.core.handleTimeout(this.now());
        this.pump();
      }, Math.max(0, at - this.now()));
    }
  }
  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
