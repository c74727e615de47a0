/**
 * @module node/rtc-stats
 * W3C webrtc-stats: the RTCStatsReport (a read-only map of id -> stats) for what purertc
 * carries today: peer-connection (section 7.9, RTCPeerConnectionStats), transport (7.16,
 * RTCTransportStats), candidate-pair (7.18, RTCIceCandidatePairStats), local-candidate and
 * remote-candidate (7.17, RTCIceCandidateStats), data-channel (7.10, RTCDataChannelStats)
 * and certificate (7.21, RTCCertificateStats). Ids cross-reference as the spec says:
 * transport.selectedCandidatePairId / localCertificateId / remoteCertificateId,
 * candidate-pair.transportId / localCandidateId / remoteCandidateId, candidate.transportId.
 * Field values follow the spec text: tlsVersion is the version's two bytes as four
 * upper-case hex digits (FEFD for DTLS 1.2, FEFC for DTLS 1.3), dtlsCipher the IANA TLS
 * cipher-suite description, srtpCipher the IANA DTLS-SRTP profile name (RFC 5764 4.1.2),
 * round-trip times in seconds, timestamps in ms since the Unix epoch.
 *
 * Media (addMediaStats): codec (8.2), inbound-rtp (8.3), remote-inbound-rtp (8.5),
 * outbound-rtp (8.6), remote-outbound-rtp (8.7) and media-source (8.8) entries, linked by
 * codecId / remoteId / localId / mediaSourceId / transportId; selectStats is webrtc-pc 8.2's
 * "stats selection algorithm" for getStats(selector).
 */
import type { Candidate } from '../ice/candidate.js';
import type { PairSnapshot, PeerConnection } from '../peer/peer-connection.js';

export type RTCStats = { readonly id: string; readonly type: string; readonly timestamp: number } & Readonly<Record<string, unknown>>;

/** W3C webrtc-pc 8.3: a maplike of stats objects. */
export class RTCStatsReport extends Map<string, RTCStats> {}

/** The stats id of the first transport (the BUNDLE one): `T` and the peer's transport id. */
const TRANSPORT_ID = 'T01';

/** webrtc-stats 7.16 tlsVersion: the protocol version's two bytes in upper-case hex. */
const TLS_VERSION_HEX: Readonly<Record<string, string>> = { 'DTLS 1.2': 'FEFD', 'DTLS 1.3': 'FEFC' };

/** A candidate's id; transports after the first prefix theirs (transports may share a local candidate). */
function candidateId(kind: 'I' | 'R', c: Candidate, transportId: string): string {
  return `${kind}${transportId === TRANSPORT_ID ? '' : transportId}${c.type}_${c.foundation}_${c.address}_${c.port}`;
}

function candidateStats(kind: 'I' | 'R', c: Candidate, timestamp: number, usernameFragment: string | undefined, transportId: string): RTCStats {
  const ufrag = usernameFragment ?? c.extensions.find(([k]) => k === 'ufrag')?.[1];
  return {
    id: candidateId(kind, c, transportId), type: kind === 'I' ? 'local-candidate' : 'remote-candidate', timestamp, transportId,
    address: c.address, port: c.port, protocol: c.transport, candidateType: c.type, priority: c.priority, foundation: c.foundation,
    ...(c.relatedAddress !== undefined ? { relatedAddress: c.relatedAddress, relatedPort: c.relatedPort } : {}),
    ...(ufrag !== undefined ? { usernameFragment: ufrag } : {}),
    ...(c.tcpType !== undefined ? { tcpType: c.tcpType } : {}),
    // 7.17 relayProtocol: how we reach the TURN server (purertc's TURN client is UDP only).
    ...(kind === 'I' && c.type === 'relay' ? { relayProtocol: 'udp' } : {}),
  };
}

function base64(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
}

function pairStats(p: PairSnapshot, localId: string, remoteId: string, timestamp: number, timeOrigin: number, transportId: string): RTCStats {
  const c = p.counters;
  return {
    id: `CP${localId}_${remoteId}`, type: 'candidate-pair', timestamp, transportId, localCandidateId: localId, remoteCandidateId: remoteId,
    state: p.state, nominated: p.nominated,
    packetsSent: c?.packetsSent ?? 0, packetsReceived: c?.packetsReceived ?? 0, bytesSent: c?.bytesSent ?? 0, bytesReceived: c?.bytesReceived ?? 0,
    requestsSent: c?.requestsSent ?? 0, requestsReceived: c?.requestsReceived ?? 0, responsesSent: c?.responsesSent ?? 0, responsesReceived: c?.responsesReceived ?? 0,
    totalRoundTripTime: c?.totalRoundTripTime ?? 0,
    ...(c?.currentRoundTripTime !== undefined ? { currentRoundTripTime: c.currentRoundTripTime } : {}),
    ...(c?.lastPacketSentAtMs !== undefined ? { lastPacketSentTimestamp: timeOrigin + c.lastPacketSentAtMs } : {}),
    ...(c?.lastPacketReceivedAtMs !== undefined ? { lastPacketReceivedTimestamp: timeOrigin + c.lastPacketReceivedAtMs } : {}),
  };
}

/**
 * Builds the report from one snapshot of the sans-IO peer. `timeOrigin` turns the core's
 * clock (what the facade passes as `now`) into epoch ms; `timestamp` is the report's time.
 */
export function buildStatsReport(core: PeerConnection, timestamp: number, timeOrigin: number): RTCStatsReport {
  const s = core.statsSnapshot();
  const report = new RTCStatsReport();
  const add = (x: RTCStats): void => {
    report.set(x.id, x);
  };
  add({ id: 'P', type: 'peer-connection', timestamp, dataChannelsOpened: s.dataChannelsOpened, dataChannelsClosed: s.dataChannelsClosed });
  // One transport entry per ICE/DTLS transport (one with BUNDLE), each with its candidates and pairs.
  for (const x of s.transports) {
    const transportId = `T${x.id}`;
    for (const c of x.localCandidates) add(candidateStats('I', c, timestamp, x.localUfrag, transportId));
    for (const c of x.remoteCandidates) add(candidateStats('R', c, timestamp, undefined, transportId));
    let selectedPairId: string | undefined;
    for (const p of x.pairs) {
      // A pair's candidates are always in the report (a prflx local one is not listed above).
      const l = candidateStats('I', p.local, timestamp, x.localUfrag, transportId);
      const r = candidateStats('R', p.remote, timestamp, undefined, transportId);
      if (!report.has(l.id)) add(l);
      if (!report.has(r.id)) add(r);
      const pair = pairStats(p, l.id, r.id, timestamp, timeOrigin, transportId);
      if (p.selected) {
        selectedPairId = pair.id;
        // 7.18 packetsDiscardedOnSend: what the ICE send queue dropped (it only feeds the selected pair).
        add({ ...pair, packetsDiscardedOnSend: x.ice?.queueOverflowDropped ?? 0 });
      } else add(pair);
    }
    const localCertId = `CF${s.localFingerprint.value}`;
    add({ id: localCertId, type: 'certificate', timestamp, fingerprint: s.localFingerprint.value, fingerprintAlgorithm: s.localFingerprint.algorithm, base64Certificate: base64(s.localCertificate) });
    let remoteCertId: string | undefined;
    if (x.dtls) {
      remoteCertId = `CF${x.dtls.peerFingerprint.value}`;
      add({ id: remoteCertId, type: 'certificate', timestamp, fingerprint: x.dtls.peerFingerprint.value, fingerprintAlgorithm: x.dtls.peerFingerprint.algorithm, base64Certificate: base64(x.dtls.peerCertificate) });
    }
    const t = x.transportTotals;
    add({
      id: transportId, type: 'transport', timestamp,
      packetsSent: t.packetsSent, packetsReceived: t.packetsReceived, bytesSent: t.bytesSent, bytesReceived: t.bytesReceived,
      dtlsState: x.dtlsState, iceState: x.iceState, localCertificateId: localCertId,
      selectedCandidatePairChanges: x.selectedPairChanges,
      ...(remoteCertId !== undefined ? { remoteCertificateId: remoteCertId } : {}),
      ...(x.dtlsRole !== undefined ? { dtlsRole: x.dtlsRole } : {}),
      ...(x.iceRole !== undefined ? { iceRole: x.iceRole } : {}),
      ...(x.localUfrag !== undefined ? { iceLocalUsernameFragment: x.localUfrag } : {}),
      ...(selectedPairId !== undefined ? { selectedCandidatePairId: selectedPairId } : {}),
      ...(x.dtls ? { tlsVersion: TLS_VERSION_HEX[x.dtls.version] ?? x.dtls.version, dtlsCipher: x.dtls.cipherSuite } : {}),
      ...(x.dtls?.srtpProfile !== undefined ? { srtpCipher: x.dtls.srtpProfile } : {}),
    });
  }
  for (const c of s.channels) {
    add({
      id: `D${c.key}`, type: 'data-channel', timestamp, label: c.label, protocol: c.protocol, state: c.state,
      ...(c.id !== null ? { dataChannelIdentifier: c.id } : {}),
      messagesSent: c.counters.messagesSent, bytesSent: c.counters.bytesSent,
      messagesReceived: c.counters.messagesReceived, bytesReceived: c.counters.bytesReceived,
    });
  }
  return report;
}

// ------------------------------------------------------------------------ media

/** One transceiver's media counters as the sans-IO peer reports them (PeerConnection.mediaStats()). */
export interface MediaStatsSource {
  readonly mid: string;
  /** The stats id of the transport the transceiver uses (default the first, T01). */
  readonly transportId?: string;
  readonly kind: 'audio' | 'video';
  readonly codec?: { readonly payloadType: number; readonly name: string; readonly clockRate: number; readonly channels?: number; readonly fmtp?: string };
  readonly sender?: object & { readonly ssrc: number };
  readonly receiver?: object;
}

/** What the facade knows about the transceiver behind one entry. */
export interface MediaStatsTrackInfo {
  /** The track the sender sends (media-source, webrtc-stats 8.8). */
  readonly senderTrackId?: string;
  readonly senderActive?: boolean;
  readonly receiverTrackId?: string;
  readonly rtxSsrc?: number;
}

function num(o: object | undefined, key: string): number | undefined {
  const v = o === undefined ? undefined : (o as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Copies the numeric fields `keys` of `o` that are present (counters the core did not keep stay absent). */
function pick(o: object | undefined, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) {
    const v = num(o, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

const OUTBOUND_FIELDS = ['packetsSent', 'bytesSent', 'headerBytesSent', 'retransmittedPacketsSent', 'retransmittedBytesSent', 'nackCount'] as const;
const OUTBOUND_VIDEO_FIELDS = ['framesSent', 'pliCount', 'firCount'] as const;
const INBOUND_FIELDS = ['packetsReceived', 'bytesReceived', 'headerBytesReceived', 'packetsLost', 'jitter', 'packetsDiscarded', 'nackCount', 'retransmittedPacketsReceived', 'retransmittedBytesReceived'] as const;
const INBOUND_VIDEO_FIELDS = ['framesReceived', 'framesDropped', 'pliCount', 'firCount'] as const;
const REMOTE_INBOUND_FIELDS = ['packetsLost', 'fractionLost', 'jitter', 'roundTripTime', 'totalRoundTripTime', 'roundTripTimeMeasurements', 'reportsReceived'] as const;
const REMOTE_OUTBOUND_FIELDS = ['packetsSent', 'bytesSent', 'remoteTimestamp', 'reportsSent', 'roundTripTime', 'totalRoundTripTime', 'roundTripTimeMeasurements'] as const;

/**
 * webrtc-stats 8.2-8.8: codec, outbound-rtp, remote-inbound-rtp, inbound-rtp,
 * remote-outbound-rtp and media-source entries for each transceiver, with the field names
 * Chrome reports (test/interop/harness/page-peers.ts reads the same ones). Ids follow
 * Chrome's scheme (OT01V<ssrc>, IT01A<ssrc>, ...). We do not encode or decode: frames
 * handed to a sender count as framesSent and, keyframes, keyFramesEncoded (the
 * application encoded them); received frames are framesReceived.
 */
export function addMediaStats(report: RTCStatsReport, entries: readonly MediaStatsSource[], tracks: (mid: string) => MediaStatsTrackInfo, timestamp: number, timeOrigin: number): void {
  const add = (x: RTCStats): void => {
    report.set(x.id, x);
  };
  for (const e of entries) {
    const transportId = e.transportId ?? TRANSPORT_ID;
    const k = e.kind === 'audio' ? 'A' : 'V';
    const t = tracks(e.mid);
    const codecId = (dir: 'I' | 'O'): string | undefined => {
      const c = e.codec;
      if (c === undefined) return undefined;
      const id = `C${dir}${transportId}_${c.payloadType}`;
      if (!report.has(id)) {
        add({
          id, type: 'codec', timestamp, transportId, payloadType: c.payloadType, mimeType: `${e.kind}/${c.name}`, clockRate: c.clockRate,
          ...(c.channels !== undefined ? { channels: c.channels } : {}),
          ...(c.fmtp !== undefined && c.fmtp !== '' ? { sdpFmtpLine: c.fmtp } : {}),
        });
      }
      return id;
    };
    const s = e.sender;
    if (s !== undefined) {
      const id = `O${transportId}${k}${s.ssrc}`;
      const cid = codecId('O');
      let mediaSourceId: string | undefined;
      if (t.senderTrackId !== undefined) {
        mediaSourceId = `S${k}${e.mid}`;
        add({ id: mediaSourceId, type: 'media-source', timestamp, kind: e.kind, trackIdentifier: t.senderTrackId });
      }
      const remote = (s as { remote?: object }).remote;
      const remoteId = remote !== undefined && num(remote, 'reportsReceived') !== 0 ? `RI${transportId}${k}${s.ssrc}` : undefined;
      const frames = num(s, 'framesSent');
      const keyFrames = num(s, 'keyFramesSent');
      add({
        id, type: 'outbound-rtp', timestamp, ssrc: s.ssrc, kind: e.kind, transportId, mid: e.mid,
        ...(cid !== undefined ? { codecId: cid } : {}),
        ...(mediaSourceId !== undefined ? { mediaSourceId } : {}),
        ...(remoteId !== undefined ? { remoteId } : {}),
        ...(t.rtxSsrc !== undefined ? { rtxSsrc: t.rtxSsrc } : {}),
        ...pick(s, OUTBOUND_FIELDS),
        ...(e.kind === 'video' ? pick(s, OUTBOUND_VIDEO_FIELDS) : {}),
        ...(e.kind === 'video' && frames !== undefined ? { framesEncoded: frames } : {}),
        ...(e.kind === 'video' && keyFrames !== undefined ? { keyFramesEncoded: keyFrames } : {}),
        active: t.senderActive ?? true,
      });
      if (remoteId !== undefined) {
        add({ id: remoteId, type: 'remote-inbound-rtp', timestamp, ssrc: s.ssrc, kind: e.kind, transportId, localId: id, ...(cid !== undefined ? { codecId: cid } : {}), ...pick(remote, REMOTE_INBOUND_FIELDS) });
      }
    }
    const r = e.receiver;
    const ssrc = num(r, 'ssrc');
    if (r !== undefined && ssrc !== undefined) {
      const id = `I${transportId}${k}${ssrc}`;
      const cid = codecId('I');
      const remote = (r as { remote?: object }).remote;
      const remoteId = remote !== undefined ? `RO${transportId}${k}${ssrc}` : undefined;
      const last = num(r, 'lastPacketReceivedAt');
      add({
        id, type: 'inbound-rtp', timestamp, ssrc, kind: e.kind, transportId, mid: e.mid,
        ...(t.receiverTrackId !== undefined ? { trackIdentifier: t.receiverTrackId } : {}),
        ...(cid !== undefined ? { codecId: cid } : {}),
        ...(remoteId !== undefined ? { remoteId } : {}),
        ...pick(r, INBOUND_FIELDS),
        ...(e.kind === 'video' ? pick(r, INBOUND_VIDEO_FIELDS) : {}),
        ...(last !== undefined ? { lastPacketReceivedTimestamp: timeOrigin + last } : {}),
      });
      if (remoteId !== undefined) {
        add({ id: remoteId, type: 'remote-outbound-rtp', timestamp, ssrc, kind: e.kind, transportId, localId: id, ...(cid !== undefined ? { codecId: cid } : {}), ...pick(remote, REMOTE_OUTBOUND_FIELDS) });
      }
    }
  }
}

/**
 * webrtc-pc 8.2 "stats selection algorithm": the entries `roots` and every entry they
 * reference, directly or through others, by a member whose name ends in `Id`.
 */
export function selectStats(report: RTCStatsReport, roots: readonly string[]): RTCStatsReport {
  const out = new RTCStatsReport();
  const todo = [...roots];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (out.has(id)) continue;
    const st = report.get(id);
    if (st === undefined) continue;
    out.set(id, st);
    for (const [key, value] of Object.entries(st)) {
      if (key !== 'id' && key.endsWith('Id') && typeof value === 'string' && report.has(value)) todo.push(value);
    }
  }
  return out;
}
