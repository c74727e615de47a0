/**
 * @module peer/media-srtp
 * The SRTP session of the BUNDLE transport (RFC 5764 section 4.2: DTLS-SRTP keys from the
 * DTLS exporter, the profile from the use_srtp extension; RFC 8843 section 9: every m=
 * section of the BUNDLE group shares one transport and so one SRTP session).
 *
 * - Incoming datagrams whose first byte is 128-191 (RFC 7983 section 7) are RTCP when
 *   their second byte is 192-223 (RFC 5761 section 4), RTP otherwise, and are unprotected
 *   with the remote context (RFC 3711 section 3.3 / 3.4). Authentication failures,
 *   replays and malformed packets are counted and dropped (RFC 3711 section 3.3 step 5:
 *   "the packet MUST be discarded" and the event audited), never thrown.
 * - Before keys exist (DTLS not yet connected, or no profile negotiated) datagrams are
 *   counted and dropped, in both directions.
 */
import type { SrtpContext, SrtpContextOptions, SrtpDropReason } from '../srtp/context.js';
import { srtpContextsFromExporter, srtpExporterLength, DTLS_SRTP_EXPORTER_LABEL } from '../srtp/dtls-keys.js';
import type { SrtpProfile } from '../srtp/profile.js';
import { isRtcpPacket } from '../srtp/header.js';

/**
 * The SRTP replay window of the receiving context (RFC 3711 3.3.2 lets it grow; video
 * with NACK/RTX reorders more than the default 64 packets, libwebrtc uses 1024).
 */
export const MEDIA_SRTP_REPLAY_WINDOW = 1024;

/** What the SRTP session counted; the peer reports it in mediaStats(). */
export interface MediaSrtpCounters {
  rtpIn: number;
  rtcpIn: number;
  rtpOut: number;
  rtcpOut: number;
  /** Dropped before keys existed (either direction). */
  droppedNoKeys: number;
  /** Incoming packets dropped by the SRTP checks, by reason. */
  droppedAuth: number;
  droppedReplay: number;
  droppedMalformed: number;
  /** Outgoing packets the context refused (SSRC table full, index exhausted). */
  droppedProtect: number;
}

export type UnprotectedDatagram = { readonly rtcp: boolean; readonly data: Uint8Array };

export class MediaSrtpSession {
  readonly counters: MediaSrtpCounters = {
    rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0, droppedNoKeys: 0, droppedAuth: 0, droppedReplay: 0, droppedMalformed: 0, droppedProtect: 0,
  };
  private local: SrtpContext | undefined;
  private remote: SrtpContext | undefined;
  private profileValue: SrtpProfile | undefined;

  /** The negotiated profile once keyed. */
  get profile(): SrtpProfile | undefined {
    return this.profileValue;
  }

  get keyed(): boolean {
    return this.local !== undefined;
  }

  /**
   * Keys the session from the DTLS exporter (RFC 5764 4.2). `exportKeyingMaterial` is the
   * DTLS endpoint's; `role` our DTLS role (the client's keys protect what the client sends).
   */
  key(
    profile: SrtpProfile,
    exportKeyingMaterial: (label: string, length: number) => Uint8Array,
    role: 'client' | 'server',
    options: SrtpContextOptions = { replayWindow: MEDIA_SRTP_REPLAY_WINDOW },
  ): void {
    const material = exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, srtpExporterLength(profile));
    const { local, remote } = srtpContextsFromExporter(profile, material, role, options);
    this.local = local;
    this.remote = remote;
    this.profileValue = profile;
  }

  /** Forgets the keys (DTLS closed): later datagrams are dropped as "no keys". */
  reset(): void {
    this.local = undefined;
    this.remote = undefined;
    this.profileValue = undefined;
  }

  /** RFC 5761 4 then RFC 3711 3.3/3.4: the plaintext RTP or RTCP, or undefined (counted). */
  unprotect(data: Uint8Array): UnprotectedDatagram | undefined {
    const rtcp = isRtcpPacket(data);
    const remote = this.remote;
    if (!remote) {
      this.counters.droppedNoKeys++;
      return undefined;
    }
    const r = rtcp ? remote.unprotectRtcp(data) : remote.unprotectRtp(data);
    if (!r.ok) {
      this.countDrop(r.reason);
      return undefined;
    }
    if (rtcp) this.counters.rtcpIn++;
    else this.counters.rtpIn++;
    return { rtcp, data: r.packet };
  }

  /** Protects plaintext RTP or RTCP for sending; undefined (counted) without keys or when the context refuses. */
  protect(rtcp: boolean, data: Uint8Array): Uint8Array | undefined {
    const local = this.local;
    if (!local) {
      this.counters.droppedNoKeys++;
      return undefined;
    }
    try {
      const out = rtcp ? local.protectRtcp(data) : local.protectRtp(data);
      if (rtcp) this.counters.rtcpOut++;
      else this.counters.rtpOut++;
      return out;
    } catch {
      // The context throws only on local limits (too many SSRCs, index exhausted) or a
      // packet our own cores built too short; either way this one packet is not sent.
      this.counters.droppedProtect++;
      return undefined;
    }
  }

  private countDrop(reason: SrtpDropReason): void {
    if (reason === 'auth') this.counters.droppedAuth++;
    else if (reason === 'malformed') this.counters.droppedMalformed++;
    else this.counters.droppedReplay++;
  }
}
