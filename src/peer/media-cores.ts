/**
 * @module peer/media-cores
 * The sans-IO media cores one RTP transceiver drives (the media contract's layers A and
 * B): a stream sender (RTP packetization, RTX history, SR, RFC 3550 section 6.4.1) and a
 * stream receiver (jitter buffer, RR/NACK/PLI, RFC 3550 section 6.4.2, RFC 4585). The
 * peer sees them through these shapes so that a caller may supply its own (e.g. an SFU
 * that forwards without depacketizing) via PeerConnectionOptions.mediaCores.
 */
import type { RandomSource } from '../common/random.js';
import type { EncodedFrame } from '../media/frame.js';
import type { RtpCodec } from '../media/codecs.js';
import { RtpStreamReceiver } from '../media/rtp-stream-receiver.js';
import type { RtpStreamReceiverEvent, RtpStreamReceiverOptions, RtpStreamReceiverStats } from '../media/rtp-stream-receiver.js';
import { RtpStreamSender } from '../media/rtp-stream-sender.js';
import type { TransportSequenceCounter } from '../media/rtp-stream-sender.js';
import type { RtpStreamSenderEvent, RtpStreamSenderStats } from '../media/rtp-stream-sender.js';
import type { RtcpPacket } from '../rtp/rtcp.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';

export type { RtpCodec };

export interface SenderExtensionIds {
  readonly mid?: number;
  readonly absSendTime?: number;
  readonly transportCc?: number;
  readonly audioLevel?: number;
}

export interface SenderCoreOptions {
  readonly ssrc: number;
  readonly rtxSsrc?: number;
  readonly codec: RtpCodec;
  readonly cname: string;
  readonly mid?: string;
  readonly extensions?: SenderExtensionIds;
  readonly random?: RandomSource;
  readonly rtcpReducedSize?: boolean;
  readonly ntpOffsetMs?: number;
  /**
   * The transport's sequence counter for the transport-wide sequence number extension
   * (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2: one counter for every
   * packet on the transport, whatever its stream), shared by the senders of a transport.
   */
  readonly transportSequence?: TransportSequenceCounter;
}

export type SenderCoreStats = RtpStreamSenderStats;

export interface SenderCore {
  readonly ssrc: number;
  readonly rtxSsrc: number | undefined;
  setCodec(codec: RtpCodec, extensions?: SenderExtensionIds): void;
  /** False when the frame was refused (e.g. a packetizer limit). */
  sendFrame(now: number, frame: EncodedFrame): boolean;
  /** False when the packet was refused (e.g. empty payload). */
  sendRtp(now: number, packet: RtpPacket): boolean;
  handleRtcp(now: number, packet: RtcpPacket): void;
  pollTransmit(): { readonly rtcp: boolean; readonly data: Uint8Array } | undefined;
  pollEvent(): RtpStreamSenderEvent | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  bye(now: number): void;
  stats(): SenderCoreStats;
}

export type ReceiverCoreOptions = Pick<RtpStreamReceiverOptions, 'localSsrc' | 'cname' | 'codecs' | 'remoteSsrc' | 'remoteRtxSsrc' | 'rtcpReducedSize' | 'kind' | 'random' | 'ntpOffsetMs'>;

export type ReceiverCoreEvent = RtpStreamReceiverEvent;

export interface ReceiverCore {
  readonly ssrc: number | undefined;
  readonly rtxSsrc: number | undefined;
  setCodecs(codecs: readonly RtpCodec[]): void;
  setRtpEvents(on: boolean): void;
  setFrameEvents(on: boolean): void;
  handleRtp(now: number, packet: RtpPacket): void;
  handleRtcp(now: number, packet: RtcpPacket): void;
  requestKeyframe(now: number): void;
  setRtt(ms: number): void;
  pollTransmit(): { readonly rtcp: true; readonly data: Uint8Array } | undefined;
  pollEvent(): ReceiverCoreEvent | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  stats(): RtpStreamReceiverStats;
}

/** Makes the cores of a transceiver; `sender` undefined means this factory cannot send. */
export interface MediaCoreFactory {
  readonly sender?: (o: SenderCoreOptions) => SenderCore;
  readonly receiver: (o: ReceiverCoreOptions) => ReceiverCore;
}

/** The library's cores; video senders pace their packets (SENDER_PACING_*). */
export const DEFAULT_MEDIA_CORES: MediaCoreFactory = {
  sender: (o) => new RtpStreamSender({ ...o, pacing: true }),
  receiver: (o) => new RtpStreamReceiver(o),
};
