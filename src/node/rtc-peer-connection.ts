/**
 * @module node/rtc-peer-connection
 * W3C webrtc-pc 4.4: RTCPeerConnection on Node, driving the sans-IO peer (src/peer) with
 * real UDP sockets (one per local address, RFC 8445 section 5.1.1.1 host candidates),
 * one timer re-armed at `pollTimeout()`, and the monotonic clock. Promise methods run on
 * one operations chain (W3C 4.4.1.2 "chain an operation"); events are EventTarget events
 * with `on<event>` attributes.
 *
 * Addresses: by default every non-loopback interface address is bound, as browsers do.
 * Tests and loopback-only setups pass `iceInterfaceAddresses: ['127.0.0.1']` (bind exactly
 * these; loopback addresses listed there become host candidates), or
 * `iceIncludeLoopback: true` to add loopback to the default list. A host whose only
 * interface is loopback binds its loopback addresses rather than none. `stun:` and `turn:`
 * servers are resolved with DNS; a TURN server gives a relayed candidate (RFC 8656), and
 * `iceTransportPolicy: 'relay'` uses only those. TURN servers are reached over UDP, or over
 * TCP (`turn:host:port?transport=tcp`) or TLS (`turns:host[:port]`, default port 5349;
 * RFC 7065 section 3.1, RFC 8656 section 3.1) through one TurnStream (node/turn-stream)
 * each: the facade carries the core's transmits to such a server on the stream and hands
 * each received frame back as a datagram from it. TLS verifies the server certificate
 * with Node's default CA store unless `turnTlsCa` / `turnTlsRejectUnauthorized` say otherwise.
 *
 * Media (webrtc-pc 5.1 RTP media API): `addTrack` (reusing a transceiver of the track's
 * kind that never sent and has no track, else a new sendrecv one), `removeTrack`,
 * `addTransceiver`, `getSenders` / `getReceivers` / `getTransceivers` (the facade keeps the
 * transceiver objects, keyed by the peer's mids), and `track` events (RTCTrackEvent) fired
 * while setRemoteDescription runs, before its promise settles (4.4.1.6 "process the
 * addition of a remote track", with the associated remote streams kept per id). Frames
 * written to a track go to the peer's sendFrame; the peer's frame / rtp / keyframe-request
 * events go to the receiver's track and the sender's track. `getStats(selector)` (8.2)
 * adds the media entries (node/rtc-stats) and filters by a track's sender or receiver.
 */
import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:dgram';
import { createIceSocket, remoteOf } from './udp-socket.js';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ErrorCode, PureRtcError } from '../common/errors.js';
import type { TransportAddress } from '../ice/stun-binding.js';
import { MAX_TRANSCEIVERS, PeerConnection } from '../peer/peer-connection.js';
import type { TurnServerConfig } from '../peer/relay.js';
import type { PeerChannel, PeerConnectionState, PeerEvent, SignalingState } from '../peer/peer-connection.js';
import { listHostAddresses } from './ice-interfaces.js';
import { resolveMdnsName } from './ice-mdns.js';
import { RTCCertificate } from './rtc-certificate.js';
import { RTCDataChannel } from './rtc-data-channel.js';
import type { DataChannelHost, RTCDataChannelInit } from './rtc-data-channel.js';
import { EventHandlers, RTCDataChannelEvent, RTCPeerConnectionIceErrorEvent, RTCPeerConnectionIceEvent } from './rtc-events.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCIceCandidateInit } from './rtc-ice-candidate.js';
import { RTCSctpTransport } from './rtc-sctp-transport.js';
import { RTCDtlsTransport } from './rtc-dtls-transport.js';
import { RTCSessionDescription } from './rtc-session-description.js';
import { addMediaStats, buildStatsReport, RTCStatsReport as StatsReport, selectStats } from './rtc-stats.js';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { checkSendEncodings, RTCRtpSender } from './rtc-rtp-sender.js';
import type { RTCRtpEncodingParameters } from './rtc-rtp-sender.js';
import { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';
import type { MediaHost, RTCRtpTransceiverDirection } from './rtc-rtp-transceiver.js';
import { RTCTrackEvent } from './rtc-track-event.js';
import { TURN_DEFAULT_PORT, TURNS_DEFAULT_PORT, TurnStream } from './turn-stream.js';
import type { TurnStreamTransport } from './turn-stream.js';
import type { RTCSharedUdpSocket, SharedSocketAttachment } from './rtc-shared-socket.js';
import type { RTCStatsReport } from './rtc-stats.js';
import type { RTCSessionDescriptionInit } from './rtc-session-description.js';

export interface RTCIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export type RTCIceTransportPolicy = 'all' | 'relay';
export type RTCBundlePolicy = 'balanced' | 'max-compat' | 'max-bundle';
export type RTCIceGatheringState = 'new' | 'gathering' | 'complete';
export type RTCIceConnectionState = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed';

export interface RTCConfiguration {
  iceServers?: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * RFC 8829 section 4.1.1; default 'balanced'. Initial offers mark sections bundle-only
   * as the policy says (max-bundle: all but the first; balanced: all but the first of each
   * kind); answers reject what the policy would not bundle. One transport is run: sections
   * the remote leaves outside the first section's BUNDLE group get no transport.
   */
  bundlePolicy?: RTCBundlePolicy;
  rtcpMuxPolicy?: 'require';
  certificates?: RTCCertificate[];
  iceCandidatePoolSize?: number;
  /** purertc: bind exactly these local addresses (loopback ones included as candidates). */
  iceInterfaceAddresses?: string[];
  /** purertc: also bind loopback addresses when listing interfaces. */
  iceIncludeLoopback?: boolean;
  /** purertc: UDP port to bind on each address (default 0: any). */
  icePort?: number;
  /**
   * purertc (servers): use this one UDP socket, shared with other peer connections, instead
   * of binding our own; `iceInterfaceAddresses` and `icePort` are then ignored. See
   * RTCSharedUdpSocket (demultiplexed by STUN USERNAME, then remote address). Give such
   * peers no TURN servers.
   */
  sharedSocket?: RTCSharedUdpSocket;
  /**
   * purertc: extra trust anchors (PEM) for `turns:` servers, on top of Node's default CA
   * store (e.g. a test's self-signed certificate).
   */
  turnTlsCa?: string | string[];
  /**
   * purertc: `false` accepts any certificate from `turns:` servers (tests only; default
   * true: the certificate must chain to a trusted CA and match the URI's host).
   */
  turnTlsRejectUnauthorized?: boolean;
  /**
   * purertc: a remote track is muted after this many ms without media (webrtc-pc 5.3: the
   * RTP source timed out); default DEFAULT_REMOTE_TRACK_MUTE_AFTER_MS, 0 never.
   */
  remoteTrackMuteAfterMs?: number;
}

/** RFC 3550 6.3.5: a sender times out after two RTCP intervals, 5 s at least each (6.2). */
export const DEFAULT_REMOTE_TRACK_MUTE_AFTER_MS = 10_000;

/** webrtc-pc 5.1 RTCRtpTransceiverInit. */
export interface RTCRtpTransceiverInit {
  direction?: RTCRtpTransceiverDirection;
  streams?: MediaStream[];
  sendEncodings?: RTCRtpEncodingParameters[];
}

const TRANSCEIVER_DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
/** Remote streams one track joins (RFC 8830 allows several a=msid lines; a remote cannot make us hold more). */
export const MAX_REMOTE_STREAMS_PER_TRACK = 16;

export interface RTCOfferOptions {
  iceRestart?: boolean;
  offerToReceiveAudio?: boolean;
  offerToReceiveVideo?: boolean;
}

/** Largest UDP datagram we read (RFC 8261 section 5: DTLS records fit a path MTU well below it). */
const MAX_DATAGRAM_BYTES = 65535;

function toDomException(e: unknown): unknown {
  if (!(e instanceof PureRtcError)) return e;
  const name = e.code === ErrorCode.InvalidState ? 'InvalidStateError' : e.code === ErrorCode.InvalidArgument ? 'InvalidAccessError' : 'OperationError';
  return new DOMException(e.message, name);
}

/** Resolves a host name or IP literal (brackets stripped) to an address. */
async function resolveHost(host: string): Promise<string | undefined> {
  try {
    return isIP(host) !== 0 ? host : (await lookup(host)).address;
  } catch {
    return undefined;
  }
}

/** A TURN server reached over a stream: how, and the URI's host (TLS SNI / identity). */
interface StreamServer {
  readonly transport: TurnStreamTransport;
  readonly host: string;
}

const addressKey = (a: TransportAddress): string => `${a.address}|${a.port}`;

/**
 * Parses `stun:host[:port]` (RFC 7064 section 3.1) and `turn:host[:port][?transport=udp|tcp]`
 * / `turns:host[:port][?transport=tcp]` (RFC 7065 section 3.1; default ports 3478 and
 * 5349). Returns undefined for what we do not use (`stuns:`, `turns:...?transport=udp`).
 */
export function parseIceServerUrl(url: string): { scheme: 'stun' | 'turn'; host: string; port: number; transport: 'udp' | 'tcp' | 'tls' } | undefined {
  const m = /^(stun|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i.exec(url);
  if (!m) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  const requested = m[4]?.toLowerCase();
  const port = m[3] !== undefined ? Number(m[3]) : scheme === 'turns' ? TURNS_DEFAULT_PORT : TURN_DEFAULT_PORT;
  if (port < 1 || port > 65535) return undefined;
  const host = (m[2] as string).replace(/^\[|\]$/g, '');
  if (scheme === 'stun') return requested === undefined ? { scheme: 'stun', host, port, transport: 'udp' } : undefined;
  if (scheme === 'turns') return requested === 'udp' ? undefined : { scheme: 'turn', host, port, transport: 'tls' };
  return { scheme: 'turn', host, port, transport: requested === 'tcp' ? 'tcp' : 'udp' };
}

/**
 * Resolves the configured servers. A TURN server over TCP/TLS at the same address and port
 * as an earlier UDP one (or the reverse) is skipped: the core tells servers apart by address.
 */
async function resolveIceServers(servers: readonly RTCIceServer[]): Promise<{ stun: TransportAddress[]; turn: TurnServerConfig[]; streams: Map<string, StreamServer> }> {
  const stun: TransportAddress[] = [];
  const turn: TurnServerConfig[] = [];
  const streams = new Map<string, StreamServer>();
  for (const s of servers) {
    const urls = Array.isArray(s.urls) ? s.urls : [s.urls];
    for (const url of urls) {
      const u = parseIceServerUrl(url);
      if (!u) continue;
      const address = await resolveHost(u.host);
      if (address === undefined) continue;
      const server = { address, port: u.port };
      if (u.scheme === 'stun') {
        stun.push(server);
        continue;
      }
      if (turn.some((t) => addressKey(t.server) === addressKey(server))) continue;
      if (u.transport !== 'udp') streams.set(addressKey(server), { transport: u.transport, host: u.host });
      turn.push({ server, username: s.username ?? '', password: s.credential ?? '', url, transport: u.transport });
    }
  }
  return { stun, turn, streams };
}

/** STUN Binding (method 0x001, any class): the agent's own srflx checks, never TURN traffic. */
function isStunBinding(data: Uint8Array): boolean {
  return data.length >= 2 && (data[0] as number) < 4 && ((((data[0] as number) << 8) | (data[1] as number)) & 0x3eef) === 0x0001;
}

export class RTCPeerConnection extends EventTarget {
  readonly #config: RTCConfiguration;
  readonly #certificate: RTCCertificate;
  #core: PeerConnection | undefined;
  readonly #ready: Promise<PeerConnection>;
  readonly #sockets = new Map<string, Socket>();
  /** TURN servers reached over TCP/TLS (by `address|port`), and their open streams. */
  #streamServers = new Map<string, StreamServer>();
  readonly #streams = new Map<string, TurnStream>();
  /** The shared socket's address and our attachment, when `sharedSocket` is configured. */
  #shared: { readonly base: TransportAddress; readonly attachment: SharedSocketAttachment } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt: number | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #channels = new Map<number, RTCDataChannel>();
  /** Channels created before the core exists, replayed in order once it does. */
  readonly #early: { channel: RTCDataChannel; init: RTCDataChannelInit & { label: string } }[] = [];
  #flushing = false;
  #again = false;
  #closed = false;
  #signaling: SignalingState = 'stable';
  #iceGathering: RTCIceGatheringState = 'new';
  #iceConnection: RTCIceConnectionState = 'new';
  #connection: PeerConnectionState = 'new';
  readonly #on = new EventHandlers(this);
  readonly #host: DataChannelHost;
  /** W3C [[Transceivers]], in creation order. */
  #transceivers: RTCRtpTransceiver[] = [];
  /** Remote streams by id (W3C 4.4.1.6: one MediaStream object per remote stream id). */
  readonly #remoteStreams = new Map<string, MediaStream>();
  /** Media calls made before the core exists, replayed in order once it does. */
  readonly #earlyMedia: ((core: PeerConnection, now: number) => void)[] = [];
  readonly #media: MediaHost;

  static generateCertificate(keygenAlgorithm?: unknown): Promise<RTCCertificate> {
    try {
      return Promise.resolve(RTCCertificate.generate(keygenAlgorithm));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  constructor(configuration: RTCConfiguration = {}) {
    super();
    // W3C 4.4.1.1: RTCBundlePolicy is a WebIDL enum (TypeError otherwise), 'balanced' by default.
    if (configuration.bundlePolicy !== undefined && !['balanced', 'max-compat', 'max-bundle'].includes(configuration.bundlePolicy)) {
      throw new TypeError(`unknown bundlePolicy ${JSON.stringify(configuration.bundlePolicy)}`);
    }
    this.#config = { ...configuration, bundlePolicy: configuration.bundlePolicy ?? 'balanced' };
    const certs = configuration.certificates ?? [];
    const cert = certs[0];
    if (cert !== undefined && cert.expires <= Date.now()) throw new DOMException('the certificate has expired', 'InvalidAccessError');
    this.#certificate = cert ?? RTCCertificate.generate();
    for (const s of configuration.iceServers ?? []) {
      const urls = Array.isArray(s.urls) ? s.urls : [s.urls];
      for (const u of urls) {
        if (!/^(stun|turns?):/i.test(u)) throw new DOMException(`bad ICE server URL ${u}`, 'SyntaxError');
        if (/^turns?:/i.test(u) && (s.username === undefined || s.credential === undefined)) throw new DOMException(`${u} needs username and credential`, 'InvalidAccessError');
      }
    }
    this.#host = {
      send: (key, data) => this.#run((c, now) => c.send(now, key, data)),
      close: (key) => this.#run((c, now) => c.closeChannel(now, key)),
      bufferedAmount: (key) => this.#core?.bufferedAmount(key) ?? 0,
      setLowThreshold: (key, bytes) => this.#core?.setBufferedAmountLowThreshold(key, bytes),
      maxMessageSize: () => this.#core?.maxMessageSize ?? 65536,
    };
    this.#media = this.#mediaHost();
    this.#ready = this.#setup();
    this.#ready.catch(() => undefined);
  }

  async #setup(): Promise<PeerConnection> {
    const relayOnly = this.#config.iceTransportPolicy === 'relay';
    const servers = await resolveIceServers(this.#config.iceServers ?? []);
    this.#streamServers = servers.streams;
    const explicit = this.#config.iceInterfaceAddresses;
    let addresses = explicit ?? listHostAddresses({ includeLoopback: this.#config.iceIncludeLoopback ?? false }).map((a) => a.address);
    // A machine with no usable interface but loopback (a container, a CI namespace) can
    // still reach peers on the same host: fall back to its loopback addresses.
    const loopbackFallback = explicit === undefined && addresses.length === 0;
    if (loopbackFallback) addresses = listHostAddresses({ includeLoopback: true }).map((a) => a.address);
    const core = new PeerConnection({
      certificate: this.#certificate.certificate,
      stunServers: relayOnly ? [] : servers.stun,
      turnServers: servers.turn,
      iceTransportPolicy: relayOnly ? 'relay' : 'all',
      bundlePolicy: this.#config.bundlePolicy ?? 'balanced',
      includeLoopback: explicit !== undefined || loopbackFallback || this.#config.sharedSocket !== undefined || (this.#config.iceIncludeLoopback ?? false),
      // The core's clock is performance.now(); RTCP sender reports carry wall-clock NTP time.
      ntpOffsetMs: performance.timeOrigin,
      // Each further transport (a remote that does not bundle) binds ports of its own, as
      // browsers do; on a shared socket they share it.
      transportBases: this.#config.sharedSocket !== undefined ? 'shared' : 'own',
    });
    const bases: TransportAddress[] = [];
    const shared = this.#config.sharedSocket;
    if (shared && !this.#closed) {
      const base = { address: shared.address, port: shared.port };
      const attachment = shared._attach({
        ufrags: () => {
          return this.#core?.localIceUfrags ?? [];
        },
        deliver: (remote, data) => {
          if (this.#closed) return;
          this.#runInput((c, now) => c.handleInput(now, { local: base, remote, data }));
        },
      });
      this.#shared = { base, attachment };
      bases.push(base);
    }
    if (!shared) {
      this.#hostAddresses = addresses;
      bases.push(...(await this.#bindSockets(addresses, this.#config.icePort ?? 0)));
    }
    if (this.#closed) {
      this.#shared?.attachment.detach();
      for (const s of this.#sockets.values()) s.close();
      this.#sockets.clear();
      this.#lastSocket = undefined;
    }
    core.addHostBases(this.#now(), bases);
    this.#core = core;
    for (const e of this.#early.splice(0)) this.#attachChannel(core, e.channel, e.init);
    for (const f of this.#earlyMedia.splice(0)) {
      try {
        f(core, this.#now());
      } catch (e) {
        this.internalErrors++;
        this.lastInternalError = e;
      }
    }
    this.#flush();
    return core;
  }

  #now(): number {
    return performance.now();
  }

  /** Binds one ICE socket per address (`port`, 0 for any) and feeds its datagrams to the core; the bases bound. */
  async #bindSockets(addresses: readonly string[], port: number): Promise<TransportAddress[]> {
    const bases: TransportAddress[] = [];
    for (const address of addresses) {
      if (this.#closed) break;
      const socket = createIceSocket(address);
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(port, address, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch {
        socket.close();
        continue;
      }
      if (this.#closed) {
        socket.close();
        break;
      }
      const base = { address, port: socket.address().port };
      this.#sockets.set(`${address}|${base.port}`, socket);
      socket.on('error', () => undefined);
      socket.on('message', (msg, rinfo) => {
        if (this.#closed || msg.length > MAX_DATAGRAM_BYTES) return;
        const dgram = { local: base, remote: remoteOf(rinfo), data: new Uint8Array(msg.buffer, msg.byteOffset, msg.length) };
        this.#runInput((c, now) => c.handleInput(now, dgram));
      });
      bases.push(base);
    }
    return bases;
  }

  /** 'transport-bases': ports of its own for a further transport (bound, then handed to the core by id). */
  #bindTransport(transportId: string): void {
    void this.#bindSockets(this.#hostAddresses, 0).then((bases) => {
      if (this.#closed) return;
      this.#transportSockets.set(transportId, bases);
      this.#runInput((c, now) => c.addHostBases(now, bases, transportId));
    });
  }

  /** 'transport-closed': the transport's own sockets go. */
  #releaseTransport(transportId: string): void {
    for (const b of this.#transportSockets.get(transportId) ?? []) {
      const key = `${b.address}|${b.port}`;
      this.#sockets.get(key)?.close();
      this.#sockets.delete(key);
    }
    this.#transportSockets.delete(transportId);
    this.#lastSocket = undefined;
  }
  /** The host addresses the peer binds on (for further transports' own sockets). */
  #hostAddresses: readonly string[] = [];
  /** Transport id -> the bases bound for it alone. */
  readonly #transportSockets = new Map<string, TransportAddress[]>();

  /** Runs a synchronous core call and drains its outputs. */
  #run(fn: (core: PeerConnection, now: number) => void): void {
    const core = this.#core;
    if (!core || this.#closed) return;
    try {
      fn(core, this.#now());
    } finally {
      this.#flush();
    }
  }

  /**
   * Like #run for input from the world (datagrams, the timer, mDNS answers): a bug
   * surfacing there must not take the process down from an event callback; it is
   * counted in `internalErrors` and the input dropped.
   */
  #runInput(fn: (core: PeerConnection, now: number) => void): void {
    try {
      this.#run(fn);
    } catch (e) {
      this.internalErrors++;
      this.lastInternalError = e;
    }
  }

  /** purertc: exceptions caught while handling network input or timers (should stay 0). */
  internalErrors = 0;
  lastInternalError: unknown;

  /** W3C 4.4.1.2: operations run one after another. */
  #operation<T>(fn: (core: PeerConnection, now: number) => T): Promise<T> {
    const p = this.#chain.then(async () => {
      if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
      const core = await this.#ready;
      if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
      try {
        return fn(core, this.#now());
      } catch (e) {
        throw toDomException(e);
      } finally {
        // Events first: a 'transceiver-mid' renames a transceiver before the sync looks for new ones.
        this.#flush();
        this.#syncTransceivers(core);
      }
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  // ----------------------------------------------------------------- W3C attributes

  get localDescription(): RTCSessionDescription | null {
    const d = this.#core?.localDescription;
    return d ? new RTCSessionDescription({ type: d.type, sdp: d.sdp }) : null;
  }
  get currentLocalDescription(): RTCSessionDescription | null {
    const d = this.#core?.currentLocalDescription;
    return d ? new RTCSessionDescription({ type: d.type, sdp: d.sdp }) : null;
  }
  get pendingLocalDescription(): RTCSessionDescription | null {
    const d = this.#core?.pendingLocalDescription;
    return d ? new RTCSessionDescription({ type: d.type, sdp: d.sdp }) : null;
  }
  get remoteDescription(): RTCSessionDescription | null {
    const d = this.#core?.remoteDescription;
    return d ? new RTCSessionDescription({ type: d.type, sdp: d.sdp }) : null;
  }
  get currentRemoteDescription(): RTCSessionDescription | null {
    const d = this.#core?.currentRemoteDescription;
    return d ? new RTCSessionDescription({ type: d.type, sdp: d.sdp }) : null;
  }
  get pendingRemoteDescription(): RTCSessionDescription | null {
    const d = this.#core?.pendingRemoteDescription;
    return d ? new RTCSessionDescription({ type: d.type, sdp: d.sdp }) : null;
  }
  get signalingState(): SignalingState {
    return this.#signaling;
  }
  get iceGatheringState(): RTCIceGatheringState {
    return this.#iceGathering;
  }
  get iceConnectionState(): RTCIceConnectionState {
    return this.#iceConnection;
  }
  get connectionState(): PeerConnectionState {
    return this.#connection;
  }
  get canTrickleIceCandidates(): boolean | null {
    const d = this.remoteDescription;
    return d === null ? null : /a=ice-options:[^\r\n]*trickle/.test(d.sdp);
  }
  /** purertc: the local UDP addresses bound (after the first operation). */
  get localAddresses(): TransportAddress[] {
    const own = [...this.#sockets.keys()].map((k) => {
      const [address, port] = k.split('|') as [string, string];
      return { address, port: Number(port) };
    });
    return this.#shared ? [{ ...this.#shared.base }, ...own] : own;
  }

  /** W3C 6.1.1: the SCTP transport, null until a description with a data m= section is applied. */
  get sctp(): RTCSctpTransport | null {
    const core = this.#core;
    if (!core || core.sctp === undefined) return null;
    this.#sctp ??= new RTCSctpTransport({
      maxMessageSize: () => core.maxMessageSize,
      state: () => (this.#closed ? 'closed' : (core.sctp?.state ?? 'closed')),
      maxChannels: () => core.sctp?.maxChannels ?? null,
      transport: () => this.#transportFor(core.transceivers.find((x) => x.kind === 'application')?.mid),
    });
    return this.#sctp;
  }
  #sctp: RTCSctpTransport | undefined;

  /**
   * W3C 5.5: the RTCDtlsTransport `mid` uses (without `mid`, the data channels'), one object
   * per transport of the peer (with BUNDLE one for every section); null before a
   * description set the transport up.
   */
  #transportFor(mid: string | undefined): RTCDtlsTransport | null {
    const core = this.#core;
    const info = core?.transportInfo(mid);
    if (!core || !info) return null;
    let t = this.#transports.get(info.id);
    if (!t) {
      // One transport per section at most (bounded by MAX_TRANSCEIVERS plus the data section).
      if (this.#transports.size > MAX_TRANSCEIVERS) return null;
      t = new RTCDtlsTransport({ info: () => core.transportInfo(mid) });
      this.#transports.set(info.id, t);
    }
    return t;
  }
  readonly #transports = new Map<string, RTCDtlsTransport>();
  /** The core's transportVersion when #transports last read it. */
  #transportVersion = -1;

  /**
   * W3C webrtc-pc restartIce(): the next offer restarts ICE on every transport (new
   * credentials, RFC 8445 section 9) and negotiation becomes needed. Before the first
   * exchange it has nothing to restart.
   */
  restartIce(): void {
    if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    this.#run((c) => c.restartIce());
  }

  getConfiguration(): RTCConfiguration {
    return { ...this.#config, certificates: [this.#certificate] };
  }

  get onnegotiationneeded(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('negotiationneeded'); }
  set onnegotiationneeded(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('negotiationneeded', f); }
  get onicecandidate(): ((ev: RTCPeerConnectionIceEvent) => unknown) | null { return this.#on.get<RTCPeerConnectionIceEvent>('icecandidate'); }
  set onicecandidate(f: ((ev: RTCPeerConnectionIceEvent) => unknown) | null) { this.#on.set<RTCPeerConnectionIceEvent>('icecandidate', f); }
  get onicecandidateerror(): ((ev: RTCPeerConnectionIceErrorEvent) => unknown) | null { return this.#on.get<RTCPeerConnectionIceErrorEvent>('icecandidateerror'); }
  set onicecandidateerror(f: ((ev: RTCPeerConnectionIceErrorEvent) => unknown) | null) { this.#on.set<RTCPeerConnectionIceErrorEvent>('icecandidateerror', f); }
  get onsignalingstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('signalingstatechange'); }
  set onsignalingstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('signalingstatechange', f); }
  get oniceconnectionstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('iceconnectionstatechange'); }
  set oniceconnectionstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('iceconnectionstatechange', f); }
  get onicegatheringstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('icegatheringstatechange'); }
  set onicegatheringstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('icegatheringstatechange', f); }
  get onconnectionstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('connectionstatechange'); }
  set onconnectionstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('connectionstatechange', f); }
  get ondatachannel(): ((ev: RTCDataChannelEvent) => unknown) | null { return this.#on.get<RTCDataChannelEvent>('datachannel'); }
  set ondatachannel(f: ((ev: RTCDataChannelEvent) => unknown) | null) { this.#on.set<RTCDataChannelEvent>('datachannel', f); }
  get ontrack(): ((ev: RTCTrackEvent) => unknown) | null { return this.#on.get<RTCTrackEvent>('track'); }
  set ontrack(f: ((ev: RTCTrackEvent) => unknown) | null) { this.#on.set<RTCTrackEvent>('track', f); }

  // ----------------------------------------------------------------- W3C methods

  createOffer(options: RTCOfferOptions = {}): Promise<RTCSessionDescriptionInit> {
    return this.#operation((c, now) => {
      if (c.signalingState !== 'stable' && c.signalingState !== 'have-local-offer') return c.createOffer(now);
      // Legacy offer options (webrtc-pc "legacy interface extensions", RTCOfferOptions): a recvonly transceiver of the kind when there is none.
      for (const kind of ['audio', 'video'] as const) {
        const wanted = kind === 'audio' ? options.offerToReceiveAudio : options.offerToReceiveVideo;
        if (wanted !== true || this.#transceivers.some((t) => t.kind === kind && !t.stopping) || c.transceivers.some((t) => t.kind === kind)) continue;
        const key = c.addTransceiver(now, kind, 'recvonly');
        this.#transceivers.push(new RTCRtpTransceiver(this.#media, { kind, direction: 'recvonly', track: null, streamIds: [], fromRemote: false, key }));
      }
      return c.createOffer(now, { iceRestart: options.iceRestart === true });
    });
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.#operation((c, now) => c.createAnswer(now));
  }

  /** W3C 4.4.1.5, with the implicit form (no argument) creating the offer or answer. */
  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    return this.#operation((c, now) => {
      let type = description?.type;
      if (type === undefined) type = c.signalingState === 'have-remote-offer' || c.signalingState === 'have-local-pranswer' ? 'answer' : 'offer';
      let sdp = description?.sdp ?? '';
      if (sdp === '' && type !== 'rollback') sdp = type === 'offer' ? c.createOffer(now).sdp : c.createAnswer(now).sdp;
      c.setLocalDescription(now, { type, sdp });
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.#operation((c, now) => {
      if (description === null || typeof description !== 'object') throw new TypeError('setRemoteDescription needs a description');
      c.setRemoteDescription(now, { type: description.type, sdp: description.sdp ?? '' });
    });
  }

  addIceCandidate(candidate?: RTCIceCandidateInit | RTCIceCandidate | null): Promise<void> {
    return this.#operation((c, now) => {
      const init = candidate === undefined || candidate === null ? null : candidate instanceof RTCIceCandidate ? candidate.toJSON() : candidate;
      if (init !== null && (init.candidate ?? '') !== '' && (init.sdpMid === undefined || init.sdpMid === null) && (init.sdpMLineIndex === undefined || init.sdpMLineIndex === null)) {
        throw new TypeError('addIceCandidate: sdpMid and sdpMLineIndex are both null');
      }
      c.addIceCandidate(now, init);
    });
  }

  createDataChannel(label: string, init: RTCDataChannelInit = {}): RTCDataChannel {
    if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    label = String(label);
    if (new TextEncoder().encode(label).length > 65535) throw new TypeError('label longer than 65535 bytes');
    if (init.maxPacketLifeTime !== undefined && init.maxRetransmits !== undefined) throw new TypeError('maxPacketLifeTime and maxRetransmits are exclusive');
    if (init.negotiated === true && init.id === undefined) throw new TypeError('a negotiated channel needs an id');
    if (init.id !== undefined && (!Number.isInteger(init.id) || init.id < 0 || init.id > 65534)) throw new TypeError(`id ${init.id}`);
    const full = { ...init, label };
    const channel = new RTCDataChannel(this.#host, {
      key: -1, label, id: init.id ?? null, protocol: init.protocol ?? '', ordered: init.ordered ?? true,
      maxRetransmits: init.maxRetransmits ?? null, maxPacketLifeTime: init.maxPacketLifeTime ?? null, negotiated: init.negotiated ?? false,
    });
    const core = this.#core;
    if (core) this.#attachChannel(core, channel, full);
    else this.#early.push({ channel, init: full });
    this.#flush();
    return channel;
  }

  #attachChannel(core: PeerConnection, channel: RTCDataChannel, init: RTCDataChannelInit & { label: string }): void {
    const pc = core.createDataChannel(this.#now(), {
      label: init.label,
      ...(init.protocol !== undefined ? { protocol: init.protocol } : {}),
      ...(init.ordered !== undefined ? { ordered: init.ordered } : {}),
      ...(init.maxRetransmits !== undefined ? { maxRetransmits: init.maxRetransmits } : {}),
      ...(init.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: init.maxPacketLifeTime } : {}),
      ...(init.negotiated !== undefined ? { negotiated: init.negotiated } : {}),
      ...(init.id !== undefined ? { id: init.id } : {}),
    });
    // The channel object was built before its key was known: bind it now.
    channel._bind(pc.key);
    if (pc.id !== null) channel._setId(pc.id);
    this.#channels.set(pc.key, channel);
  }

  // ----------------------------------------------------------------- media (webrtc-pc 5.1)

  /** W3C 5.1 addTrack. */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender {
    if (!(track instanceof MediaStreamTrack)) throw new TypeError('addTrack needs a MediaStreamTrack');
    if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    if (this.#transceivers.some((t) => !t.stopped && t.sender.track === track)) throw new DOMException('the track already has a sender', 'InvalidAccessError');
    const streamIds = uniqueIds(streams);
    // Step 7: reuse a transceiver of this kind whose sender never sent and has no track.
    const reuse = this.#transceivers.find((t) => !t.stopping && t.kind === track.kind && t.sender.track === null && !t._hasSent);
    if (reuse) {
      reuse.sender._attach(track);
      reuse.sender._setStreamIds(streamIds);
      this.#media.setSendTrack(reuse, { trackId: track.id, streamIds });
      if (reuse.direction === 'recvonly') reuse.direction = 'sendrecv';
      else if (reuse.direction === 'inactive') reuse.direction = 'sendonly';
      return reuse.sender;
    }
    return this.#newTransceiver(track.kind, track, 'sendrecv', streamIds, undefined, true).sender;
  }

  /** W3C 5.1 removeTrack. */
  removeTrack(sender: RTCRtpSender): void {
    if (!(sender instanceof RTCRtpSender)) throw new TypeError('removeTrack needs an RTCRtpSender');
    if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    const t = this.#transceivers.find((x) => x.sender === sender);
    if (!t) throw new DOMException('the sender was not created by this connection', 'InvalidAccessError');
    if (t.stopping || sender.track === null) return;
    sender._attach(null);
    this.#media.setSendTrack(t, null);
    if (t.direction === 'sendrecv') t.direction = 'recvonly';
    else if (t.direction === 'sendonly') t.direction = 'inactive';
  }

  /** W3C 5.1 addTransceiver. */
  addTransceiver(trackOrKind: MediaStreamTrack | 'audio' | 'video', init: RTCRtpTransceiverInit = {}): RTCRtpTransceiver {
    let kind: 'audio' | 'video';
    let track: MediaStreamTrack | null = null;
    if (trackOrKind instanceof MediaStreamTrack) {
      track = trackOrKind;
      kind = track.kind;
    } else if (trackOrKind === 'audio' || trackOrKind === 'video') kind = trackOrKind;
    else throw new TypeError(`addTransceiver: kind must be 'audio' or 'video', not ${String(trackOrKind)}`);
    if (this.#closed) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    const direction = init.direction ?? 'sendrecv';
    if (!TRANSCEIVER_DIRECTIONS.includes(direction)) throw new TypeError(`invalid direction ${String(direction)}`);
    const encodings = checkSendEncodings(kind, init.sendEncodings);
    return this.#newTransceiver(kind, track, direction as Exclude<RTCRtpTransceiverDirection, 'stopped'>, uniqueIds(init.streams ?? []), encodings);
  }

  /** `byAddTrack`: a remote offer's new m= line of this kind may take it (W3C 4.4.1.6, JSEP 5.10). */
  #newTransceiver(kind: 'audio' | 'video', track: MediaStreamTrack | null, direction: Exclude<RTCRtpTransceiverDirection, 'stopped'>, streamIds: string[], encodings: RTCRtpEncodingParameters[] | undefined, byAddTrack = false): RTCRtpTransceiver {
    if (this.#transceivers.length >= MAX_TRANSCEIVERS) throw new DOMException(`at most ${MAX_TRANSCEIVERS} transceivers`, 'InvalidStateError');
    const t = new RTCRtpTransceiver(this.#media, { kind, direction, track, streamIds, fromRemote: false, ...(encodings ? { sendEncodings: encodings } : {}) });
    this.#transceivers.push(t);
    this.#withCore((c, now) => {
      t._bind(c.addTransceiver(now, kind, { direction, streams: streamIds, trackId: track?.id ?? null, ...(byAddTrack ? { addTrack: true } : {}) }));
    });
    return t;
  }

  /** W3C 5.1 getSenders: the senders of transceivers not stopped. */
  getSenders(): RTCRtpSender[] {
    return this.#transceivers.filter((t) => !t.stopped).map((t) => t.sender);
  }
  getReceivers(): RTCRtpReceiver[] {
    return this.#transceivers.filter((t) => !t.stopped).map((t) => t.receiver);
  }
  getTransceivers(): RTCRtpTransceiver[] {
    return [...this.#transceivers];
  }

  /** Runs a core call now, or once the core exists (calls made before are replayed in order). */
  #withCore(fn: (core: PeerConnection, now: number) => void): void {
    if (this.#closed) return;
    if (this.#core) this.#run(fn);
    else this.#earlyMedia.push(fn);
  }

  #mediaHost(): MediaHost {
    const keyed = (t: RTCRtpTransceiver, fn: (core: PeerConnection, now: number, key: string) => void): void => {
      this.#withCore((c, now) => {
        if (t._key !== undefined) fn(c, now, t._key);
      });
    };
    return {
      isClosed: () => this.#closed,
      sendFrame: (t, frame) => {
        const key = t._key;
        if (key !== undefined) this.#run((c, now) => void c.sendFrame(now, key, frame));
      },
      sendRtp: (t, packet) => {
        const key = t._key;
        if (key !== undefined) this.#run((c, now) => void c.sendRtp(now, key, packet));
      },
      setSendTrack: (t, track) => keyed(t, (c, now, key) => c.setSendTrack(now, key, track)),
      setDirection: (t, d) => keyed(t, (c, now, key) => c.setTransceiverDirection(now, key, d)),
      stop: (t) => keyed(t, (c, now, key) => c.stopTransceiver(now, key)),
      requestKeyframe: (t) => keyed(t, (c, now, key) => c.requestKeyframe(now, key)),
      setRtpEvents: (t, on) => keyed(t, (c, _now, key) => c.setReceiverRtpEvents(key, on)),
      info: (t) => (t._key === undefined ? undefined : this.#core?.transceiverInfo(t._key)),
      rtcpReducedSize: (t) => (t._key === undefined ? false : this.#core?.transceiverInfo(t._key)?.rtcpReducedSize === true),
      transport: (t) => (t._key === undefined || t.mid === null ? null : this.#transportFor(t._key)),
      remoteSsrc: (t) => this.#core?.mediaStats().find((m) => m.mid === t._key)?.receiver?.ssrc,
      setCodecPreferences: (t, codecs) => keyed(t, (c, _now, key) => c.setCodecPreferences(key, codecs.map((x) => ({
        name: x.mimeType.slice(x.mimeType.indexOf('/') + 1), clockRate: x.clockRate,
        ...(x.channels !== undefined ? { channels: x.channels } : {}),
        ...(x.sdpFmtpLine !== undefined ? { fmtp: x.sdpFmtpLine } : {}),
      })))),
      getStats: (selector) => this.#statsFor(selector),
      wallClock: () => performance.timeOrigin + this.#now(),
      muteAfterMs: this.#config.remoteTrackMuteAfterMs ?? DEFAULT_REMOTE_TRACK_MUTE_AFTER_MS,
    };
  }

  /**
   * Brings the facade's transceivers in line with the peer after an operation: sections a
   * remote offer created get transceiver objects (W3C 4.4.1.6 step "create an
   * RTCRtpTransceiver"), mids appear once a description carries them, currentDirection
   * follows the negotiation, rolled-back remote ones disappear, and stopped ones whose
   * rejection was negotiated are removed (W3C 4.4.1.5/4.4.1.6 "stopped ... remove").
   */
  #syncTransceivers(core: PeerConnection): void {
    const sections = core.transceivers;
    const known = new Set(sections.map((x) => x.mid));
    for (const s of sections) {
      if (s.kind === 'application' || this.#transceivers.some((t) => t._key === s.mid)) continue;
      if (this.#transceivers.length >= MAX_TRANSCEIVERS) break;
      const direction = TRANSCEIVER_DIRECTIONS.includes(s.direction) ? (s.direction as Exclude<RTCRtpTransceiverDirection, 'stopped'>) : 'recvonly';
      this.#transceivers.push(new RTCRtpTransceiver(this.#media, { kind: s.kind, direction, track: null, streamIds: [], fromRemote: true, key: s.mid }));
    }
    const local = core.localDescription?.sdp ?? '';
    const remote = core.remoteDescription?.sdp ?? '';
    const stable = core.signalingState === 'stable';
    const keep: RTCRtpTransceiver[] = [];
    for (const t of this.#transceivers) {
      const key = t._key;
      if (key === undefined) {
        keep.push(t);
        continue;
      }
      if (!known.has(key)) {
        // A rollback removed the section the remote offer had created.
        if (t._fromRemote) {
          t._markStopped(true);
          continue;
        }
        keep.push(t);
        continue;
      }
      const info = core.transceiverInfo(key);
      const tag = `a=mid:${key}\r\n`;
      const described = local.includes(tag) || remote.includes(tag);
      t._sync(described ? key : null, info?.currentDirection ?? null, false);
      // W3C 4.4.1.6 "set the associated remote streams": a remote description that only
      // took streams away moves the track without a track event (additions came as 'track').
      const r = t.receiver;
      const ids = info?.remoteStreamIds;
      if (r._receiving && ids !== undefined && !sameIds(ids, r._streams.map((x) => x.id))) this.#setRemoteStreams(r, ids);
      if (stable && info?.stopped === true) {
        const sections = [sectionOf(local, key), sectionOf(remote, key)];
        const rejected = sections.every((x) => x === '') || sections.some((x) => /(^|\r\n)m=\w+ 0 /.test(x));
        if (rejected) {
          if (!t.stopped) t._markStopped(false);
          continue;
        }
      }
      keep.push(t);
    }
    this.#transceivers = keep;
  }

  /** W3C 4.4.1.6 "process the addition of a remote track". */
  #remoteTrackAdded(mid: string, streamIds: readonly string[]): void {
    const core = this.#core;
    if (core) this.#syncTransceivers(core);
    const t = this.#transceivers.find((x) => x._key === mid);
    if (!t || t.stopped) return;
    const r = t.receiver;
    this.#setRemoteStreams(r, streamIds);
    r._receiving = true;
    this.dispatchEvent(new RTCTrackEvent('track', { receiver: r, track: r.track, streams: r._streams, transceiver: t }));
  }

  /**
   * W3C 4.4.1.6 "set the associated remote streams": the receiver's track leaves the streams
   * no longer named (removetrack) and joins the new ones (addtrack); one MediaStream per id.
   */
  #setRemoteStreams(r: RTCRtpReceiver, streamIds: readonly string[]): void {
    const streams: MediaStream[] = [];
    for (const id of streamIds.slice(0, MAX_REMOTE_STREAMS_PER_TRACK)) {
      let s = this.#remoteStreams.get(id);
      if (!s) {
        s = MediaStream._withId(id);
        this.#remoteStreams.set(id, s);
      }
      if (!streams.includes(s)) streams.push(s);
    }
    for (const old of r._streams) if (!streams.includes(old)) old._removeTrackByUa(r.track);
    for (const s of streams) s._addTrackByUa(r.track);
    r._streams = streams;
    this.#pruneRemoteStreams();
  }

  /** Forgets remote streams no receiver belongs to (the map stays bounded by the receivers). */
  #pruneRemoteStreams(): void {
    for (const [id, s] of this.#remoteStreams) {
      if (!this.#transceivers.some((t) => t.receiver._streams.includes(s))) this.#remoteStreams.delete(id);
    }
  }

  /** W3C 4.4.1.6 "process the removal of a remote track": streams lose it, the track is muted. */
  #remoteTrackRemoved(mid: string): void {
    const t = this.#transceivers.find((x) => x._key === mid);
    if (!t) return;
    const r = t.receiver;
    for (const s of r._streams) s._removeTrackByUa(r.track);
    r._streams = [];
    r._receiving = false;
    r.track._setMuted(true);
    this.#pruneRemoteStreams();
  }

  /** getStats for a sender or receiver selector (W3C 8.2 "stats selection algorithm"). */
  async #statsFor(selector: RTCRtpSender | RTCRtpReceiver): Promise<RTCStatsReport> {
    const report = await this.getStats();
    const t = this.#transceivers.find((x) => x.sender === selector || x.receiver === selector);
    if (t === undefined || t._key === undefined) return new StatsReport();
    const type = selector instanceof RTCRtpSender ? 'outbound-rtp' : 'inbound-rtp';
    const roots = [...report.values()].filter((st) => st.type === type && st['mid'] === t._key).map((st) => st.id);
    return selectStats(report, roots);
  }

  /**
   * W3C 8.2 getStats(selector): the whole report, or with a track the entries of the one
   * sender or receiver that uses it (InvalidAccessError when none or several do).
   */
  getStats(selector: MediaStreamTrack | null = null): Promise<RTCStatsReport> {
    if (selector !== null && selector !== undefined) {
      if (!(selector instanceof MediaStreamTrack)) return Promise.reject(new TypeError('getStats selector must be a MediaStreamTrack or null'));
      const users: (RTCRtpSender | RTCRtpReceiver)[] = [];
      for (const t of this.#transceivers) {
        if (t.stopped) continue;
        if (t.sender.track === selector) users.push(t.sender);
        if (t.receiver.track === selector) users.push(t.receiver);
      }
      const only = users[0];
      if (users.length !== 1 || only === undefined) return Promise.reject(new DOMException(`the track is used by ${users.length} senders/receivers of this connection`, 'InvalidAccessError'));
      return this.#statsFor(only);
    }
    return this.#ready.then((core) => {
      const timestamp = performance.timeOrigin + this.#now();
      const report = this.#relabelRelays(buildStatsReport(core, timestamp, performance.timeOrigin));
      addMediaStats(report, core.mediaStats(), (mid) => {
        const t = this.#transceivers.find((x) => x._key === mid);
        const info = core.transceiverInfo(mid);
        return {
          ...(t?.sender.track ? { senderTrackId: t.sender.track.id } : {}),
          ...(t ? { senderActive: t.sender._active, receiverTrackId: t.receiver.track.id } : {}),
          ...(info?.localRtxSsrc !== undefined ? { rtxSsrc: info.localRtxSsrc } : {}),
        };
      }, timestamp, performance.timeOrigin);
      return report;
    });
  }

  /** webrtc-stats 7.17 relayProtocol: 'tcp' / 'tls' for candidates relayed by a stream server. */
  #relabelRelays(report: RTCStatsReport): RTCStatsReport {
    const byRelayed = new Map<string, TurnStreamTransport>();
    for (const s of this.#streams.values()) if (s.relayed) byRelayed.set(addressKey(s.relayed), s.transport);
    if (byRelayed.size === 0) return report;
    const out = new StatsReport();
    for (const [id, st] of report) {
      const proto = st.type === 'local-candidate' && st['candidateType'] === 'relay' ? byRelayed.get(`${String(st['address'])}|${String(st['port'])}`) : undefined;
      out.set(id, proto === undefined ? st : { ...st, relayProtocol: proto });
    }
    return out;
  }

  close(): void {
    if (this.#closed) return;
    const core = this.#core;
    core?.close(this.#now());
    this.#closed = true;
    this.#signaling = 'closed';
    this.#iceConnection = 'closed';
    this.#connection = 'closed';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Send what close() queued (DTLS close_notify, SCTP ABORT) before the sockets go.
    if (core) this.#sendAll(core);
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
    this.#lastSocket = undefined;
    for (const s of this.#streams.values()) s.close();
    this.#streams.clear();
    this.#shared?.attachment.detach();
    for (const ch of this.#channels.values()) ch._closedByPeerConnection();
    for (const e of this.#early) e.channel._closedByPeerConnection();
    this.#channels.clear();
    // W3C 4.4.1 close(): the transports are closed without events.
    for (const t of this.#transports.values()) t._update(false);
    // W3C 4.4.1 close(): every transceiver is stopped; receiver tracks end (no `ended` event).
    for (const t of this.#transceivers) t._markStopped(true);
    this.#earlyMedia.length = 0;
  }

  // ----------------------------------------------------------------- plumbing

  #sendAll(core: PeerConnection): void {
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) {
      if (t.relayed) continue;
      const shared = this.#shared;
      if (shared && shared.base.address === t.from.address && shared.base.port === t.from.port) {
        shared.attachment.send(t.data, t.to);
        continue;
      }
      const stream = this.#streamServers.size === 0 ? undefined : this.#streamServers.get(addressKey(t.to));
      if (stream && !isStunBinding(t.data)) {
        this.#streamTo(t.from, t.to, stream)?.send(t.data);
        continue;
      }
      this.#socketOf(t.from)?.send(t.data, t.to.port, t.to.address);
    }
  }

  /**
   * The stream to a TCP/TLS TURN server, opened on first use. It is not reopened once it
   * ends: the allocation lived on that connection (RFC 8656 section 3.1), and the client's
   * transaction timeouts report the loss.
   */
  /** The socket bound to `base` (the last one found is kept: bulk data leaves from one base). */
  #socketOf(base: TransportAddress): Socket | undefined {
    const last = this.#lastSocket;
    if (last && last.port === base.port && last.address === base.address) return last.socket;
    const socket = this.#sockets.get(`${base.address}|${base.port}`);
    this.#lastSocket = socket ? { address: base.address, port: base.port, socket } : undefined;
    return socket;
  }
  #lastSocket: { readonly address: string; readonly port: number; readonly socket: Socket } | undefined;

  #streamTo(base: TransportAddress, server: TransportAddress, how: StreamServer): TurnStream | undefined {
    const key = addressKey(server);
    const open = this.#streams.get(key);
    if (open || this.#closed) return open;
    const stream = new TurnStream({
      server, transport: how.transport, host: how.host, localAddress: base.address,
      ...(this.#config.turnTlsCa !== undefined ? { ca: this.#config.turnTlsCa } : {}),
      ...(this.#config.turnTlsRejectUnauthorized !== undefined ? { rejectUnauthorized: this.#config.turnTlsRejectUnauthorized } : {}),
      onFrame: (data) => {
        if (this.#closed) return;
        this.#runInput((c, now) => c.handleInput(now, { local: base, remote: server, data }));
      },
    });
    this.#streams.set(key, stream);
    return stream;
  }

  #flush(): void {
    const core = this.#core;
    if (!core) return;
    if (this.#flushing) {
      this.#again = true;
      return;
    }
    this.#flushing = true;
    try {
      do {
        this.#again = false;
        this.#sendAll(core);
        for (let e = core.pollEvent(); e; e = core.pollEvent()) this.#queue(e);
        if (this.#trackEvents.length > 0) {
          const removed = this.#trackEvents.filter((e) => e.type === 'track-removed');
          const added = this.#trackEvents.filter((e) => e.type === 'track');
          this.#trackEvents.length = 0;
          for (const e of [...removed, ...added]) this.#dispatch(e);
        }
        // W3C 5.5/5.6: transport state changes of this drain (before the queued
        // connectionstatechange), read again only when the core says they may have changed.
        const version = core.transportVersion;
        if (!this.#closed && version !== this.#transportVersion) {
          this.#transportVersion = version;
          for (const [id, t] of this.#transports) {
            // A transport no section uses any more (an answer bundled it away) stops mirroring.
            if (t._id() !== id) this.#transports.delete(id);
            else t._update();
          }
        }
      } while (this.#again && !this.#closed);
    } finally {
      this.#flushing = false;
    }
    if (!this.#closed) this.#arm(core);
  }

  #arm(core: PeerConnection): void {
    const at = core.pollTimeout();
    if (at === undefined) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = undefined;
      return;
    }
    if (this.#timer && this.#timerAt === at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      this.#runInput((c, now) => c.handleTimeout(now));
    }, Math.max(0, Math.ceil(at - this.#now())));
    this.#timer.unref?.();
  }

  /**
   * W3C events are fired from queued tasks: a `setLocalDescription` caller sees its
   * promise settle before the first `icecandidate`. The signaling state and channel ids
   * change within the operation itself (W3C 4.4.1.5, 6.2).
   */
  #queue(e: PeerEvent): void {
    // Track events fire inside setRemoteDescription, before its promise settles, and after
    // signalingstatechange: removals, then additions, at the end of the drain (W3C 4.4.1.6
    // "set the RTCSessionDescription"). Media (frames, packets, keyframe requests) is not a
    // W3C task and goes out at once.
    if (e.type === 'track' || e.type === 'track-removed') {
      this.#trackEvents.push(e);
      return;
    }
    // W3C 5.6.3/5.6.4: the ICE transport's own events come before the connection's
    // (queued) ones, and each state it passes through fires. With one transport (BUNDLE)
    // the peer's ICE states are its states; with several each reads its own at the end of
    // the drain.
    if (e.type === 'icegatheringstatechange' || e.type === 'iceconnectionstatechange') {
      const seen = e.type === 'icegatheringstatechange' ? { gathering: e.state } : { state: e.state };
      if (this.#transports.size === 1) for (const t of this.#transports.values()) t._updateIce(true, seen);
    }
    // Sockets for a further transport are bound (or released) at once: not a W3C event.
    if (e.type === 'transport-bases') {
      this.#bindTransport(e.transportId);
      return;
    }
    if (e.type === 'transport-closed') {
      this.#releaseTransport(e.transportId);
      return;
    }
    if (e.type === 'signalingstatechange' || e.type === 'channel-id' || e.type === 'transceiver-mid' || e.type === 'frame' || e.type === 'rtp' || e.type === 'keyframe-request' || e.type === 'bye') {
      this.#dispatch(e);
      return;
    }
    this.#pending.push(e);
    if (this.#pendingScheduled) return;
    this.#pendingScheduled = true;
    setImmediate(() => {
      this.#pendingScheduled = false;
      const batch = this.#pending.splice(0);
      for (const x of batch) this.#dispatch(x);
    });
  }

  readonly #pending: PeerEvent[] = [];
  /** W3C 4.7.3 [[NegotiationNeeded]] as fired: cleared on return to 'stable' and when nothing is needed. */
  #negotiationNeededFired = false;
  /** 'track' and 'track-removed' of the current drain (W3C 4.4.1.6 fires them last). */
  readonly #trackEvents: PeerEvent[] = [];
  #pendingScheduled = false;

  #dispatch(e: PeerEvent): void {
    if (this.#closed) return;
    switch (e.type) {
      case 'icecandidate':
        this.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate: e.candidate ? new RTCIceCandidate(e.candidate) : null }));
        break;
      case 'icecandidateerror':
        this.dispatchEvent(new RTCPeerConnectionIceErrorEvent('icecandidateerror', e));
        break;
      case 'icegatheringstatechange':
        this.#iceGathering = e.state;
        this.dispatchEvent(new Event('icegatheringstatechange'));
        break;
      case 'iceconnectionstatechange':
        this.#iceConnection = e.state;
        this.dispatchEvent(new Event('iceconnectionstatechange'));
        break;
      case 'connectionstatechange':
        this.#connection = e.state;
        this.dispatchEvent(new Event('connectionstatechange'));
        break;
      case 'signalingstatechange':
        // W3C 4.4.1.6: back in stable, "clear the negotiation-needed flag" (the peer updates it).
        if (e.state === 'stable' && this.#signaling !== 'stable') this.#negotiationNeededFired = false;
        this.#signaling = e.state;
        this.dispatchEvent(new Event('signalingstatechange'));
        break;
      case 'mdns-query': {
        const name = e.name;
        const core = this.#core;
        void resolveMdnsName(name).then(
          (address) => this.#runInput((c, now) => c.resolveMdns(now, name, address)),
          () => core && this.#runInput((c, now) => c.resolveMdns(now, name, undefined)),
        );
        break;
      }
      case 'negotiationneeded': {
        // W3C 4.7.3 "update the negotiation-needed flag", the queued task: fire only if still
        // stable, the peer still needs a negotiation then ("check if negotiation is needed";
        // false clears the flag) and the flag was not already set.
        setTimeout(() => {
          if (this.#closed || this.#signaling !== 'stable') return;
          if (this.#core?.negotiationNeeded !== true) {
            this.#negotiationNeededFired = false;
            return;
          }
          if (this.#negotiationNeededFired) return;
          this.#negotiationNeededFired = true;
          this.dispatchEvent(new Event('negotiationneeded'));
        }, 0);
        break;
      }
      case 'datachannel': {
        const ch = this.#remoteChannel(e.channel);
        this.dispatchEvent(new RTCDataChannelEvent('datachannel', { channel: ch }));
        break;
      }
      case 'channel-id':
        this.#channels.get(e.key)?._setId(e.id);
        break;
      case 'channel-open':
        this.#channels.get(e.key)?._open();
        break;
      case 'channel-message':
        this.#channels.get(e.key)?._message(e.data);
        break;
      case 'channel-closing':
        this.#channels.get(e.key)?._closing();
        break;
      case 'channel-closed': {
        const ch = this.#channels.get(e.key);
        this.#channels.delete(e.key);
        ch?._closed();
        break;
      }
      case 'channel-bufferedamountlow':
        this.#channels.get(e.key)?.dispatchEvent(new Event('bufferedamountlow'));
        break;
      case 'channel-error':
        this.#channels.get(e.key)?._error(e.message);
        break;
      case 'transceiver-mid': {
        // A remote offer gave a transceiver of ours (never negotiated) another mid (JSEP 5.10).
        const t = this.#transceivers.find((x) => x._firstKey === e.key) ?? this.#transceivers.find((x) => x._key === e.key);
        if (t) t._key = e.mid;
        break;
      }
      case 'track':
        this.#remoteTrackAdded(e.mid, e.streamIds);
        break;
      case 'track-removed':
        this.#remoteTrackRemoved(e.mid);
        break;
      case 'frame':
        this.#transceivers.find((t) => t._key === e.mid)?.receiver._onFrame(e.frame, e.codec);
        break;
      case 'rtp':
        this.#transceivers.find((t) => t._key === e.mid)?.receiver._onRtp(e.packet);
        break;
      case 'keyframe-request':
        this.#transceivers.find((t) => t._key === e.mid)?.sender.track?._source.keyframeRequested();
        break;
      case 'bye':
        this.#transceivers.find((t) => t._key === e.mid)?.receiver._onBye();
        break;
    }
  }

  #remoteChannel(p: PeerChannel): RTCDataChannel {
    const ch = new RTCDataChannel(this.#host, p);
    ch._bind(p.key);
    ch._announced();
    this.#channels.set(p.key, ch);
    return ch;
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const x = a.slice(0, MAX_REMOTE_STREAMS_PER_TRACK);
  return x.length === b.length && x.every((id, i) => id === b[i]);
}

function uniqueIds(streams: readonly MediaStream[]): string[] {
  const ids: string[] = [];
  for (const s of streams) if (!ids.includes(s.id)) ids.push(s.id);
  return ids;
}

/** The text of the m= section carrying `a=mid:<mid>` in an SDP ('' when absent). */
function sectionOf(sdp: string, mid: string): string {
  for (const part of sdp.split(/\r\n(?=m=)/)) if (part.includes(`a=mid:${mid}\r\n`)) return part;
  return '';
}
