/**
 * Checks a W3C RTCStatsReport (webrtc-stats) for the entries and cross-references purertc
 * promises: every id a stats object names resolves to an entry of the right type.
 */
import { expect } from 'vitest';
import type { RTCStats, RTCStatsReport } from '../../src/node/rtc-stats.js';

/** The report's entries of one type. */
export function ofType(report: RTCStatsReport, type: string): RTCStats[] {
  return [...report.values()].filter((s) => s.type === type);
}

/** The selected pair through transport.selectedCandidatePairId, with its candidates. */
export function selected(report: RTCStatsReport): { transport: RTCStats; pair: RTCStats; local: RTCStats; remote: RTCStats } {
  const [transport] = ofType(report, 'transport');
  if (!transport) throw new Error('no transport entry');
  const pair = report.get(String(transport['selectedCandidatePairId']));
  if (!pair) throw new Error('transport.selectedCandidatePairId does not resolve');
  const local = report.get(String(pair['localCandidateId']));
  const remote = report.get(String(pair['remoteCandidateId']));
  if (!local || !remote) throw new Error('candidate-pair candidate ids do not resolve');
  return { transport, pair, local, remote };
}

/** Every cross-reference of webrtc-stats resolves to an entry of the right type. */
export function expectConsistent(report: RTCStatsReport): void {
  const refs: [string, string, string][] = [
    ['transport', 'selectedCandidatePairId', 'candidate-pair'],
    ['transport', 'localCertificateId', 'certificate'],
    ['transport', 'remoteCertificateId', 'certificate'],
    ['candidate-pair', 'transportId', 'transport'],
    ['candidate-pair', 'localCandidateId', 'local-candidate'],
    ['candidate-pair', 'remoteCandidateId', 'remote-candidate'],
    ['local-candidate', 'transportId', 'transport'],
    ['remote-candidate', 'transportId', 'transport'],
  ];
  for (const [id, s] of report) {
    expect(s.id).toBe(id);
    expect(typeof s.timestamp).toBe('number');
    for (const [type, field, target] of refs) {
      if (s.type !== type || s[field] === undefined) continue;
      expect(report.get(String(s[field]))?.type, `${type}.${field}`).toBe(target);
    }
  }
}
