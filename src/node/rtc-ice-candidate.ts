/**
 * @module node/rtc-ice-candidate
 * W3C webrtc-pc 4.8.1: RTCIceCandidate, with the fields parsed from the candidate
 * attribute (RFC 8839 section 5.1).
 */
import { parseCandidate } from '../sdp/candidate.js';

export interface RTCIceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export type RTCIceComponent = 'rtp' | 'rtcp';
export type RTCIceProtocol = 'udp' | 'tcp';
export type RTCIceCandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export class RTCIceCandidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
  readonly foundation: string | null = null;
  readonly component: RTCIceComponent | null = null;
  readonly priority: number | null = null;
  readonly address: string | null = null;
  readonly protocol: RTCIceProtocol | null = null;
  readonly port: number | null = null;
  readonly type: RTCIceCandidateType | null = null;
  readonly tcpType: string | null = null;
  readonly relatedAddress: string | null = null;
  readonly relatedPort: number | null = null;

  constructor(init: RTCIceCandidateInit = {}) {
    if ((init.sdpMid === undefined || init.sdpMid === null) && (init.sdpMLineIndex === undefined || init.sdpMLineIndex === null)) {
      throw new TypeError('RTCIceCandidate: sdpMid and sdpMLineIndex are both null');
    }
    this.candidate = init.candidate ?? '';
    this.sdpMid = init.sdpMid ?? null;
    this.sdpMLineIndex = init.sdpMLineIndex ?? null;
    this.usernameFragment = init.usernameFragment ?? null;
    if (this.candidate === '') return;
    try {
      const c = parseCandidate(this.candidate);
      const t = c.transport.toLowerCase();
      Object.assign(this, {
        foundation: c.foundation,
        component: c.component === 1 ? 'rtp' : c.component === 2 ? 'rtcp' : null,
        priority: c.priority,
        address: c.address,
        protocol: t === 'udp' || t === 'tcp' ? t : null,
        port: c.port,
        type: c.type,
        tcpType: c.tcpType ?? null,
        relatedAddress: c.relatedAddress ?? null,
        relatedPort: c.relatedPort ?? null,
        usernameFragment: this.usernameFragment ?? c.ufrag ?? null,
      });
    } catch {
      // W3C 4.8.1: unparsable attributes leave the fields null.
    }
  }

  toJSON(): RTCIceCandidateInit {
    return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment };
  }
}
