/**
 * @module rtp/nack
 * Loss recovery with generic NACK (RFC 4585 section 6.2.1, 3.5 timing) and RTX
 * (RFC 4588 sections 4 and 8), both sides, sans-IO:
 * - `NackGenerator` (receiver): notices sequence gaps, sends NACKs for the missing
 *   packets, repeats them once per round trip up to a retry limit, and asks for a key
 *   frame when too much is missing to recover.
 * - `RtpPacketHistory` (sender): keeps recently sent packets so NACKed ones can be
 *   retransmitted, in an RTX stream when one is negotiated.
 * Time is the caller's `nowMs`; nothing here reads a clock or sets a timer.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { RtpPacket } from './rtp-packet.js';
import type { RtcpNack } from './rtcp-nack.js';
import { rtxEncode } from './rtx.js';
import { SequenceNumberUnwrapper } from './unwrap.js';

/** Missing packets tracked at once; beyond this, recovery by NACK is hopeless (libwebrtc uses the same figure). */
export const NACK_MAX_MISSING = 1000;
/** How often one packet is NACKed before it is given up. */
export const NACK_MAX_RETRIES = 10;
/** Sequence numbers older than this (behind the newest) are no longer NACKed. */
export const NACK_MAX_AGE_PACKETS = 10_000;
/** Retry interval when no round-trip time is known (RFC 4585 3.5 leaves it to the receiver). */
export const NACK_DEFAULT_RTT_MS = 100;

export type NackGeneratorEvent = { readonly type: 'keyframeRequest'; readonly reason: 'too-many-missing' };

interface Missing {
  sendAtMs: number;
  retries: number;
}

export class NackGenerator {
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  /** Round-trip estimate used as the retry interval (set it from RTCP when known). */
  rttMs: number;
  private readonly unwrapper = new SequenceNumberUnwrapper();
  private newest: number | undefined;
  private readonly missing = new Map<number, Missing>();
  private readonly events: NackGeneratorEvent[] = [];
  /** The latest time the caller gave us. */
  private nowMs = 0;

  constructor(opts: { readonly senderSsrc: number; readonly mediaSsrc: number; readonly rttMs?: number }) {
    this.senderSsrc = opts.senderSsrc >>> 0;
    this.mediaSsrc = opts.mediaSsrc >>> 0;
    this.rttMs = opts.rttMs ?? NACK_DEFAULT_RTT_MS;
  }

  /** Sequence numbers (16-bit) currently awaited. */
  get missingCount(): number {
    return this.missing.size;
  }

  /** Account an arriving media (or recovered RTX) packet. */
  handlePacket(nowMs: number, sequenceNumber: number): void {
    this.nowMs = Math.max(this.nowMs, nowMs);
    const ext = this.unwrapper.unwrap(sequenceNumber);
    if (this.newest === undefined) {
      this.newest = ext;
      return;
    }
    if (ext <= this.newest) {
      this.missing.delete(ext);
      return;
    }
    const gap = ext - this.newest - 1;
    if (this.missing.size + gap > NACK_MAX_MISSING) {
      this.missing.clear();
      // One pending request is enough: the queue stays bounded if the caller polls late.
      if (this.events.length === 0) this.events.push({ type: 'keyframeRequest', reason: 'too-many-missing' });
    } else {
      for (let s = this.newest + 1; s < ext; s++) this.missing.set(s, { sendAtMs: nowMs, retries: 0 });
    }
    this.newest = ext;
    for (const s of this.missing.keys()) {
      if (s >= ext - NACK_MAX_AGE_PACKETS) break; // insertion order is ascending
      this.missing.delete(s);
    }
  }

  /** The next time a NACK is due, if any. */
  pollTimeout(): number | undefined {
    let t: number | undefined;
    for (const m of this.missing.values()) if (t === undefined || m.sendAtMs < t) t = m.sendAtMs;
    return t;
  }

  /** Advance time (call when `pollTimeout()` has passed); due NACKs then come out of `pollTransmit`. */
  handleTimeout(nowMs: number): void {
    this.nowMs = Math.max(this.nowMs, nowMs);
  }

  /** A NACK for every missing packet whose time has come, or undefined. Each is retried after `rttMs`, `NACK_MAX_RETRIES` times in all. */
  pollTransmit(): RtcpNack | undefined {
    const now = this.nowMs;
    const lost: number[] = [];
    for (const [s, m] of this.missing) {
      if (m.sendAtMs > now) continue;
      lost.push(s & 0xffff);
      m.retries++;
      if (m.retries >= NACK_MAX_RETRIES) this.missing.delete(s);
      else m.sendAtMs = now + this.rttMs;
    }
    return lost.length === 0 ? undefined : { type: 'nack', senderSsrc: this.senderSsrc, mediaSsrc: this.mediaSsrc, lost };
  }

  pollEvent(): NackGeneratorEvent | undefined {
    return this.events.shift();
  }
}

/** Packets kept for retransmission by default (about 2 s of 1 Mbit/s video in 1200-byte packets). */
export const RTP_HISTORY_DEFAULT_PACKETS = 256;
/** Hard bound on the history size. */
export const RTP_HISTORY_MAX_PACKETS = 8192;

/** Sender side: recent packets by sequence number, answering NACKs (RFC 4588 8.3: one retransmission per request). */
export class RtpPacketHistory {
  readonly capacity: number;
  private readonly packets = new Map<number, RtpPacket>();
  private rtxSequence: number;

  /** `rtxFirstSequence`: the RTX stream's first sequence number (RFC 3550 5.1: random). */
  constructor(opts: { readonly capacity?: number; readonly rtxFirstSequence?: number } = {}) {
    const capacity = opts.capacity ?? RTP_HISTORY_DEFAULT_PACKETS;
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= RTP_HISTORY_MAX_PACKETS)) {
      throw new InvalidArgumentError(`history capacity must be 1-${RTP_HISTORY_MAX_PACKETS}`);
    }
    this.capacity = capacity;
    this.rtxSequence = (opts.rtxFirstSequence ?? 0) & 0xffff;
  }

  get size(): number {
    return this.packets.size;
  }

  /** Keep a sent packet (its payload must not be reused by the caller afterwards). */
  store(packet: RtpPacket): void {
    this.packets.delete(packet.sequenceNumber);
    this.packets.set(packet.sequenceNumber, packet);
    if (this.packets.size > this.capacity) {
      const oldest = this.packets.keys().next().value as number;
      this.packets.delete(oldest);
    }
  }

  get(sequenceNumber: number): RtpPacket | undefined {
    return this.packets.get(sequenceNumber & 0xffff);
  }

  /**
   * The retransmissions a NACK asks for, in its order: as they were sent (no RTX), or
   * wrapped for the RTX stream. Packets no longer held are skipped.
   */
  retransmissions(nack: RtcpNack, rtx?: { readonly payloadType: number; readonly ssrc: number }): RtpPacket[] {
    const out: RtpPacket[] = [];
    for (const s of nack.lost) {
      const p = this.packets.get(s & 0xffff);
      if (p === undefined || p.ssrc !== nack.mediaSsrc) continue;
      if (rtx === undefined) out.push(p);
      else {
        out.push(rtxEncode(p, { payloadType: rtx.payloadType, ssrc: rtx.ssrc, sequenceNumber: this.rtxSequence }));
        this.rtxSequence = (this.rtxSequence + 1) & 0xffff;
      }
    }
    return out;
  }
}
