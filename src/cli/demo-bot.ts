/**
 * @module cli/demo-bot
 * The demo's echo bot: a Node peer built on purertc's W3C RTCPeerConnection
 * (src/node/rtc-peer-connection.ts) that joins a signaling room (src/signaling), answers
 * every offer sent to it (JSEP, RFC 9429 section 5.3), trickles its candidates (RFC 8838),
 * echoes chat messages over the data channel the page opens (RFC 8831/8832), and sends
 * a summary of its own `getStats()` (W3C webrtc-stats) on that channel every second so
 * the page can show both ends. One peer connection per remote peer, closed on `bye`,
 * `peer-left`, or when the bot stops.
 *
 * Messages the bot sends on the channel are JSON: `{"kind":"echo","text":...}` and
 * `{"kind":"stats", ...BotStatsSummary}`. Text it receives is treated as chat.
 */
import { RTCPeerConnection } from '../node/rtc-peer-connection.js';
import type { RTCIceServer } from '../node/rtc-peer-connection.js';
import type { RTCDataChannel } from '../node/rtc-data-channel.js';
import type { RTCStatsReport } from '../node/rtc-stats.js';
import { SignalingClient } from '../signaling/client.js';
import type { CandidateInit, JsonValue } from '../signaling/protocol.js';

/** Peer connections the bot keeps at once per room; offers beyond it get a `bye`. */
export const MAX_BOT_PEERS = 8;
/** Longest chat message the bot echoes (characters); longer ones are cut. */
export const MAX_ECHO_CHARS = 4096;
/** Period of the stats summary the bot sends to each page. */
export const BOT_STATS_INTERVAL_MS = 1000;
/** Remote candidates queued before the remote description is set, per peer. */
export const MAX_EARLY_CANDIDATES = 64;

/**
 * Bytes the bot lets queue on a channel (RTCDataChannel.bufferedAmount) before it drops
 * echoes and stats: a page that sends faster than it reads cannot grow the bot's memory.
 */
export const MAX_BOT_BUFFERED_BYTES = 1024 * 1024;

/** Display name the bot joins rooms with. */
export const BOT_NAME = 'purertc-echo-bot';

export interface EchoBotOptions {
  /** `ws://host:port/path` of the signaling server. */
  readonly signalingUrl: string;
  readonly room: string;
  readonly iceServers: RTCIceServer[];
  /** Local addresses to bind (purertc `iceInterfaceAddresses`); undefined = every interface. */
  readonly iceInterfaceAddresses?: string[];
  /** Log lines (connection stages), for the terminal. */
  readonly log?: (line: string) => void;
}

/** What the bot tells the page about its side, from its own `getStats()`. */
export interface BotStatsSummary {
  readonly signalingState: string;
  readonly iceConnectionState: string;
  readonly connectionState: string;
  readonly dtlsState: string | null;
  readonly dtlsRole: string | null;
  readonly iceRole: string | null;
  /** webrtc-stats 7.16 tlsVersion (FEFD = DTLS 1.2, FEFC = DTLS 1.3) and dtlsCipher, when reported. */
  readonly tlsVersion: string | null;
  readonly dtlsCipher: string | null;
  readonly selectedPair: {
    readonly local: string;
    readonly remote: string;
    readonly nominated: boolean;
    /** 7.18 currentRoundTripTime in ms, and the pair's payload counters, when reported. */
    readonly roundTripTimeMs: number | null;
    readonly bytesSent: number | null;
    readonly bytesReceived: number | null;
    readonly packetsSent: number | null;
    readonly packetsReceived: number | null;
  } | null;
  readonly localCandidates: number;
  readonly remoteCandidates: number;
  readonly channels: readonly {
    readonly label: string;
    readonly state: string;
    readonly messagesSent: number;
    readonly bytesSent: number;
    readonly messagesReceived: number;
    readonly bytesReceived: number;
  }[];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Reduces a purertc stats report to what the page shows. */
export function summarizeStats(pc: RTCPeerConnection, report: RTCStatsReport): BotStatsSummary {
  const all = [...report.values()];
  const transport = all.find((s) => s.type === 'transport');
  const pairId = str(transport?.selectedCandidatePairId);
  const pair = pairId === null ? undefined : report.get(pairId);
  const where = (id: unknown): string => {
    const c = typeof id === 'string' ? report.get(id) : undefined;
    return c === undefined ? '?' : `${String(c.candidateType)} ${String(c.address)}:${String(c.port)}`;
  };
  return {
    signalingState: pc.signalingState,
    iceConnectionState: pc.iceConnectionState,
    connectionState: pc.connectionState,
    dtlsState: str(transport?.dtlsState),
    dtlsRole: str(transport?.dtlsRole),
    iceRole: str(transport?.iceRole),
    tlsVersion: str(transport?.tlsVersion),
    dtlsCipher: str(transport?.dtlsCipher),
    selectedPair:
      pair === undefined
        ? null
        : {
            local: where(pair.localCandidateId),
            remote: where(pair.remoteCandidateId),
            nominated: pair.nominated === true,
            roundTripTimeMs: typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime * 1000 : null,
            bytesSent: numOrNull(pair.bytesSent),
            bytesReceived: numOrNull(pair.bytesReceived),
            packetsSent: numOrNull(pair.packetsSent),
            packetsReceived: numOrNull(pair.packetsReceived),
          },
    localCandidates: all.filter((s) => s.type === 'local-candidate').length,
    remoteCandidates: all.filter((s) => s.type === 'remote-candidate').length,
    channels: all
      .filter((s) => s.type === 'data-channel')
      .map((s) => ({
        label: String(s.label),
        state: String(s.state),
        messagesSent: num(s.messagesSent),
        bytesSent: num(s.bytesSent),
        messagesReceived: num(s.messagesReceived),
        bytesReceived: num(s.bytesReceived),
      })),
  };
}

interface BotPeer {
  readonly pc: RTCPeerConnection;
  readonly channels: Set<RTCDataChannel>;
  readonly early: CandidateInit[];
  timer: ReturnType<typeof setInterval> | undefined;
}

export class EchoBot {
  readonly room: string;
  readonly #sig: SignalingClient;
  readonly #options: EchoBotOptions;
  readonly #peers = new Map<string, BotPeer>();
  readonly #log: (line: string) => void;
  #closed = false;

  private constructor(sig: SignalingClient, options: EchoBotOptions) {
    this.#sig = sig;
    this.#options = options;
    this.room = options.room;
    this.#log = options.log ?? (() => undefined);
  }

  /** Connects to the signaling server, joins `room` and starts answering offers. */
  static async start(options: EchoBotOptions): Promise<EchoBot> {
    const sig = await SignalingClient.connect(options.signalingUrl);
    const bot = new EchoBot(sig, options);
    sig.on('offer', (m) => void bot.#onOffer(m.from, m.sdp));
    sig.on('candidate', (m) => void bot.#onCandidate(m.from, m.candidate));
    sig.on('bye', (m) => bot.#closePeer(m.from, 'bye'));
    sig.on('peer-left', (m) => bot.#closePeer(m.id, 'left the room'));
    void sig.closed.then(() => bot.close());
    try {
      await sig.join(options.room, BOT_NAME);
    } catch (err) {
      await bot.close();
      throw err;
    }
    bot.#log(`bot joined room '${options.room}' as ${sig.id}`);
    return bot;
  }

  /** Our peer id in the room. */
  get id(): string {
    return this.#sig.id;
  }

  /** Resolves when the bot has stopped (closed, or its signaling socket closed). */
  get stopped(): Promise<void> {
    return this.#sig.closed.then(() => undefined);
  }

  /** Number of live peer connections. */
  get peerCount(): number {
    return this.#peers.size;
  }

  async #onOffer(from: string, sdp: string): Promise<void> {
    if (this.#closed) return;
    this.#closePeer(from, 'renegotiation');
    if (this.#peers.size >= MAX_BOT_PEERS) {
      this.#log(`bot: refusing ${from}: already ${MAX_BOT_PEERS} peers`);
      this.#signal(() => this.#sig.bye(from));
      return;
    }
    const pc = new RTCPeerConnection({
      iceServers: this.#options.iceServers,
      ...(this.#options.iceInterfaceAddresses === undefined ? {} : { iceInterfaceAddresses: this.#options.iceInterfaceAddresses }),
    });
    const peer: BotPeer = { pc, channels: new Set(), early: [], timer: undefined };
    this.#peers.set(from, peer);
    const log = (s: string): void => this.#log(`bot <-> ${from}: ${s}`);
    pc.onicecandidate = (e) => {
      if (this.#peers.get(from) !== peer) return;
      const c = e.candidate;
      this.#signal(() => this.#sig.candidate(c === null ? null : { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment }, from));
    };
    pc.oniceconnectionstatechange = () => log(`ICE ${pc.iceConnectionState}`);
    pc.onconnectionstatechange = () => log(`connection ${pc.connectionState}`);
    pc.ondatachannel = (e) => this.#onChannel(peer, e.channel, log);
    // Media: when purertc's RTCPeerConnection gains tracks (addTrack/ontrack), the bot
    // echoes the page's camera here: `pc.ontrack = (e) => pc.addTrack(e.track, ...)`.
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      for (const c of peer.early.splice(0)) await pc.addIceCandidate(c);
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = pc.localDescription;
      if (answer === null || this.#peers.get(from) !== peer) return;
      this.#signal(() => this.#sig.answer(answer.sdp, from));
      log('answered');
    } catch (err) {
      log(`negotiation failed: ${err instanceof Error ? err.message : String(err)}`);
      this.#closePeer(from, 'negotiation failed');
      this.#signal(() => this.#sig.bye(from));
    }
  }

  async #onCandidate(from: string, candidate: CandidateInit | null): Promise<void> {
    const peer = this.#peers.get(from);
    if (peer === undefined || candidate === null) return;
    if (peer.pc.remoteDescription === null) {
      if (peer.early.length < MAX_EARLY_CANDIDATES) peer.early.push(candidate);
      return;
    }
    try {
      await peer.pc.addIceCandidate(candidate);
    } catch {
      // A candidate we cannot use (mDNS name, other family): ICE goes on without it.
    }
  }

  #onChannel(peer: BotPeer, channel: RTCDataChannel, log: (s: string) => void): void {
    peer.channels.add(channel);
    const send = (data: JsonValue): void => {
      if (channel.readyState === 'open' && channel.bufferedAmount <= MAX_BOT_BUFFERED_BYTES) channel.send(JSON.stringify(data));
    };
    const sendStats = (): void => {
      peer.pc.getStats().then(
        (report) => send({ kind: 'stats', ...(summarizeStats(peer.pc, report) as unknown as Record<string, JsonValue>) }),
        () => undefined,
      );
    };
    const open = (): void => {
      log(`data channel '${channel.label}' open`);
      send({ kind: 'echo', text: `hello from ${BOT_NAME}, built on purertc` });
      sendStats();
      if (peer.timer === undefined) peer.timer = setInterval(sendStats, BOT_STATS_INTERVAL_MS);
    };
    if (channel.readyState === 'open') open();
    else channel.onopen = open;
    channel.onmessage = (e: MessageEvent) => {
      const text = typeof e.data === 'string' ? e.data : `(${(e.data as ArrayBuffer).byteLength} binary bytes)`;
      send({ kind: 'echo', text: `echo: ${text.slice(0, MAX_ECHO_CHARS)}` });
    };
    channel.onclose = () => {
      peer.channels.delete(channel);
      log(`data channel '${channel.label}' closed`);
    };
  }

  /** Sends on the signaling socket unless it has closed meanwhile. */
  #signal(send: () => void): void {
    try {
      send();
    } catch {
      // The socket closed: `sig.closed` stops the bot.
    }
  }

  #closePeer(id: string, why: string): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) return;
    this.#peers.delete(id);
    if (peer.timer !== undefined) clearInterval(peer.timer);
    peer.pc.close();
    this.#log(`bot <-> ${id}: closed (${why})`);
  }

  /** Closes every peer connection and the signaling socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#peers.keys()]) this.#closePeer(id, 'bot stopping');
    await this.#sig.close();
  }
}
