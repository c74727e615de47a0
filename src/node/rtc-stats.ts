/**
 * @module node/rtc-stats
 * W3C webrtc-stats: the RTCStatsReport (a read-only map of id -> stats) for what purertc
 * carries today: peer-connection (section 7.9), transport (7.16), candidate-pair (7.18),
 * local-candidate and remote-candidate (7.17), data-channel (7.10) and certificate (7.21).
 */
import type { Candidate } from '../ice/candidate.js';
import type { PeerConnection } from '../peer/peer-connection.js';

export type RTCStats = { readonly id: string; readonly type: string; readonly timestamp: number } & Readonly<Record<string, unknown>>;

/** W3C webrtc-pc 8.3: a maplike of stats objects. */
export class RTCStatsReport extends Map<string, RTCStats> {}

function candidateStats(prefix: string, type: 'local-candidate' | 'remote-candidate', c: Candidate, timestamp: number): RTCStats {
  return {
    id: `${prefix}${c.foundation}_${c.address}_${c.port}`, type, timestamp, transportId: 'T01', address: c.address, port: c.port,
    protocol: c.transport, candidateType: c.type, priority: c.priority, foundation: c.foundation,
    ...(c.relatedAddress !== undefined ? { relatedAddress: c.relatedAddress, relatedPort: c.relatedPort } : {}),
  };
}

/** Builds the report from one snapshot of the sans-IO peer. */
export function buildStatsReport(core: PeerConnection, certificateFingerprint: string, timestamp: number): RTCStatsReport {
  const s = core.statsSnapshot();
  const report = new RTCStatsReport();
  const add = (x: RTCStats): void => {
    report.set(x.id, x);
  };
  add({ id: 'P', type: 'peer-connection', timestamp, dataChannelsOpened: s.dataChannelsOpened, dataChannelsClosed: s.dataChannelsClosed });
  const locals = s.localCandidates.map((c) => candidateStats('I', 'local-candidate', c, timestamp));
  const remotes = s.remoteCandidates.map((c) => candidateStats('R', 'remote-candidate', c, timestamp));
  for (const c of [...locals, ...remotes]) add(c);
  let pairId: string | undefined;
  if (s.selectedPair) {
    const l = candidateStats('I', 'local-candidate', s.selectedPair.local, timestamp);
    const r = candidateStats('R', 'remote-candidate', s.selectedPair.remote, timestamp);
    add(l);
    add(r);
    pairId = `CP${l.id}_${r.id}`;
    add({ id: pairId, type: 'candidate-pair', timestamp, transportId: 'T01', localCandidateId: l.id, remoteCandidateId: r.id, state: 'succeeded', nominated: true });
  }
  const certId = `CF${certificateFingerprint}`;
  add({ id: certId, type: 'certificate', timestamp, fingerprint: certificateFingerprint, fingerprintAlgorithm: 'sha-256' });
  add({
    id: 'T01', type: 'transport', timestamp, dtlsState: s.dtlsState, iceState: core.iceConnectionState, localCertificateId: certId,
    ...(s.dtlsRole !== undefined ? { dtlsRole: s.dtlsRole } : {}),
    ...(s.iceRole !== undefined ? { iceRole: s.iceRole } : {}),
    ...(pairId !== undefined ? { selectedCandidatePairId: pairId } : {}),
    ...(s.ice ? { packetsDiscardedOnSend: s.ice.queueOverflowDropped } : {}),
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
