/**
 * @module peer/media-router
 * Which m= section an incoming RTP packet belongs to when every section shares one
 * BUNDLE transport (RFC 8843 section 9.2, JSEP RFC 8829 section 5.1.1's demux rules,
 * W3C webrtc-pc "RTP demux"):
 *
 * 1. The MID header extension (RFC 8843 section 15, urn:ietf:params:rtp-hdrext:sdes:mid,
 *    with the id negotiated for it): a MID not in the table drops the packet; a known
 *    one (re)binds the SSRC to that section ("update the MID associated with the RTP
 *    stream ... and then update the mapping tables").
 * 2. The SSRC table: SSRCs the remote description declares (a=ssrc, and the RTX SSRC of
 *    a=ssrc-group:FID, RFC 5576 section 4.2) and SSRCs learned by rules 1 and 3. The
 *    payload type must be one of the section's, else the packet is dropped.
 * 3. The payload type, when exactly one receiving section has it ("If any payload type
 *    is configured for receiving in more than one m= section ... do not include it").
 *    The SSRC is then bound to that section and does not move when its payload type
 *    changes.
 *
 * Chrome's RtpDemuxer and Pion follow the same precedence (MID, then SSRC, then payload
 * type). Learned SSRCs are bounded (MAX_LEARNED_SSRCS, oldest forgotten first).
 */
import { getRtpExtension } from '../rtp/rtp-packet.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';

/** Learned SSRC bindings kept at once; a peer that cycles SSRCs cannot grow the table past it. */
export const MAX_LEARNED_SSRCS = 1024;
/** RFC 8843 section 15 / RFC 7941: a MID is an SDES item, at most 255 bytes (an RFC 8285 two-byte element). */
const MAX_MID_BYTES = 255;

/** One receiving m= section as the router sees it. */
export interface RouteSection {
  readonly mid: string;
  /** Payload types negotiated for the section (media and RTX). */
  readonly payloadTypes: readonly number[];
  /** SSRCs the remote description declares for the section (media and RTX). */
  readonly remoteSsrcs: readonly number[];
  /** The id negotiated for the MID header extension in this section, if any. */
  readonly midExtensionId: number | undefined;
}

export type RouteReason = 'mid' | 'ssrc' | 'payload-type';

export interface RouterCounters {
  byMid: number;
  bySsrc: number;
  byPayloadType: number;
  /** Dropped: unknown MID, SSRC bound to a section without that payload type, or no rule matched. */
  unroutable: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export class RtpRouter {
  readonly counters: RouterCounters = { byMid: 0, bySsrc: 0, byPayloadType: 0, unroutable: 0 };
  private sections = new Map<string, { readonly payloadTypes: ReadonlySet<number> }>();
  private declared = new Map<number, string>();
  private readonly learned = new Map<number, string>();
  private uniquePayloadTypes = new Map<number, string>();
  private midExtensionIds: number[] = [];

  /**
   * Rebuilds the tables after a negotiation (RFC 8843 9.2: "As m= sections are added or
   * removed ... the tables above MUST also be updated"). Learned bindings to sections that
   * are gone are forgotten.
   */
  configure(sections: readonly RouteSection[]): void {
    this.sections = new Map(sections.map((s) => [s.mid, { payloadTypes: new Set(s.payloadTypes) }]));
    this.declared = new Map();
    for (const s of sections) for (const ssrc of s.remoteSsrcs) if (!this.declared.has(ssrc)) this.declared.set(ssrc, s.mid);
    const count = new Map<number, number>();
    for (const s of sections) for (const pt of new Set(s.payloadTypes)) count.set(pt, (count.get(pt) ?? 0) + 1);
    this.uniquePayloadTypes = new Map();
    for (const s of sections) for (const pt of s.payloadTypes) if (count.get(pt) === 1) this.uniquePayloadTypes.set(pt, s.mid);
    this.midExtensionIds = [...new Set(sections.flatMap((s) => (s.midExtensionId === undefined ? [] : [s.midExtensionId])))];
    for (const [ssrc, mid] of [...this.learned]) if (!this.sections.has(mid)) this.learned.delete(ssrc);
  }

  /** The section `ssrc` is bound to (declared or learned), for RTCP routing. */
  midOfSsrc(ssrc: number): string | undefined {
    return this.learned.get(ssrc) ?? this.declared.get(ssrc);
  }

  /** The MID carried in the packet's MID header extension, if negotiated and present. */
  packetMid(packet: RtpPacket): string | undefined {
    for (const id of this.midExtensionIds) {
      const data = getRtpExtension(packet, id);
      if (data !== undefined && data.length > 0 && data.length <= MAX_MID_BYTES) return decoder.decode(data);
    }
    return undefined;
  }

  /** RFC 8843 9.2: the section for `packet`, or undefined (counted) when it is to be discarded. */
  route(packet: RtpPacket): { readonly mid: string; readonly reason: RouteReason } | undefined {
    const mid = this.packetMid(packet);
    if (mid !== undefined) {
      if (!this.sections.has(mid)) return this.unroutable();
      this.learn(packet.ssrc, mid);
      this.counters.byMid++;
      return { mid, reason: 'mid' };
    }
    const bound = this.midOfSsrc(packet.ssrc);
    if (bound !== undefined) {
      const section = this.sections.get(bound);
      if (!section || !section.payloadTypes.has(packet.payloadType)) return this.unroutable();
      this.counters.bySsrc++;
      return { mid: bound, reason: 'ssrc' };
    }
    const byPt = this.uniquePayloadTypes.get(packet.payloadType);
    if (byPt !== undefined) {
      this.learn(packet.ssrc, byPt);
      this.counters.byPayloadType++;
      return { mid: byPt, reason: 'payload-type' };
    }
    return this.unroutable();
  }

  /** Learned bindings held now (for tests of the bound). */
  get learnedCount(): number {
    return this.learned.size;
  }

  private learn(ssrc: number, mid: string): void {
    if (this.learned.get(ssrc) === mid) return;
    this.learned.delete(ssrc);
    if (this.learned.size >= MAX_LEARNED_SSRCS) {
      const oldest = this.learned.keys().next();
      if (!oldest.done) this.learned.delete(oldest.value);
    }
    this.learned.set(ssrc, mid);
  }

  private unroutable(): undefined {
    this.counters.unroutable++;
    return undefined;
  }
}
