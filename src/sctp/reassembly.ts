/**
 * @module sctp/reassembly
 * The receive side of user messages, after TSN bookkeeping: reassembly of fragments
 * (RFC 9260 6.9: DATA fragments of one message carry consecutive TSNs from B to E;
 * RFC 8260 2.1: I-DATA fragments are keyed by stream, U bit, MID and FSN), ordered
 * delivery per stream by SSN or MID (RFC 9260 6.5, 6.6), and what FORWARD TSN /
 * I-FORWARD-TSN (RFC 3758 3.6, RFC 8260 2.3.1) and stream reset (RFC 6525 5.2.2) do to it.
 *
 * Everything held is counted in `heldBytes` (what a_rwnd is taken from) and `heldChunks`
 * (fragments plus complete messages waiting for an earlier one), so the association can
 * bound both.
 */
import { allocBytes } from '../crypto/cipher.js';
import type { ForwardTsnStream } from './chunk-forward-tsn.js';
import type { IDataChunk } from './chunk-idata.js';
import type { IForwardTsnEntry } from './chunk-iforward-tsn.js';

/** One received DATA fragment; `tsn` is unwrapped. */
export interface RecvChunk {
  readonly tsn: number;
  readonly streamId: number;
  readonly ssn: number;
  readonly ppid: number;
  readonly unordered: boolean;
  readonly begin: boolean;
  readonly end: boolean;
  readonly data: Uint8Array;
}

interface ReadyMessage {
  readonly ppid: number;
  readonly data: Uint8Array;
}

interface InStream {
  /** Next SSN (DATA) or MID (I-DATA) to deliver. */
  nextSsn: number;
  readonly ready: Map<number, ReadyMessage>;
}

/** I-DATA reassembly of one message: fragments by FSN. */
interface IPartial {
  readonly fragments: Map<number, Uint8Array>;
  ppid: number;
  /** FSN of the E fragment, or -1. */
  lastFsn: number;
  bytes: number;
}

export type DeliverFn = (streamId: number, ppid: number, data: Uint8Array, unordered: boolean) => void;

/** 16-bit serial comparison a <= b (RFC 9260 1.6). */
export function ssnLte(a: number, b: number): boolean {
  return ((b - a) & 0xffff) < 0x8000;
}

/** 32-bit serial comparison a <= b (RFC 8260 2.1, RFC 1982). */
export function midLte(a: number, b: number): boolean {
  return ((b - a) >>> 0) < 0x8000_0000;
}

export class ReassemblyQueue {
  heldBytes = 0;
  heldChunks = 0;
  private readonly pending = new Map<number, RecvChunk>();
  private readonly ipartials = new Map<number, Map<number, IPartial>>();
  private readonly inStreams = new Map<number, InStream>();
  private readonly maxMessageBytes: number;
  private readonly deliver: DeliverFn;

  constructor(maxMessageBytes: number, deliver: DeliverFn) {
    this.maxMessageBytes = maxMessageBytes;
    this.deliver = deliver;
  }

  clear(): void {
    this.pending.clear();
    this.ipartials.clear();
    this.inStreams.clear();
    this.heldBytes = 0;
    this.heldChunks = 0;
  }

  /** Streams that have received something (a reset with an empty list resets them all). */
  knownStreams(): number[] {
    return [...this.inStreams.keys()];
  }

  /**
   * Adds a DATA fragment. Returns an error text when the message would exceed our
   * limit (the association aborts), else undefined.
   */
  addData(rc: RecvChunk): string | undefined {
    this.heldBytes += rc.data.length;
    this.heldChunks++;
    if (rc.begin && rc.end) {
      this.complete(rc.streamId, rc.ppid, rc.unordered, rc.ssn, rc.data, false);
      return undefined;
    }
    this.pending.set(rc.tsn, rc);
    return this.tryReassemble(rc);
  }

  /** Finds the message around `c` if all its fragments are here (consecutive TSNs, B..E). */
  private tryReassemble(c: RecvChunk): string | undefined {
    let last = c;
    while (!last.end) {
      const next = this.pending.get(last.tsn + 1);
      if (!next || next.begin || next.streamId !== c.streamId || next.unordered !== c.unordered || (!c.unordered && next.ssn !== c.ssn)) return undefined;
      last = next;
    }
    let first = c;
    let bytes = c.data.length;
    while (!first.begin) {
      const prev = this.pending.get(first.tsn - 1);
      if (!prev || prev.end || prev.streamId !== c.streamId || prev.unordered !== c.unordered || (!c.unordered && prev.ssn !== c.ssn)) return undefined;
      first = prev;
      bytes += prev.data.length;
    }
    for (let t = c.tsn + 1; t <= last.tsn; t++) bytes += (this.pending.get(t) as RecvChunk).data.length;
    if (bytes > this.maxMessageBytes) return `message of ${bytes} bytes above our limit of ${this.maxMessageBytes}`;
    // Every byte is written below: no zero-filled allocation.
    const data = allocBytes(bytes);
    let at = 0;
    for (let t = first.tsn; t <= last.tsn; t++) {
      const f = this.pending.get(t) as RecvChunk;
      data.set(f.data, at);
      at += f.data.length;
      this.pending.delete(t);
      this.heldChunks--;
    }
    this.heldChunks++; // the assembled message, until delivered
    this.complete(first.streamId, first.ppid, first.unordered, first.ssn, data, false);
    return undefined;
  }

  /**
   * A whole message is here; `heldBytes`/`heldChunks` still count it. Delivers it now
   * (unordered, or next in order) or holds it until the ones before it arrive.
   */
  private complete(streamId: number, ppid: number, unordered: boolean, seq: number, data: Uint8Array, mid: boolean): void {
    if (unordered) {
      this.release(data.length, 1);
      this.deliver(streamId, ppid, data, true);
      return;
    }
    const s = this.inStream(streamId);
    if (seq === s.nextSsn) {
      this.release(data.length, 1);
      this.deliver(streamId, ppid, data, false);
      s.nextSsn = mid ? (s.nextSsn + 1) >>> 0 : (s.nextSsn + 1) & 0xffff;
      this.deliverReady(streamId, s, mid);
    } else if (mid ? midLte(s.nextSsn, seq) : ssnLte(s.nextSsn, seq)) {
      s.ready.set(seq, { ppid, data });
    } else {
      this.release(data.length, 1); // an old SSN/MID (skipped by a FORWARD TSN): drop
    }
  }

  private release(bytes: number, chunks: number): void {
    this.heldBytes -= bytes;
    this.heldChunks -= chunks;
  }

  private deliverReady(streamId: number, s: InStream, mid: boolean): void {
    for (;;) {
      const m = s.ready.get(s.nextSsn);
      if (!m) return;
      s.ready.delete(s.nextSsn);
      this.release(m.data.length, 1);
      this.deliver(streamId, m.ppid, m.data, false);
      s.nextSsn = mid ? (s.nextSsn + 1) >>> 0 : (s.nextSsn + 1) & 0xffff;
    }
  }

  private inStream(id: number): InStream {
    let s = this.inStreams.get(id);
    if (!s) {
      s = { nextSsn: 0, ready: new Map() };
      this.inStreams.set(id, s);
    }
    return s;
  }

  /** Adds an I-DATA fragment (RFC 8260 2.1). Returns an error text as `addData` does. */
  addIData(c: IDataChunk): string | undefined {
    const key = c.streamId * 2 + (c.unordered ? 1 : 0);
    if (!c.unordered) {
      const s = this.inStreams.get(c.streamId);
      if (s && !midLte(s.nextSsn, c.mid)) return undefined; // an old MID (skipped): drop
    }
    let byMid = this.ipartials.get(key);
    if (!byMid) {
      byMid = new Map();
      this.ipartials.set(key, byMid);
    }
    let m = byMid.get(c.mid);
    if (!m) {
      m = { fragments: new Map(), ppid: 0, lastFsn: -1, bytes: 0 };
      byMid.set(c.mid, m);
    }
    if (m.fragments.has(c.fsn)) return undefined; // the same fragment under another TSN: ignore
    m.fragments.set(c.fsn, c.userData);
    m.bytes += c.userData.length;
    this.heldBytes += c.userData.length;
    this.heldChunks++;
    if (c.beginning) m.ppid = c.ppid;
    if (c.ending) m.lastFsn = c.fsn;
    if (m.bytes > this.maxMessageBytes) return `message of more than ${this.maxMessageBytes} bytes (our limit)`;
    if (m.lastFsn < 0 || m.fragments.size !== m.lastFsn + 1) return undefined;
    byMid.delete(c.mid);
    if (byMid.size === 0) this.ipartials.delete(key);
    this.heldChunks -= m.fragments.size - 1; // the fragments become one message
    let data: Uint8Array;
    if (m.lastFsn === 0) data = m.fragments.get(0) as Uint8Array;
    else {
      data = allocBytes(m.bytes);
      let at = 0;
      for (let f = 0; f <= m.lastFsn; f++) {
        const part = m.fragments.get(f) as Uint8Array;
        data.set(part, at);
        at += part.length;
      }
    }
    this.complete(c.streamId, m.ppid, c.unordered, c.mid, data, true);
    return undefined;
  }

  /**
   * RFC 3758 3.6: drops DATA fragments at or below the new cumulative TSN (they belong
   * to abandoned messages, also when our cumulative TSN is already past it), then skips
   * the listed SSNs, delivering what becomes deliverable.
   */
  forwardTsn(newCum: number, streams: readonly ForwardTsnStream[], inboundStreams: number): void {
    for (const [tsn, rc] of this.pending) {
      if (tsn <= newCum) {
        this.pending.delete(tsn);
        this.release(rc.data.length, 1);
      }
    }
    for (const { streamId, ssn } of streams) {
      if (streamId >= inboundStreams) continue;
      const s = this.inStream(streamId);
      if (!ssnLte(s.nextSsn, ssn)) continue;
      // Deliver complete messages up to the skipped SSN, then continue after it.
      while (ssnLte(s.nextSsn, ssn)) {
        const m = s.ready.get(s.nextSsn);
        if (m) {
          s.ready.delete(s.nextSsn);
          this.release(m.data.length, 1);
          this.deliver(streamId, m.ppid, m.data, false);
        }
        if (s.nextSsn === ssn) {
          s.nextSsn = (ssn + 1) & 0xffff;
          break;
        }
        s.nextSsn = (s.nextSsn + 1) & 0xffff;
      }
      this.deliverReady(streamId, s, false);
    }
  }

  /** RFC 8260 2.3.1: drops partial messages up to each entry's MID and skips ordered MIDs. */
  iforwardTsn(entries: readonly IForwardTsnEntry[], inboundStreams: number): void {
    for (const e of entries) {
      const key = e.streamId * 2 + (e.unordered ? 1 : 0);
      const byMid = this.ipartials.get(key);
      if (byMid) {
        for (const [mid, m] of byMid) {
          if (midLte(mid, e.mid)) {
            byMid.delete(mid);
            this.release(m.bytes, m.fragments.size);
          }
        }
        if (byMid.size === 0) this.ipartials.delete(key);
      }
      if (e.unordered || e.streamId >= inboundStreams) continue;
      const s = this.inStream(e.streamId);
      if (!midLte(s.nextSsn, e.mid)) continue;
      for (const [mid, m] of s.ready) {
        if (midLte(mid, e.mid)) {
          s.ready.delete(mid);
          this.release(m.data.length, 1);
          this.deliver(e.streamId, m.ppid, m.data, false);
        }
      }
      s.nextSsn = (e.mid + 1) >>> 0;
      this.deliverReady(e.streamId, s, true);
    }
  }

  /** RFC 6525 5.2.2 / RFC 8260 2.3.2: the peer reset these streams; start them over. */
  resetStreams(ids: readonly number[]): void {
    for (const id of ids) {
      const s = this.inStreams.get(id);
      if (s) {
        for (const m of s.ready.values()) this.release(m.data.length, 1);
        this.inStreams.delete(id);
      }
      for (const key of [id * 2, id * 2 + 1]) {
        const byMid = this.ipartials.get(key);
        if (!byMid) continue;
        for (const m of byMid.values()) this.release(m.bytes, m.fragments.size);
        this.ipartials.delete(key);
      }
    }
  }
}
