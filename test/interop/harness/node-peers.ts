/**
 * @module test/interop/harness/node-peers
 * The interop matrix's view of a WebRTC peer: `MatrixPeer`, a `SignalingPeer` (see
 * chrome.ts, `negotiate`) plus the data-channel operations the matrix checks need
 * (W3C webrtc-pc RTCDataChannel; RFC 8831 data channels, RFC 8832 DCEP for in-band
 * channels and `negotiated`/`id` for out-of-band ones, RFC 8841 section 6 for
 * `a=max-message-size`, RFC 8829 JSEP for offer/answer).
 *
 * Two implementations:
 * - `NodeMatrixPeer` wraps any W3C-shaped RTCPeerConnection constructor running in THIS
 *   Node process. `createNodePeer('werift' | 'wrtc' | 'node-datachannel', ...)` knows the
 *   loopback quirks of the stacks on this machine (/work/shared/PEERS.md), each one
 *   documented in `STACKS` below; `createNodePeer({ name, RTCPeerConnection, ... })` takes
 *   any other constructor (purertc's own, once it exists).
 * - `ChromeMatrixPeer` wraps a `PagePeer` (chrome.ts) and installs a small helper in the
 *   page (`installMatrixPage`, shipped as source text like page-peers.ts) for what the
 *   harness page API lacks: channel options, channel close, close events, stats bytes.
 *
 * Plugging in another stack (purertc's own RTCPeerConnection, for one):
 * ```ts
 * const purertc: NodeStackSpec = { name: 'purertc', RTCPeerConnection: Pc as unknown as PeerConnectionConstructor, config: {} };
 * const results = await runPair(nodePeerFactory(purertc), nodePeerFactory('werift'));   // matrix.ts
 * ```
 * It needs: createDataChannel(label, init), createOffer/createAnswer/setLocalDescription/
 * setRemoteDescription/addIceCandidate, localDescription/remoteDescription,
 * iceGatheringState, connectionState, onicecandidate (null at the end of gathering),
 * ondatachannel, getStats(), close(); channels with label, id, ordered, maxRetransmits,
 * negotiated, readyState, onopen/onclose/onmessage, send(), close().
 *
 * Payloads are described, not shipped: `{ binary, size, seed }` names a deterministic byte
 * (or ASCII character) pattern that each side generates itself; the receiver records the
 * size, the kind and an FNV-1a digest, so a 256 KiB message never crosses `page.evaluate`.
 */
import { createRequire } from 'node:module';
import type { ChromePage, PagePeer, SignalingPeer } from './chrome.js';
import type { PageWindow } from './page-peers.js';
import { WERIFT_LOOPBACK_CONFIG } from '../../support/werift.js';

/** How long a matrix wait may take by default before it fails. */
export const MATRIX_WAIT_MS = 8_000;
/** Bound on recorded messages per channel (counts go on past it). */
export const MAX_RECORDED_MESSAGES = 1000;
/** Bound on the channels a peer tracks (the matrix opens at most a few dozen per connection). */
export const MAX_TRACKED_CHANNELS = 1024;
/** Bound on a peer's log lines. */
export const MAX_PEER_LOG_LINES = 2000;
/** Polling period of the harness's waits (real time: these are interop tests). */
const POLL_MS = 5;
/**
 * RFC 8841 section 6: an endpoint that omits `a=max-message-size` can receive messages
 * of at most 64 KiB.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 65_536;

/** Options for creating a data channel (W3C RTCDataChannelInit, the parts the matrix uses). */
export interface MatrixChannelInit {
  readonly ordered?: boolean;
  readonly maxRetransmits?: number;
  readonly negotiated?: boolean;
  readonly id?: number;
  readonly protocol?: string;
}

/** A message the sender generates from its description (see `payloadBytes`, `payloadText`). */
export interface Payload {
  readonly binary: boolean;
  readonly size: number;
  readonly seed: number;
}

/** One received message: its kind, size and digest (`payloadDigest` of what was sent). */
export interface ReceivedMessage {
  readonly binary: boolean;
  readonly size: number;
  readonly digest: number;
}

/** What a peer tells about one of its channels. */
export interface MatrixChannelInfo {
  readonly label: string;
  readonly id: number | null;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly negotiated: boolean;
  readonly readyState: string;
  /** True when the channel arrived through `ondatachannel` (created by the remote side, DCEP). */
  readonly remote: boolean;
  /** True once the channel fired its `close` event. */
  readonly closeEvent: boolean;
  /** Messages received so far, counted past MAX_RECORDED_MESSAGES. */
  readonly received: number;
}

/** A candidate from `getStats()`. */
export interface MatrixStatsCandidate {
  readonly candidateType: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
}

/** The parts of `getStats()` the matrix checks. */
export interface MatrixStats {
  /** The selected candidate pair (transport's selectedCandidatePairId, else a selected/nominated succeeded pair). */
  readonly selectedPair: { readonly local: MatrixStatsCandidate; readonly remote: MatrixStatsCandidate } | undefined;
  /** Bytes counted on the selected pair, else the transport, else summed over data channels. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Every stats type present, sorted (for the record). */
  readonly types: readonly string[];
}

/** The maximum message sizes a peer's descriptions declare (RFC 8841 section 6). */
export interface MaxMessageSizes {
  readonly local: number;
  readonly remote: number;
}

/** A peer the interop matrix drives. Channel labels are unique per connection. */
export interface MatrixPeer extends SignalingPeer {
  /** The stack's name as printed in the matrix, e.g. 'werift'. */
  readonly stack: string;
  /** This peer's log (bounded): SDP, candidates, state and channel events, for failure reports. */
  readLog(): Promise<readonly string[]>;
  createChannel(label: string, init?: MatrixChannelInit): Promise<void>;
  waitChannelOpen(label: string, timeoutMs?: number): Promise<void>;
  send(label: string, payload: Payload): Promise<void>;
  /** Waits until `count` messages arrived on `label` and returns the recorded ones. */
  waitMessages(label: string, count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  channelInfo(label: string): Promise<MatrixChannelInfo | undefined>;
  closeChannel(label: string): Promise<void>;
  /** Waits for the channel's `close` event (and readyState 'closed'). */
  waitChannelClosed(label: string, timeoutMs?: number): Promise<void>;
  waitConnected(timeoutMs?: number): Promise<void>;
  maxMessageSizes(): Promise<MaxMessageSizes>;
  stats(): Promise<MatrixStats>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------
// Payloads

/** Byte `i` of a binary payload. */
function patternByte(seed: number, i: number): number {
  return (seed + i * 131 + (i >>> 8)) & 0xff;
}

/** The bytes `payload` stands for. */
export function payloadBytes(payload: Payload): Uint8Array {
  const out = new Uint8Array(payload.size);
  for (let i = 0; i < out.length; i++) out[i] = patternByte(payload.seed, i);
  return out;
}

/** The text `payload` stands for: ASCII letters, so characters equal bytes. */
export function payloadText(payload: Payload): string {
  const codes = new Array<number>(payload.size);
  for (let i = 0; i < payload.size; i++) codes[i] = 97 + ((payload.seed + i * 7) % 26);
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
}

/** FNV-1a (32-bit) over bytes. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** FNV-1a over a string's UTF-16 code units (equal to its bytes for ASCII). */
export function fnv1aText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** What the receiver should record for `payload`. */
export function expectedMessage(payload: Payload): ReceivedMessage {
  return {
    binary: payload.binary,
    size: payload.size,
    digest: payload.binary ? fnv1a(payloadBytes(payload)) : fnv1aText(payloadText(payload)),
  };
}

/** `a=max-message-size` of an SDP, or RFC 8841's 64 KiB default when absent (0 means "no limit"). */
export function sdpMaxMessageSize(sdp: string | undefined): number {
  const m = /^a=max-message-size:(\d+)\s*$/m.exec(sdp ?? '');
  return m?.[1] === undefined ? DEFAULT_MAX_MESSAGE_SIZE : Number(m[1]);
}

/**
 * A wait that ended without its condition: it timed out, or it never can hold (the
 * channel closed before opening, the connection failed). The matrix records these as
 * FAIL (behaviour wrong or never seen), anything else a stack throws as ERR.
 */
export class WaitFailure extends Error {
  override readonly name = 'WaitFailure';
}

/** Polls `pred` until it returns a value other than undefined; throws WaitFailure after `timeoutMs`. */
export async function waitUntil<T>(pred: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = pred();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new WaitFailure(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// ---------------------------------------------------------------------------------
// W3C-shaped stacks in this process

/** The W3C RTCDataChannel surface the adapter uses (werift, wrtc and the polyfill all have it). */
interface LooseChannel {
  readonly label: string;
  readonly id: number | null;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly negotiated: boolean;
  readonly readyState: string;
  binaryType?: string;
  onopen: unknown;
  onclose: unknown;
  onmessage: unknown;
  send(data: unknown): void;
  close(): void;
}

interface LooseCandidate {
  readonly candidate?: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

/** The W3C RTCPeerConnection surface the adapter uses. */
export interface LoosePeerConnection {
  createDataChannel(label: string, init?: object): unknown;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(desc: object): Promise<unknown>;
  setRemoteDescription(desc: object): Promise<unknown>;
  addIceCandidate(candidate: object): Promise<unknown>;
  readonly localDescription: { readonly type: string; readonly sdp?: string } | null | undefined;
  readonly remoteDescription: { readonly type: string; readonly sdp?: string } | null | undefined;
  readonly iceGatheringState: string;
  readonly connectionState: string;
  onicecandidate: unknown;
  ondatachannel: unknown;
  getStats(): Promise<unknown>;
  close(): unknown;
}

/** A constructor of W3C-shaped peer connections. */
export type PeerConnectionConstructor = new (config: Record<string, unknown>) => LoosePeerConnection;

/** A stack's loopback quirks, applied by `NodeMatrixPeer`. */
export interface StackQuirks {
  /** Fixes an outgoing candidate (what this stack emits) before it leaves the adapter. */
  readonly fixLocalCandidate?: (c: RTCIceCandidateInit, localSdp: string | undefined) => RTCIceCandidateInit;
  /** Fixes an incoming candidate (what this stack accepts). */
  readonly fixRemoteCandidate?: (c: RTCIceCandidateInit) => RTCIceCandidateInit;
  /**
   * Its gathering state says 'complete' before the candidates come, and it never sends
   * the end-of-candidates `null`: gathering ends once at least one candidate came and
   * none followed for this many ms.
   */
  readonly gatheringSettleMs?: number;
  /** How to hand it binary data (default a Uint8Array). */
  readonly toBinary?: (bytes: Uint8Array) => unknown;
}

/** A stack the matrix can create in this process. */
export interface NodeStackSpec {
  readonly name: string;
  readonly RTCPeerConnection: PeerConnectionConstructor;
  /** The configuration passed to its constructor. */
  readonly config: Record<string, unknown>;
  readonly quirks?: StackQuirks;
}

/** The stacks known by name. */
export type KnownNodeStack = 'werift' | 'wrtc' | 'node-datachannel';

/** `m=` index and `a=mid` of the first m-section of an SDP (for candidates lacking them). */
function firstMid(sdp: string | undefined): string | null {
  return /^a=mid:(\S+)/m.exec(sdp ?? '')?.[1] ?? null;
}

const requireHere = createRequire(import.meta.url);

/**
 * The per-stack settings, each from /work/shared/PEERS.md (measured in a loopback-only
 * network namespace). Loaded lazily so a test that uses one stack loads only that one.
 */
export const STACKS: Record<KnownNodeStack, () => NodeStackSpec> = {
  werift: () => ({
    name: 'werift',
    RTCPeerConnection: (requireHere('werift') as { RTCPeerConnection: PeerConnectionConstructor }).RTCPeerConnection,
    // werift skips loopback unless told, and waits for a STUN server (test/support/werift.ts).
    config: { ...WERIFT_LOOPBACK_CONFIG },
    // werift's send() takes a Buffer for binary (a plain Uint8Array is not recognised).
    quirks: { toBinary: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength) },
  }),
  wrtc: () => ({
    name: 'wrtc',
    RTCPeerConnection: (requireHere('@roamhq/wrtc') as { RTCPeerConnection: PeerConnectionConstructor }).RTCPeerConnection,
    // It gathers 127.0.0.1, ::1 and TCP candidates here; all are passed on (the others
    // ignore what they cannot use). Its `bufferedamountlow` never fired in our runs: the
    // adapter never waits on it (the matrix sends at most one max-size message at a time).
    config: { iceServers: [] },
    quirks: {
      // libwebrtc rejects `sdpMLineIndex: null` (what libdatachannel sends): drop the key
      // and let sdpMid identify the m-section.
      fixRemoteCandidate: (c) => {
        const { sdpMLineIndex, ...rest } = c;
        return sdpMLineIndex === null || sdpMLineIndex === undefined ? { ...rest, sdpMLineIndex: 0 } : c;
      },
    },
  }),
  'node-datachannel': () => ({
    name: 'node-datachannel',
    RTCPeerConnection: (requireHere('node-datachannel/polyfill') as { RTCPeerConnection: PeerConnectionConstructor })
      .RTCPeerConnection,
    // In a loopback-only namespace libdatachannel gathers nothing without a bind address.
    config: { iceServers: [], bindAddress: '127.0.0.1' },
    quirks: {
      // Its candidates come as `a=candidate:...` with sdpMLineIndex null: strip the `a=`
      // (RFC 8839 section 5.1: the attribute value is the candidate) and name the m-line.
      fixLocalCandidate: (c, localSdp) => ({
        ...c,
        candidate: (c.candidate ?? '').replace(/^a=/, ''),
        sdpMid: c.sdpMid ?? firstMid(localSdp),
        sdpMLineIndex: c.sdpMLineIndex ?? 0,
      }),
      // It reports gathering 'complete' before its first candidate and never sends null.
      gatheringSettleMs: 100,
    },
  }),
};

/** Calls libdatachannel's `cleanup()` (its threads keep the process alive otherwise). */
export function cleanupNodeDatachannel(): void {
  (requireHere('node-datachannel') as { cleanup(): void }).cleanup();
}

/** Creates a matrix peer of a known stack, or of any W3C-shaped constructor. */
export function createNodePeer(stack: KnownNodeStack | NodeStackSpec, id: string): NodeMatrixPeer {
  const spec = typeof stack === 'string' ? STACKS[stack]() : stack;
  return new NodeMatrixPeer(spec, id);
}

interface ChannelEntry {
  readonly channel: LooseChannel;
  readonly remote: boolean;
  readonly messages: ReceivedMessage[];
  received: number;
  closeEvent: boolean;
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** Reads a stats report (a Map or anything with forEach/values) into plain records. */
function statsRecords(report: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const r = report as { forEach?: (cb: (v: unknown) => void) => void } | null;
  if (r !== null && typeof r?.forEach === 'function') r.forEach((v) => out.push(v as Record<string, unknown>));
  else if (Array.isArray(report)) for (const v of report) out.push(v as Record<string, unknown>);
  return out;
}

/** String(v) that cannot throw (a record may hold an object whose toString is not callable). */
function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '';
  }
}

/** Number(v) that cannot throw. */
function safeNumber(v: unknown): number {
  try {
    return Number(v);
  } catch {
    return Number.NaN;
  }
}

/** Summarises a W3C stats report (webrtc-stats: transport, candidate-pair, *-candidate, data-channel). */
export function summarizeStats(records: readonly Record<string, unknown>[]): MatrixStats {
  const byId = new Map<string, Record<string, unknown>>();
  for (const s of records) byId.set(safeString(s['id']), s);
  const cand = (s: Record<string, unknown> | undefined): MatrixStatsCandidate => ({
    candidateType: safeString(s?.['candidateType'] ?? ''),
    address: safeString(s?.['address'] ?? s?.['ip'] ?? ''),
    port: safeNumber(s?.['port'] ?? 0),
    protocol: safeString(s?.['protocol'] ?? ''),
  });
  let pair: Record<string, unknown> | undefined;
  let transport: Record<string, unknown> | undefined;
  for (const s of records) {
    if (s['type'] === 'transport') {
      transport ??= s;
      const sel = s['selectedCandidatePairId'];
      if (typeof sel === 'string' && byId.has(sel)) {
        transport = s;
        pair = byId.get(sel);
      }
    }
  }
  pair ??= records.find((s) => s['type'] === 'candidate-pair' && s['selected'] === true);
  pair ??= records.find((s) => s['type'] === 'candidate-pair' && s['nominated'] === true && s['state'] === 'succeeded');
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  let bytesSent = num(pair?.['bytesSent']);
  let bytesReceived = num(pair?.['bytesReceived']);
  if (bytesSent === 0 && bytesReceived === 0) {
    bytesSent = num(transport?.['bytesSent']);
    bytesReceived = num(transport?.['bytesReceived']);
  }
  if (bytesSent === 0 && bytesReceived === 0) {
    for (const s of records) {
      if (s['type'] !== 'data-channel') continue;
      bytesSent += num(s['bytesSent']);
      bytesReceived += num(s['bytesReceived']);
    }
  }
  return {
    selectedPair:
      pair === undefined
        ? undefined
        : {
            local: cand(byId.get(safeString(pair['localCandidateId']))),
            remote: cand(byId.get(safeString(pair['remoteCandidateId']))),
          },
    bytesSent,
    bytesReceived,
    types: [...new Set(records.map((s) => safeString(s['type'])))].sort(),
  };
}

/** A W3C-shaped RTCPeerConnection in this process, as a `MatrixPeer`. */
export class NodeMatrixPeer implements MatrixPeer {
  readonly id: string;
  readonly stack: string;
  readonly pc: LoosePeerConnection;
  readonly log: string[] = [];
  readonly #quirks: StackQuirks;
  readonly #channels = new Map<string, ChannelEntry>();
  readonly #candidates: RTCIceCandidateInit[] = [];
  #lastCandidateAt = 0;
  #endOfCandidates = false;
  #closed = false;

  constructor(spec: NodeStackSpec, id: string) {
    this.id = id;
    this.stack = spec.name;
    this.#quirks = spec.quirks ?? {};
    this.pc = new spec.RTCPeerConnection({ ...spec.config });
    this.pc.onicecandidate = (ev: { candidate?: LooseCandidate | null } | undefined) => {
      const c = ev?.candidate;
      if (c === null || c === undefined || c.candidate === undefined || c.candidate === '') {
        this.#endOfCandidates = true;
        this.note('end of candidates');
        return;
      }
      let init: RTCIceCandidateInit = {
        candidate: c.candidate,
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
        usernameFragment: c.usernameFragment ?? null,
      };
      init = this.#quirks.fixLocalCandidate?.(init, this.pc.localDescription?.sdp) ?? init;
      this.#candidates.push(init);
      this.#lastCandidateAt = Date.now();
      this.note(`local ${init.candidate ?? ''}`);
    };
    this.pc.ondatachannel = (ev: { channel: LooseChannel }) => {
      this.note(`datachannel ${ev.channel.label}`);
      if (this.#channels.size < MAX_TRACKED_CHANNELS) this.#watch(ev.channel, true);
    };
  }

  async readLog(): Promise<readonly string[]> {
    return this.log.slice();
  }

  note(line: string): void {
    if (this.log.length < MAX_PEER_LOG_LINES) this.log.push(`${new Date().toISOString()} ${this.id}: ${line}`);
  }

  #watch(channel: LooseChannel, remote: boolean): ChannelEntry {
    const entry: ChannelEntry = { channel, remote, messages: [], received: 0, closeEvent: false };
    this.#channels.set(channel.label, entry);
    try {
      channel.binaryType = 'arraybuffer';
    } catch {
      // werift has no binaryType; it delivers Buffers.
    }
    channel.onopen = () => this.note(`channel ${channel.label} open (id ${String(channel.id)})`);
    channel.onclose = () => {
      entry.closeEvent = true;
      this.note(`channel ${channel.label} close event`);
    };
    channel.onmessage = (ev: { data: unknown }) => {
      const data = ev.data;
      let msg: ReceivedMessage;
      if (typeof data === 'string') {
        msg = { binary: false, size: data.length, digest: fnv1aText(data) };
      } else {
        const bytes = toBytes(data);
        msg = bytes === undefined ? { binary: true, size: -1, digest: 0 } : { binary: true, size: bytes.length, digest: fnv1a(bytes) };
      }
      entry.received++;
      if (entry.messages.length < MAX_RECORDED_MESSAGES) entry.messages.push(msg);
    };
    return entry;
  }

  #entry(label: string): ChannelEntry {
    const e = this.#channels.get(label);
    if (e === undefined) throw new Error(`${this.id} (${this.stack}) has no channel ${label}`);
    return e;
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription({ type: offer.type, sdp: offer.sdp });
    // What createOffer produced, as a browser hands it out (candidates follow by trickle),
    // not localDescription: libdatachannel's holds the candidates gathered so far, and a
    // libdatachannel answerer given such an offer at times failed with "Got a remote
    // candidate without ICE transport".
    const sdp = offer.sdp ?? this.pc.localDescription?.sdp ?? '';
    this.note(`offer\n${sdp}`);
    return { type: 'offer', sdp };
  }

  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription({ type: answer.type, sdp: answer.sdp });
    const sdp = answer.sdp ?? this.pc.localDescription?.sdp ?? '';
    this.note(`answer\n${sdp}`);
    return { type: 'answer', sdp };
  }

  async setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    this.note(`setRemoteDescription ${desc.type}`);
    await this.pc.setRemoteDescription({ type: desc.type, sdp: desc.sdp });
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    const c = this.#quirks.fixRemoteCandidate?.(candidate) ?? candidate;
    this.note(`addIceCandidate ${c.candidate ?? ''}`);
    await this.pc.addIceCandidate(c);
  }

  async gatherCandidates(timeoutMs = MATRIX_WAIT_MS): Promise<RTCIceCandidateInit[]> {
    const settle = this.#quirks.gatheringSettleMs;
    await waitUntil(
      () => {
        if (settle !== undefined) {
          return this.#candidates.length > 0 && Date.now() - this.#lastCandidateAt >= settle ? true : undefined;
        }
        return this.#endOfCandidates || this.pc.iceGatheringState === 'complete' ? true : undefined;
      },
      `${this.id} (${this.stack}) end of gathering`,
      timeoutMs,
    );
    return this.#candidates.slice();
  }

  async createChannel(label: string, init: MatrixChannelInit = {}): Promise<void> {
    if (this.#channels.has(label)) throw new Error(`${this.id} already has a channel ${label}`);
    if (this.#channels.size >= MAX_TRACKED_CHANNELS) throw new Error(`${this.id} tracks ${MAX_TRACKED_CHANNELS} channels already`);
    const dc = this.pc.createDataChannel(label, { ...init }) as LooseChannel;
    this.note(`createDataChannel ${label} ${JSON.stringify(init)}`);
    this.#watch(dc, false);
  }

  async waitChannelOpen(label: string, timeoutMs = MATRIX_WAIT_MS): Promise<void> {
    await waitUntil(
      () => {
        const ch = this.#channels.get(label)?.channel;
        if (ch?.readyState === 'open') return true;
        if (ch?.readyState === 'closed') throw new WaitFailure(`${this.id} (${this.stack}): channel ${label} closed before opening`);
        return undefined;
      },
      `${this.id} (${this.stack}) channel ${label} open`,
      timeoutMs,
    );
  }

  async send(label: string, payload: Payload): Promise<void> {
    const ch = this.#entry(label).channel;
    if (payload.binary) {
      const bytes = payloadBytes(payload);
      ch.send(this.#quirks.toBinary?.(bytes) ?? bytes);
    } else {
      ch.send(payloadText(payload));
    }
  }

  async waitMessages(label: string, count: number, timeoutMs = MATRIX_WAIT_MS): Promise<ReceivedMessage[]> {
    await waitUntil(
      () => ((this.#channels.get(label)?.received ?? 0) >= count ? true : undefined),
      `${this.id} (${this.stack}) ${count} messages on ${label} (have ${this.#channels.get(label)?.received ?? 0})`,
      timeoutMs,
    );
    return this.#entry(label).messages.slice();
  }

  async channelInfo(label: string): Promise<MatrixChannelInfo | undefined> {
    const e = this.#channels.get(label);
    if (e === undefined) return undefined;
    const ch = e.channel;
    return {
      label,
      id: ch.id ?? null,
      ordered: ch.ordered,
      maxRetransmits: ch.maxRetransmits ?? null,
      negotiated: ch.negotiated,
      readyState: ch.readyState,
      remote: e.remote,
      closeEvent: e.closeEvent,
      received: e.received,
    };
  }

  async closeChannel(label: string): Promise<void> {
    this.note(`close channel ${label}`);
    this.#entry(label).channel.close();
  }

  async waitChannelClosed(label: string, timeoutMs = MATRIX_WAIT_MS): Promise<void> {
    await waitUntil(
      () => {
        const e = this.#channels.get(label);
        return e !== undefined && e.closeEvent && e.channel.readyState === 'closed' ? true : undefined;
      },
      `${this.id} (${this.stack}) close event on ${label} (readyState ${this.#channels.get(label)?.channel.readyState ?? 'none'})`,
      timeoutMs,
    );
  }

  async waitConnected(timeoutMs = MATRIX_WAIT_MS): Promise<void> {
    await waitUntil(
      () => {
        const s = this.pc.connectionState;
        if (s === 'connected') return true;
        if (s === 'failed' || s === 'closed') throw new WaitFailure(`${this.id} (${this.stack}) connectionState ${s}`);
        return undefined;
      },
      `${this.id} (${this.stack}) connectionState connected (is ${this.pc.connectionState})`,
      timeoutMs,
    );
  }

  async maxMessageSizes(): Promise<MaxMessageSizes> {
    return {
      local: sdpMaxMessageSize(this.pc.localDescription?.sdp),
      remote: sdpMaxMessageSize(this.pc.remoteDescription?.sdp),
    };
  }

  async stats(): Promise<MatrixStats> {
    return summarizeStats(statsRecords(await this.pc.getStats()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.note('close');
    for (const e of this.#channels.values()) {
      e.channel.onmessage = null;
    }
    await this.pc.close();
  }
}

// ---------------------------------------------------------------------------------
// Chrome

/** What `installMatrixPage` puts on `window.purertcMatrix`. */
interface MatrixPageApi {
  register(id: string): void;
  createChannel(id: string, label: string, init: MatrixChannelInit): void;
  send(id: string, label: string, payload: Payload): void;
  received(id: string, label: string): number;
  messages(id: string, label: string): ReceivedMessage[];
  info(id: string, label: string): MatrixChannelInfo | null;
  closeChannel(id: string, label: string): void;
  descriptions(id: string): { local: string | undefined; remote: string | undefined };
}
type MatrixPageWindow = PageWindow & { purertcMatrix?: MatrixPageApi };

/**
 * Runs in the page (shipped as source text: self-contained, no imports, no module
 * scope). Keeps its own registry of each peer's channels beside page-peers.ts's, using
 * `addEventListener` so the harness page's own handlers stay in place. The payload
 * pattern and FNV-1a digest repeat `payloadBytes`, `payloadText` and `fnv1a` above.
 */
export function installMatrixPage(): void {
  const MAX_MESSAGES = 1000;
  const MAX_CHANNELS = 1024;
  interface Entry {
    channel: RTCDataChannel;
    remote: boolean;
    messages: ReceivedMessage[];
    received: number;
    closeEvent: boolean;
  }
  const peers = new Map<string, Map<string, Entry>>();
  const w = window as unknown as MatrixPageWindow;
  const fnvBytes = (b: Uint8Array): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193) >>> 0;
    return h;
  };
  const fnvText = (s: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  const channels = (id: string): Map<string, Entry> => {
    const m = peers.get(id);
    if (m === undefined) throw new Error(`matrix: no page peer ${id}`);
    return m;
  };
  const entry = (id: string, label: string): Entry => {
    const e = channels(id).get(label);
    if (e === undefined) throw new Error(`matrix: ${id} has no channel ${label}`);
    return e;
  };
  const watch = (id: string, ch: RTCDataChannel, remote: boolean): void => {
    ch.binaryType = 'arraybuffer';
    const e: Entry = { channel: ch, remote, messages: [], received: 0, closeEvent: false };
    channels(id).set(ch.label, e);
    ch.addEventListener('close', () => {
      e.closeEvent = true;
    });
    ch.addEventListener('message', (ev: MessageEvent) => {
      const d: unknown = ev.data;
      const msg =
        typeof d === 'string'
          ? { binary: false, size: d.length, digest: fnvText(d) }
          : { binary: true, size: (d as ArrayBuffer).byteLength, digest: fnvBytes(new Uint8Array(d as ArrayBuffer)) };
      e.received++;
      if (e.messages.length < MAX_MESSAGES) e.messages.push(msg);
    });
  };
  const api: MatrixPageApi = {
    register(id) {
      if (peers.has(id)) return;
      peers.set(id, new Map());
      w.purertc.pc(id).addEventListener('datachannel', (ev) => {
        if (channels(id).size < MAX_CHANNELS) watch(id, ev.channel, true);
      });
    },
    createChannel(id, label, init) {
      watch(id, w.purertc.pc(id).createDataChannel(label, init), false);
    },
    send(id, label, p) {
      const ch = entry(id, label).channel;
      if (p.binary) {
        const b = new Uint8Array(p.size);
        for (let i = 0; i < b.length; i++) b[i] = (p.seed + i * 131 + (i >>> 8)) & 0xff;
        ch.send(b);
      } else {
        const codes: number[] = new Array<number>(p.size);
        for (let i = 0; i < p.size; i++) codes[i] = 97 + ((p.seed + i * 7) % 26);
        let s = '';
        for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
        ch.send(s);
      }
    },
    received(id, label) {
      return channels(id).get(label)?.received ?? 0;
    },
    messages(id, label) {
      return entry(id, label).messages.slice();
    },
    info(id, label) {
      const e = channels(id).get(label);
      if (e === undefined) return null;
      const ch = e.channel;
      return {
        label,
        id: ch.id,
        ordered: ch.ordered,
        maxRetransmits: ch.maxRetransmits,
        negotiated: ch.negotiated,
        readyState: ch.readyState,
        remote: e.remote,
        closeEvent: e.closeEvent,
        received: e.received,
      };
    },
    closeChannel(id, label) {
      entry(id, label).channel.close();
    },
    descriptions(id) {
      const pc = w.purertc.pc(id);
      return { local: pc.localDescription?.sdp, remote: pc.remoteDescription?.sdp };
    },
  };
  w.purertcMatrix = api;
}

/** Creates a Chrome page peer (harness page API) wrapped as a `MatrixPeer`. */
export async function createChromePeer(page: ChromePage, id: string): Promise<ChromeMatrixPeer> {
  const peer = await page.createPeer(id);
  await page.page.evaluate(`window.purertcMatrix === undefined && (${String(installMatrixPage)})()`);
  await page.page.evaluate((i) => (window as unknown as MatrixPageWindow).purertcMatrix?.register(i), id);
  return new ChromeMatrixPeer(peer);
}

/** A Chrome page peer as a `MatrixPeer`: signaling through `PagePeer`, channels through `installMatrixPage`. */
export class ChromeMatrixPeer implements MatrixPeer {
  readonly stack = 'chrome';
  readonly peer: PagePeer;
  readonly id: string;

  constructor(peer: PagePeer) {
    this.peer = peer;
    this.id = peer.id;
  }

  /** The page's harness log, then the page peer's own event log (states, candidates, channels). */
  async readLog(): Promise<readonly string[]> {
    const events = await this.peer.snapshot().then(
      (snap) => snap.events,
      (err: unknown) => [`snapshot failed: ${String(err)}`],
    );
    return [...this.peer.page.log, ...events];
  }

  #api<A, R>(fn: (api: MatrixPageApi, id: string, arg: A) => R, arg: A): Promise<Awaited<R>> {
    const src = String(fn);
    return this.peer.page.page.evaluate(
      ([s, i, a]) => {
        const f = (0, eval)(`(${s})`) as (api: MatrixPageApi, id: string, arg: unknown) => unknown;
        const api = (window as unknown as MatrixPageWindow).purertcMatrix;
        if (api === undefined) throw new Error('matrix page helper missing');
        return f(api, i, a);
      },
      [src, this.id, arg] as const,
    ) as Promise<Awaited<R>>;
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    return this.peer.createOffer();
  }
  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.peer.createAnswer();
  }
  setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    return this.peer.setRemoteDescription(desc);
  }
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.peer.addIceCandidate(candidate);
  }
  gatherCandidates(timeoutMs = MATRIX_WAIT_MS): Promise<RTCIceCandidateInit[]> {
    return this.peer.gatherCandidates(timeoutMs);
  }

  async createChannel(label: string, init: MatrixChannelInit = {}): Promise<void> {
    this.peer.page.note(`${this.id} createDataChannel ${label} ${JSON.stringify(init)}`);
    await this.#api((api, id, a) => api.createChannel(id, a.label, a.init), { label, init });
  }

  async waitChannelOpen(label: string, timeoutMs = MATRIX_WAIT_MS): Promise<void> {
    await this.#poll(
      async () => {
        const info = await this.channelInfo(label);
        if (info?.readyState === 'open') return true;
        if (info?.readyState === 'closed') throw new WaitFailure(`chrome ${this.id}: channel ${label} closed before opening`);
        return undefined;
      },
      `chrome ${this.id} channel ${label} open`,
      timeoutMs,
    );
  }

  async send(label: string, payload: Payload): Promise<void> {
    await this.#api((api, id, a) => api.send(id, a.label, a.payload), { label, payload });
  }

  async waitMessages(label: string, count: number, timeoutMs = MATRIX_WAIT_MS): Promise<ReceivedMessage[]> {
    await this.#poll(
      async () => ((await this.#api((api, id, l) => api.received(id, l), label)) >= count ? true : undefined),
      `chrome ${this.id} ${count} messages on ${label}`,
      timeoutMs,
    );
    return this.#api((api, id, l) => api.messages(id, l), label);
  }

  async channelInfo(label: string): Promise<MatrixChannelInfo | undefined> {
    return (await this.#api((api, id, l) => api.info(id, l), label)) ?? undefined;
  }

  async closeChannel(label: string): Promise<void> {
    this.peer.page.note(`${this.id} close channel ${label}`);
    await this.#api((api, id, l) => api.closeChannel(id, l), label);
  }

  async waitChannelClosed(label: string, timeoutMs = MATRIX_WAIT_MS): Promise<void> {
    await this.#poll(
      async () => {
        const info = await this.channelInfo(label);
        return info?.closeEvent === true && info.readyState === 'closed' ? true : undefined;
      },
      `chrome ${this.id} close event on ${label}`,
      timeoutMs,
    );
  }

  async waitConnected(timeoutMs = MATRIX_WAIT_MS): Promise<void> {
    try {
      await this.peer.waitFor({ kind: 'connectionState', state: 'connected' }, timeoutMs);
    } catch (err) {
      throw new WaitFailure(err instanceof Error ? err.message : String(err));
    }
  }

  async maxMessageSizes(): Promise<MaxMessageSizes> {
    const d = await this.#api((api, id) => api.descriptions(id), null);
    return { local: sdpMaxMessageSize(d.local), remote: sdpMaxMessageSize(d.remote) };
  }

  async stats(): Promise<MatrixStats> {
    const records = await this.peer.page.page.evaluate(async (i) => {
      const report = await (window as unknown as PageWindow).purertc.pc(i).getStats();
      const out: Record<string, unknown>[] = [];
      report.forEach((s: Record<string, unknown>) => out.push(s));
      return JSON.parse(JSON.stringify(out)) as Record<string, unknown>[];
    }, this.id);
    return summarizeStats(records);
  }

  async close(): Promise<void> {
    await this.peer.close();
  }

  async #poll(pred: () => Promise<true | undefined>, what: string, timeoutMs: number): Promise<void> {
    const start = Date.now();
    for (;;) {
      if ((await pred()) !== undefined) return;
      if (Date.now() - start > timeoutMs) throw new WaitFailure(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
