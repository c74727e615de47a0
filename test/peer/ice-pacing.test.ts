/**
 * RFC 8839 5.5 a=ice-pacing in our descriptions, and the Ta both agents then use
 * (RFC 8445 14.2: the larger of the two proposals; a description without the attribute
 * counts as the 50 ms default, which is what Chrome 156's offers carry).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../src/sdp/index.js';
import type { IceAgent } from '../../src/ice/agent.js';
import { DEFAULT_ICE_PACING_MS } from '../../src/peer/peer-connection.js';
import { PeerPair, makePeer } from './helpers.js';

const agentOf = (pc: unknown): IceAgent => (pc as { transports: { agent: IceAgent }[] }).transports[0]!.agent;
const pacingLine = (sdp: string): string | undefined => parseSdp(sdp).attributes.flatMap((a) => (a.type === 'unknown' && a.name === 'ice-pacing' ? [a.value ?? ''] : []))[0];

describe('a=ice-pacing (RFC 8839 5.5)', () => {
  it('both purertc peers propose 5 ms and pace their checks at 5 ms', () => {
    const p = new PeerPair(31);
    p.a.pc.createDataChannel(0, { label: 'x' });
    p.negotiate('a');
    expect(pacingLine(p.a.pc.localDescription?.sdp ?? '')).toBe(String(DEFAULT_ICE_PACING_MS));
    expect(pacingLine(p.b.pc.localDescription?.sdp ?? '')).toBe(String(DEFAULT_ICE_PACING_MS));
    expect(agentOf(p.a.pc).pacingMs).toBe(DEFAULT_ICE_PACING_MS);
    expect(agentOf(p.b.pc).pacingMs).toBe(DEFAULT_ICE_PACING_MS);
  });

  it('against a Chrome offer without the attribute, the answerer paces at 50 ms', () => {
    const offer = readFileSync('vectors/chromium-156/offer-datachannel.sdp', 'utf8');
    expect(pacingLine(offer)).toBeUndefined();
    const b = makePeer(32, '127.0.0.1', 40_002);
    b.pc.setRemoteDescription(0, { type: 'offer', sdp: offer });
    const answer = b.pc.createAnswer(0);
    b.pc.setLocalDescription(0, answer);
    expect(pacingLine(answer.sdp)).toBe(String(DEFAULT_ICE_PACING_MS));
    expect(agentOf(b.pc).pacingMs).toBe(50);
  });
});
