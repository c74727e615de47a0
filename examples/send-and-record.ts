/**
 * The README's media snippet, kept compiling by `tsc`: a peer that sends an IVF file as
 * its video track and records the remote's video into another IVF file. Signaling is left
 * out (see answer-browser.ts for a full peer); the same calls run against Chrome in
 * test/interop/media-chrome.test.ts.
 */
import { RTCPeerConnection, MediaStreamTrack, MediaStream, playIvf, recordIvf } from 'purertc';

export function sendAndRecord(clip: string, out: string): RTCPeerConnection {
  const pc = new RTCPeerConnection();
  const video = new MediaStreamTrack({ kind: 'video' });
  pc.addTrack(video, new MediaStream([video]));
  const playback = playIvf(video, clip, { loop: true }); // paced on the wall clock
  pc.ontrack = ({ track }) => {
    if (track.kind === 'video') recordIvf(track, out); // what the remote sends
    track.onrtp = ({ packet }) => {
      void packet; // or every RTP packet, e.g. to forward with writeRtp
    };
  };
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'closed' || pc.connectionState === 'failed') playback.stop();
  });
  return pc;
}
