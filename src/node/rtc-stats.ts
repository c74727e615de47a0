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
 */
import type { Candidate } from '../ice/candidate.js';
import type { PairSnapshot, PeerConnection } from '../peer/peer-connection.js';

export type RTCStats = { readonly id: string; readonly type: string; readonly timestamp: number } & Readonly<Record<string, unknown>>;

/** W3C webrtc-pc 8.3: a maplike of stats objects. */
export class RTCStatsReport extends Map<string, RTCStats> {}

const TRANSPORT_ID = 'T01';

/** webrtc-stats 7.16 tlsVersion: the protocol version's two bytes in upper-case hex. */
const TLS_VERSION_HEX: Readonly<Record<string, string>> = { 'DTLS 1.2': 'FEFD', 'DTLS 1.3': 'FEFC' };

function candidateId(kind: 'I' | 'R', c: Candidate): string {
  return `${kind}${c.type}_${c.foundation}_${c.address}_${c.port}`;
}

function candidateStats(kind: 'I' | 'R', c: Candidate, timestamp: number, usernameFragment: string | undefined): RTCStats {
  const ufrag = usernameFragment ?? c.extensions.find(([k]) => k === 'ufrag')?.[1];
  return {
    id: candidateId(kind, c), type: kind === 'I' ? 'local-candidate' : 'remote-candidate', timestamp, transportId: TRANSPORT_ID,
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

function pairStats(p: PairSnapshot, localId: string, remoteId: string, timestamp: number, timeOrigin: number): RTCStats {
  const c = p.counters;
  return {
    id: `CP${localId}_${remoteId}`, type: 'candidate-pair', timestamp, transportId: TRANSPORT_ID, localCandidateId: localId, remoteCandidateId: remoteId,
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
  for (const c of s.localCandidates) add(candidateStats('I', c, timestamp, s.localUfrag));
  for (const c of s.remoteCandidates) add(candidateStats('R', c, timestamp, undefined));
  let selectedPairId: string | undefined;
  for (const p of s.pairs) {
    // A pair's candidates are always in the report (a prflx local one is not listed above).
    const l = candidateStats('I', p.local, timestamp, s.localUfrag);
    const r = candidateStats('R', p.remote, timestamp, undefined);
    if (!report.has(l.id)) add(l);
    if (!report.has(r.id)) add(r);
    const pair = pairStats(p, l.id, r.id, timestamp, timeOrigin);
    if (p.selected) {
      selectedPairId = pair.id;
      // 7.18 packetsDiscardedOnSend: what the ICE send queue dropped (it only feeds the selected pair).
      add({ ...pair, packetsDiscardedOnSend: s.ice?.queueOverflowDropped ?? 0 });
    } else add(pair);
  }
  const localCertId = `CF${s.localFingerprint.value}`;
  add({ id: localCertId, type: 'certificate', timestamp, fingerprint: s.localFingerprint.value, fingerprintAlgorithm: s.localFingerprint.algorithm, base64Certificate: base64(s.localCertificate) });
  let remoteCertId: string | undefined;
  if (s.dtls) {
    remoteCertId = `CF${s.dtls.peerFingerprint.value}`;
    add({ id: remoteCertId, type: 'certificate', timestamp, fingerprint: s.dtls.peerFingerprint.value, fingerprintAlgorithm: s.dtls.peerFingerprint.algorithm, base64Certificate: base64(s.dtls.peerCertificate) });
  }
  const t = s.transportTotals;
  add({
    id: TRANSPORT_ID, type: 'transport', timestamp,
    packetsSent: t.packetsSent, packetsReceived: t.packetsReceived, bytesSent: t.bytesSent, bytesReceived: t.bytesReceived,
    dtlsState: s.dtlsState, iceState: core.iceConnectionState, localCertificateId: localCertId,
    selectedCandidatePairChanges: s.selectedPairChanges,
    ...(remoteCertId !== undefined ? { remoteCertificateId: remoteCertId } : {}),
    ...(s.dtlsRole !== undefined ? { dtlsRole: s.dtlsRole } : {}),
    ...(s.iceRole !== undefined ? { iceRole: s.iceRole } : {}),
    ...(s.localUfrag !== undefined ? { iceLocalUsernameFragment: s.localUfrag } : {}),
    ...(selectedPairId !== undefined ? { selectedCandidatePairId: selectedPairId } : {}),
    ...(s.dtls ? { tlsVersion: TLS_VERSION_HEX[s.dtls.version] ?? s.dtls.version, dtlsCipher: s.dtls.cipherSuite } : {}),
    ...(s.dtls?.srtpProfile !== undefined ? { srtpCipher: s.dtls.srtpProfile } : {}),
  });
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
