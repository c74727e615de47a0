/**
 * Cross-validation of the peer's DTLS-SRTP session with werift 0.25.2's SRTP: keys from
 * our DTLS exporter (RFC 5764 4.2, split here by the RFC's layout, not by our code), werift
 * protects RTP as peer a would, and peer b unprotects it, routes it by the MID header
 * extension (RFC 8843 section 15) and delivers it; werift unprotects the SRTCP that peer
 * b sends. Full media over sockets with werift is the interop suite's job.
 */
import { describe, expect, it } from 'vitest';
import { RtcpPacketConverter, RtcpTransportLayerFeedback, RunLengthChunk, RtpPacket as WeriftRtpPacket, RtpHeader, SrtcpSession, SrtpSession, TransportWideCC } from 'werift';
import { DTLS_SRTP_EXPORTER_LABEL } from '../../src/srtp/dtls-keys.js';
import { srtpProfileParams } from '../../src/srtp/profile.js';
import type { SrtpProfile } from '../../src/srtp/profile.js';
import { PeerPair, advance, connected, framesOn, negotiateMedia, vp8Frame } from './helpers.js';

/**
 * The sequence numbers a werift-parsed feedback marks received, from its packet chunks
 * (section 3.1.3 run length, 3.1.4 status vector: 1-bit symbols 1 = received, 2-bit
 * 01 small / 10 large delta). werift's own packetResults skips status vector chunks.
 */
function receivedSequenceNumbers(f: TransportWideCC): number[] {
  const statuses: number[] = [];
  for (const c of f.packetChunks) {
    if (c instanceof RunLengthChunk) for (let i = 0; i < c.runLength; i++) statuses.push(c.packetStatus);
    else for (const v of c.symbolList) statuses.push(c.symbolSize === 0 ? (v === 1 ? 1 : 0) : v);
  }
  return statuses.slice(0, f.packetStatusCount).flatMap((st, i) => (st === 1 || st === 2 ? [(f.baseSequenceNumber + i) & 0xffff] : []));
}

/** werift SRTP/SRTCP sessions holding `side`'s keys from the exporter, split by RFC 5764 4.2's layout. */
function weriftSessions(p: PeerPair, side: 'a' | 'b'): { srtp: SrtpSession; srtcp: SrtcpSession } {
  const params = srtpProfileParams(p.a.pc.mediaTransportStats().srtpProfile as SrtpProfile);
  const k = params.keyLength;
  const s = params.saltLength;
  const material = p.a.pc.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, 2 * (k + s));
  const client = { key: Buffer.from(material.subarray(0, k)), salt: Buffer.from(material.subarray(2 * k, 2 * k + s)) };
  const server = { key: Buffer.from(material.subarray(k, 2 * k)), salt: Buffer.from(material.subarray(2 * k + s)) };
  const role = side === 'a' ? p.a.pc.dtlsRole : p.b.pc.dtlsRole;
  const [mine, theirs] = role === 'client' ? [client, server] : [server, client];
  const config = {
    keys: { localMasterKey: mine.key, localMasterSalt: mine.salt, remoteMasterKey: theirs.key, remoteMasterSalt: theirs.salt },
    profile: params.dtlsId as 1 | 7,
  };
  return { srtp: new SrtpSession(config), srtcp: new SrtcpSession(config) };
}

describe('peer SRTP against werift', () => {
  it('werift-protected RTP with exporter keys is unprotected, routed by MID and delivered; werift reads our SRTCP', () => {
    const p = new PeerPair(51);
    // a offers to send video without a track: no a=ssrc lines, b learns the SSRC from the MID extension.
    const mid = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly' });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    p.b.pc.setReceiverRtpEvents(mid, true);

    const profile = p.a.pc.mediaTransportStats().srtpProfile as SrtpProfile;
    const params = srtpProfileParams(profile);
    expect(params.dtlsId === 0x0001 || params.dtlsId === 0x0007).toBe(true);
    const k = params.keyLength;
    const s = params.saltLength;
    const material = p.a.pc.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, 2 * (k + s));
    expect(Buffer.from(p.b.pc.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, 2 * (k + s)))).toEqual(Buffer.from(material));
    // RFC 5764 4.2: client_write_key | server_write_key | client_write_salt | server_write_salt.
    const client = { key: Buffer.from(material.subarray(0, k)), salt: Buffer.from(material.subarray(2 * k, 2 * k + s)) };
    const server = { key: Buffer.from(material.subarray(k, 2 * k)), salt: Buffer.from(material.subarray(2 * k + s)) };
    const [aKeys, bKeys] = p.a.pc.dtlsRole === 'client' ? [client, server] : [server, client];
    const config = {
      keys: { localMasterKey: aKeys.key, localMasterSalt: aKeys.salt, remoteMasterKey: bKeys.key, remoteMasterSalt: bKeys.salt },
      profile: params.dtlsId as 1 | 7,
    };
    const asA = new SrtpSession(config);
    const asARtcp = new SrtcpSession(config);

    const info = p.b.pc.transceiverInfo(mid)!;
    const midId = info.headerExtensions.find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid')!.id;
    const vp8 = info.codecs.find((c) => c.name === 'VP8')!.payloadType;
    const ssrc = 0x0badcafe;
    const frames = [0, 1, 2].map((n) => Buffer.from([0x10, n === 0 ? 0x10 : 0x11, n, 0x9d, 0x01, 0x2a, 7, 7, 7, 7]));
    const sent: Buffer[] = [];
    frames.forEach((payload, n) => {
      const header = new RtpHeader({
        marker: true, payloadType: vp8, sequenceNumber: 4000 + n, timestamp: 90_000 + n * 3000, ssrc,
        extension: true, extensions: [{ id: midId, payload: Buffer.from(mid) }],
      });
      // The VP8 payload descriptor (RFC 7741 4.2: S=1, PID=0) before the frame.
      const srtp = asA.encrypt(payload, header);
      sent.push(payload);
      p.b.pc.handleInput(p.now, { local: p.b.address, remote: p.a.address, data: new Uint8Array(srtp) });
      advance(p, 33);
    });
    const rtp = p.b.events.flatMap((e) => (e.type === 'rtp' && e.mid === mid ? [e.packet] : []));
    expect(rtp.map((x) => [x.ssrc, x.sequenceNumber, Buffer.from(x.payload).toString('hex')])).toEqual(
      sent.map((payload, n) => [ssrc, 4000 + n, payload.toString('hex')]),
    );
    // Frames depacketized: the VP8 descriptor byte stripped.
    expect(framesOn(p.b, mid).map((f) => Buffer.from(f.data).toString('hex'))).toEqual(sent.map((x) => x.subarray(1).toString('hex')));
    expect(p.b.pc.mediaTransportStats().routing.byMid).toBe(3);
    expect(p.b.pc.mediaTransportStats().srtp.droppedAuth).toBe(0);

    // b's receiver reports (RR + SDES) to a go out as SRTCP that werift, holding a's keys, decrypts.
    const rtcp: Buffer[] = [];
    p.drop = (d) => {
      if (d.from === '10.0.0.2:10002' && d.data[1]! >= 192 && d.data[1]! <= 223) rtcp.push(asARtcp.decrypt(Buffer.from(d.data)));
      return false;
    };
    advance(p, 3000);
    expect(rtcp.length).toBeGreaterThan(0);
    for (const r of rtcp) {
      expect(r[0]! >> 6).toBe(2);
      expect([201, 205, 206]).toContain(r[1]);
      expect(r.readUInt32BE(4)).toBe(info.localSsrc);
    }
  });

  it('transport-wide CC feedback for what b receives parses in werift and reports every transport sequence number a sent', () => {
    const p = new PeerPair(52);
    const mid = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    const asB = weriftSessions(p, 'b');
    const asA = weriftSessions(p, 'a');
    const twccId = p.a.pc.transceiverInfo(mid)!.headerExtensions.find((e) => e.uri.includes('transport-wide-cc'))!.id;
    const sentSeqs: number[] = [];
    const feedback: TransportWideCC[] = [];
    p.drop = (d) => {
      const rtcp = d.data[1]! >= 192 && d.data[1]! <= 223;
      if (d.from === '10.0.0.1:10001' && !rtcp && d.data[0]! >= 128 && d.data[0]! <= 191) {
        const plain = WeriftRtpPacket.deSerialize(asB.srtp.decrypt(Buffer.from(d.data)));
        const ext = plain.header.extensions.find((e) => e.id === twccId);
        if (ext) sentSeqs.push(ext.payload.readUInt16BE(0));
      }
      if (d.from === '10.0.0.2:10002' && rtcp) {
        // b's SRTCP, decrypted by werift holding a's keys (its remote context is b's).
        for (const packet of RtcpPacketConverter.deSerialize(asA.srtcp.decrypt(Buffer.from(d.data)))) {
          if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof TransportWideCC) feedback.push(packet.feedback);
        }
      }
      return false;
    };
    for (let i = 0; i < 20; i++) {
      p.a.pc.sendFrame(p.now, mid, vp8Frame(i, i === 0, 2500));
      advance(p, 33);
    }
    advance(p, 300);
    expect(sentSeqs.length).toBeGreaterThan(40);
    expect(feedback.length).toBeGreaterThan(3);
    const received = new Set(feedback.flatMap(receivedSequenceNumbers));
    for (const seq of sentSeqs) expect(received.has(seq)).toBe(true);
    for (const seq of received) expect(sentSeqs).toContain(seq);
    // Feedback counts up (fb pkt count, section 3.1) and comes from b's SSRC for this section.
    expect(feedback.map((f) => f.fbPktCount)).toEqual(feedback.map((_, i) => i));
    expect(new Set(feedback.map((f) => f.senderSsrc))).toEqual(new Set([p.b.pc.transceiverInfo(mid)!.localSsrc]));
  });
});
