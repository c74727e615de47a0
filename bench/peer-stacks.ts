/**
 * Helper of bench/peer.ts (not a bench itself): the W3C RTCPeerConnection of each stack
 * the peer bench compares, with the loopback settings and quirks from
 * /work/shared/PEERS.md, behind one small shape; and one offer/answer exchange with
 * trickled candidates between two such peers in the same process (JSEP, RFC 8829).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { RTCPeerConnection as TreePeerConnection } from '../src/node/rtc-peer-connection.js';
import { RTCCertificate as TreeCertificate } from '../src/node/rtc-certificate.js';

/**
 * PURERTC_SRC=/path/to/src runs purertc from another copy of the source tree (a change
 * measured before it lands in a file someone else owns); default: this tree.
 */
const altSrc = process.env['PURERTC_SRC'];
const PurePeerConnection: typeof TreePeerConnection = altSrc
  ? ((await import(pathToFileURL(`${altSrc}/node/rtc-peer-connection.ts`).href)) as { RTCPeerConnection: typeof TreePeerConnection }).RTCPeerConnection
  : TreePeerConnection;
const RTCCertificate: typeof TreeCertificate = altSrc
  ? ((await import(pathToFileURL(`${altSrc}/node/rtc-certificate.ts`).href)) as { RTCCertificate: typeof TreeCertificate }).RTCCertificate
  : TreeCertificate;

export const STACK_NAMES = ['purertc', 'werift', 'wrtc', 'node-datachannel'] as const;
export type StackName = (typeof STACK_NAMES)[number];

const requireHere = createRequire(import.meta.url);

/** The loose W3C shapes the four stacks share. */
export interface LooseCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}
export interface LooseChannel {
  label: string;
  readyState: string;
  bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType?: string;
  onopen: ((ev?: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onbufferedamountlow: ((ev?: unknown) => void) | null;
  onclose: ((ev?: unknown) => void) | null;
  send(data: unknown): void;
  close(): void;
}
export interface LoosePeer {
  createDataChannel(label: string, init?: object): LooseChannel;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(d: { type: string; sdp?: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp?: string }): Promise<void>;
  addIceCandidate(c: LooseCandidate): Promise<void>;
  onicecandidate: ((ev: { candidate?: LooseCandidate | null }) => void) | null;
  ondatachannel: ((ev: { channel: LooseChannel }) => void) | null;
  localDescription: { sdp?: string } | null;
  connectionState?: string;
  close(): unknown;
}

/** One stack: how to make a peer, send bytes, and fix candidates for the other side. */
export interface Stack {
  readonly name: StackName;
  create(): LoosePeer;
  toBinary(b: Uint8Array): unknown;
  fixLocalCandidate(c: LooseCandidate, localSdp: string | undefined): LooseCandidate;
  /** Called once when the process is done with the stack (libdatachannel's threads). */
  cleanup(): void;
}

type Ctor = new (config: object) => LoosePeer;

function firstMid(sdp: string | undefined): string {
  return /^a=mid:(\S+)/m.exec(sdp ?? '')?.[1] ?? '0';
}

let sharedCertificate: TreeCertificate | undefined;

/**
 * purertc's options: `certificate: 'shared'` makes one RTCCertificate with
 * generateCertificate and passes it to every peer (W3C 4.9: an application may reuse a
 * generated certificate across connections); 'per-peer' lets each peer generate its own.
 */
export interface PureOptions {
  readonly certificate: 'shared' | 'per-peer';
}

export function makeStack(name: StackName, pure: PureOptions = { certificate: 'per-peer' }): Stack {
  const identity = { fixLocalCandidate: (c: LooseCandidate) => c, cleanup: () => undefined, toBinary: (b: Uint8Array) => b };
  switch (name) {
    case 'purertc':
      return {
        ...identity,
        name,
        create: () => {
          const certificates = pure.certificate === 'shared' ? [(sharedCertificate ??= RTCCertificate.generate())] : undefined;
          return new PurePeerConnection({ iceInterfaceAddresses: ['127.0.0.1'], ...(certificates ? { certificates } : {}) }) as unknown as LoosePeer;
        },
      };
    case 'werift': {
      const Pc = (requireHere('werift') as { RTCPeerConnection: Ctor }).RTCPeerConnection;
      return {
        ...identity,
        name,
        create: () =>
          new Pc({
            iceAdditionalHostAddresses: ['127.0.0.1'],
            iceInterfaceAddresses: { udp4: '127.0.0.1' },
            iceUseIpv6: false,
            iceServers: [{ urls: 'stun:127.0.0.1:9' }],
            iceStunGatherTimeout: 0.001,
          }),
        toBinary: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      };
    }
    case 'wrtc': {
      const Pc = (requireHere('@roamhq/wrtc') as { RTCPeerConnection: Ctor }).RTCPeerConnection;
      return {
        ...identity,
        name,
        create: () => new Pc({ iceServers: [] }),
        fixLocalCandidate: (c) => ({ ...c, sdpMLineIndex: c.sdpMLineIndex ?? 0 }),
      };
    }
    case 'node-datachannel': {
      const Pc = (requireHere('node-datachannel/polyfill') as { RTCPeerConnection: Ctor }).RTCPeerConnection;
      return {
        ...identity,
        name,
        create: () => new Pc({ iceServers: [], bindAddress: '127.0.0.1' }),
        fixLocalCandidate: (c, sdp) => ({
          candidate: (c.candidate ?? '').replace(/^a=/, ''),
          sdpMid: c.sdpMid ?? firstMid(sdp),
          sdpMLineIndex: c.sdpMLineIndex ?? 0,
        }),
        cleanup: () => (requireHere('node-datachannel') as { cleanup(): void }).cleanup(),
      };
    }
  }
}

/** Bytes of a received message (ArrayBuffer, Buffer or view), or its length for a string. */
export function messageBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** Monotonic milliseconds shared by every process on this machine (CLOCK_MONOTONIC). */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Signals one side's description and candidates to the other. Candidates that arrive
 * before the remote description is applied wait for it (werift and libwebrtc reject them).
 */
export class Signaler {
  readonly #peer: LoosePeer;
  #remoteSet = false;
  readonly #early: LooseCandidate[] = [];
  constructor(peer: LoosePeer, stack: Stack, sendCandidate: (c: LooseCandidate) => void) {
    this.#peer = peer;
    peer.onicecandidate = (ev) => {
      const c = ev?.candidate;
      if (c === null || c === undefined || c.candidate === undefined || c.candidate === '') return;
      sendCandidate(stack.fixLocalCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }, peer.localDescription?.sdp));
    };
  }
  async remoteDescription(d: { type: string; sdp?: string }): Promise<void> {
    await this.#peer.setRemoteDescription(d);
    this.#remoteSet = true;
    for (const c of this.#early.splice(0)) await this.#peer.addIceCandidate(c).catch(() => undefined);
  }
  candidate(c: LooseCandidate): void {
    if (!this.#remoteSet) this.#early.push(c);
    else void this.#peer.addIceCandidate(c).catch(() => undefined);
  }
}

/** Resolves when the channel is open (now, if it already is). */
export function whenOpen(ch: LooseChannel): Promise<void> {
  if (ch.readyState === 'open') return Promise.resolve();
  return new Promise((resolve) => {
    ch.onopen = () => resolve();
  });
}

/**
 * Connects two peers of `stack` in this process: `a` offers with one data channel.
 * Resolves with both ends of the channel once both are open.
 */
export async function connectPair(stack: Stack, a: LoosePeer, b: LoosePeer): Promise<{ local: LooseChannel; remote: LooseChannel }> {
  const sa: Signaler = new Signaler(a, stack, (c) => sb.candidate(c));
  const sb: Signaler = new Signaler(b, stack, (c) => sa.candidate(c));
  const remote = new Promise<LooseChannel>((resolve) => {
    b.ondatachannel = (ev) => void whenOpen(ev.channel).then(() => resolve(ev.channel));
  });
  const local = a.createDataChannel('bench');
  const opened = whenOpen(local);
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await sb.remoteDescription({ type: 'offer', sdp: offer.sdp ?? '' });
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await sa.remoteDescription({ type: 'answer', sdp: answer.sdp ?? '' });
  await opened;
  return { local, remote: await remote };
}
