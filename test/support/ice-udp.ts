// Shared setup for tests that run our ICE agent on real loopback sockets
// (src/node/ice-transport.ts) against itself or another stack (werift, libwebrtc,
// Chromium, coturn): a loopback-only transport, the "connected" predicate, an ICE-only
// SDP for the other side, and applying the other side's credentials and candidates.
import { parseCandidate, serializeCandidate, type IceEvent } from '../../src/ice/index.js';
import { UdpIceTransport, type UdpIceTransportOptions } from '../../src/node/ice-transport.js';
import { waitFor, type Cleanups } from './wait.js';

/** A syntactically valid certificate fingerprint: DTLS never runs in ICE-only tests. */
export const DUMMY_FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 3).toString(16).padStart(2, '0').toUpperCase()).join(':');

/** `true` once the agent is connected or completed (RFC 8445 states), else undefined (for `waitFor`). */
export function iceConnected(t: UdpIceTransport): true | undefined {
  return t.agent.connectionState === 'connected' || t.agent.connectionState === 'completed' ? true : undefined;
}

/**
 * A transport bound to 127.0.0.1 only, mDNS off, closed by `cleanups`, already gathering.
 * `remoteFilter` keeps checks on loopback when the other stack also binds other addresses.
 */
export async function loopbackIceTransport(
  cleanups: Cleanups,
  role: 'controlling' | 'controlled',
  options: Partial<UdpIceTransportOptions> = {},
): Promise<UdpIceTransport> {
  const t = await UdpIceTransport.create({
    role,
    addresses: ['127.0.0.1'],
    includeLoopback: true,
    mdnsResolver: false,
    remoteFilter: (r) => r.address === '127.0.0.1',
    ...options,
  });
  cleanups.push(() => t.close());
  t.gather();
  return t;
}

/** A data-channel-only description carrying our ICE credentials and candidates (RFC 8839 5). */
export function iceOnlySdp(t: UdpIceTransport, setup: 'actpass' | 'active', mid: string): string {
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=mid:${mid}`,
    `a=ice-ufrag:${t.agent.localUfrag}`,
    `a=ice-pwd:${t.agent.localPassword}`,
    `a=fingerprint:sha-256 ${DUMMY_FINGERPRINT}`,
    `a=setup:${setup}`,
    'a=sctp-port:5000',
    ...t.agent.localCandidates.map((c) => `a=${serializeCandidate(c)}`),
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}

/** The first `a=mid` of a description ('0' when none). */
export function firstMid(sdp: string): string {
  return /a=mid:(\S+)/.exec(sdp)?.[1] ?? '0';
}

/**
 * Gives our agent the other side's ICE credentials (from its SDP) and its UDP 127.0.0.1
 * candidates (`candidate:` or `a=candidate:` lines; by default those in the SDP), then
 * end-of-candidates.
 */
export function applyRemoteIce(t: UdpIceTransport, sdp: string, candidates: readonly string[] = sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'))): void {
  const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
  const pwd = /a=ice-pwd:(\S+)/.exec(sdp)?.[1];
  if (!ufrag || !pwd) throw new Error('no ICE credentials in the remote SDP');
  t.setRemoteCredentials(ufrag, pwd);
  for (const line of candidates) {
    const c = parseCandidate(line);
    if (c.transport === 'udp' && c.address === '127.0.0.1') t.addRemoteCandidate(c);
  }
  t.endOfRemoteCandidates();
}

/**
 * Wires two of our transports to each other: credentials, and each one's candidates (and,
 * with `endOfCandidates`, its end-of-candidates) to the other. Returns both event logs.
 */
export function linkIceTransports(a: UdpIceTransport, b: UdpIceTransport, endOfCandidates = true): [IceEvent[], IceEvent[]] {
  const ea: IceEvent[] = [];
  const eb: IceEvent[] = [];
  a.on((e) => {
    ea.push(e);
    if (e.type === 'candidate') b.addRemoteCandidate(e.candidate);
    if (endOfCandidates && e.type === 'end-of-candidates') b.endOfRemoteCandidates();
  });
  b.on((e) => {
    eb.push(e);
    if (e.type === 'candidate') a.addRemoteCandidate(e.candidate);
    if (endOfCandidates && e.type === 'end-of-candidates') a.endOfRemoteCandidates();
  });
  a.setRemoteCredentials(b.agent.localUfrag, b.agent.localPassword);
  b.setRemoteCredentials(a.agent.localUfrag, a.agent.localPassword);
  return [ea, eb];
}

/** Waits until both agents are connected. */
export async function bothConnected(a: UdpIceTransport, b: UdpIceTransport, what = 'both agents to connect'): Promise<void> {
  await waitFor(() => (iceConnected(a) && iceConnected(b) ? true : undefined), what);
}
