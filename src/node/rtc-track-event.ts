/**
 * @module node/rtc-track-event
 * W3C webrtc-pc 5.7 RTCTrackEvent: fired as `track` on the RTCPeerConnection when a
 * remote description makes a receiver receive (4.4.1.6 "process the addition of a remote
 * track"), with the receiver, its track, the associated remote streams and the transceiver.
 */
import type { MediaStream } from './media-stream.js';
import type { MediaStreamTrack } from './media-stream-track.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';

export interface RTCTrackEventInit {
  receiver: RTCRtpReceiver;
  track: MediaStreamTrack;
  streams?: readonly MediaStream[];
  transceiver: RTCRtpTransceiver;
}

export class RTCTrackEvent extends Event {
  readonly receiver: RTCRtpReceiver;
  readonly track: MediaStreamTrack;
  readonly streams: readonly MediaStream[];
  readonly transceiver: RTCRtpTransceiver;
  constructor(type: string, init: RTCTrackEventInit) {
    super(type);
    if (init?.receiver === undefined || init.track === undefined || init.transceiver === undefined) throw new TypeError('RTCTrackEvent needs receiver, track and transceiver');
    this.receiver = init.receiver;
    this.track = init.track;
    this.streams = Object.freeze([...(init.streams ?? [])]);
    this.transceiver = init.transceiver;
  }
}
