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
 * Renegotiation: a later offer from the same peer is a re-offer on the same connection
 * (JSEP RFC 9429 5.3/5.10, the page adding or pausing its camera): the bot applies it and
 * answers. The bot never offers, so offers cannot collide (W3C webrtc-pc 10.7 "perfect
 * negotiation" needs a polite side only when both may offer); offers from one peer are
 * answered one at a time, in order.
 *
 * Camera echo: for each remote audio or video track (webrtc-pc 4.4.1.6 `track` event) the
 * bot makes a local MediaStreamTrack of the same kind and adds it with `addTrack`, which
 * reuses the transceiver the offer created (webrtc-pc 5.1 addTrack step 7: same kind, no
 * track, never sent), so the answer makes that section sendrecv with an a=msid. Every RTP
 * packet received on the track (after RTX unwrapping) is written to the local track
 * (`writeRtp`): the sender keeps the payload and rewrites SSRC, payload type and
 * sequence number (RFC 3550 5.1, RFC 7667 3.7 "media translator" style forwarding), so
 * the browser decodes its own encoder's frames. Keyframe requests from the browser
 * (PLI/FIR on the echo, RFC 4585 6.3.1, RFC 5104 4.3.1) arrive as `keyframerequest` on the
 * local track and are passed to the remote track's `requestKeyframe()`, which asks the
 * browser's camera sender for one. When the remote stops a transceiver (webrtc-pc 5.4, the
 * section rejected) its track ends and so does the echo.
 *
 * Messages the bot sends on the channel are JSON: `{"kind":"echo","text":...}` and
 * `{"kind":"stats", ...BotStatsSummary}`. Text it receives is treated as chat.
 */
import { RTCPeerConnection } from '../node/rtc-peer-connection.js';
import type { RTCIceServer } from '../node/rtc-peer-connection.js';
import type { RTCDataChannel } from '../node/rtc-data-channel.js';
import type { RTCStats, RTCStatsReport } from '../node/rtc-stats.js';
import { MediaStream } from '../node/media-stream.js';
import { MediaStreamTrack } from '../node/media-stream-track.js';
import type { RTCRtpPacketEvent } from '../node/media-stream-track.js';
import type { RTCRtpSender } from '../node/rtc-rtp-sender.js';
import type { RTCRtpTransceiver } from '../node/rtc-rtp-transceiver.js';
import type { RTCTrackEvent } from '../node/rtc-track-event.js';
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
 * Offers from one peer waiting to be answered. A JSEP offerer waits for the answer before
 * its next offer (RFC 9429 5.10), so more than one waiting is a misbehaving peer: the
 * excess is dropped (its sender would time out or roll back).
 */
export const MAX_QUEUED_OFFERS = 4;
/** Remote tracks the bot echoes per peer (a camera and a microphone need two). */
export const MAX_ECHO_TRACKS = 8;

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
  /** One entry per media section (mid) with inbound-rtp and outbound-rtp counters, when there are any. */
  readonly media: readonly BotMediaSummary[];
}

/** webrtc-stats 8.3 inbound-rtp counters of what the bot receives on one section. */
export interface BotInboundSummary {
  readonly ssrc: number | null;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly packetsLost: number;
  readonly framesReceived: number | null;
  readonly nackCount: number;
  readonly pliCount: number | null;
  readonly retransmittedPacketsReceived: number;
}

/** webrtc-stats 8.5/8.4 outbound-rtp (and remote-inbound-rtp) counters of the echo the bot sends. */
export interface BotOutboundSummary {
  readonly ssrc: number | null;
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly framesSent: number | null;
  readonly nackCount: number;
  readonly pliCount: number | null;
  readonly retransmittedPacketsSent: number;
  /** From the browser's receiver reports (RFC 3550 6.4.1), when one arrived. */
  readonly remotePacketsLost: number | null;
  readonly roundTripTimeMs: number | null;
}

export interface BotMediaSummary {
  readonly mid: string;
  readonly kind: string;
  /** The codec's mimeType, e.g. 'video/VP8'. */
  readonly codec: string | null;
  readonly inbound: BotInboundSummary | null;
  readonly outbound: BotOutboundSummary | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Seconds (webrtc-stats RTT fields) to milliseconds; null unless the result is finite. */
function msOrNull(seconds: unknown): number | null {
  const s = numOrNull(seconds);
  return s === null ? null : numOrNull(s * 1000);
}

/** The inbound-rtp / outbound-rtp entries of a report, by mid (webrtc-stats 8.3-8.6). */
export function summarizeMedia(report: RTCStatsReport): BotMediaSummary[] {
  const byMid = new Map<string, { kind: string; codec: string | null; inbound: BotInboundSummary | null; outbound: BotOutboundSummary | null }>();
  const entry = (s: RTCStats) => {
    const mid = String(s.mid ?? '?');
    let e = byMid.get(mid);
    if (e === undefined) byMid.set(mid, (e = { kind: String(s.kind ?? '?'), codec: null, inbound: null, outbound: null }));
    const codec = typeof s.codecId === 'string' ? report.get(s.codecId) : undefined;
    if (e.codec === null && typeof codec?.mimeType === 'string') e.codec = codec.mimeType;
    return e;
  };
  for (const s of report.values()) {
    if (s.type === 'inbound-rtp') {
      entry(s).inbound = {
        ssrc: numOrNull(s.ssrc),
        packetsReceived: num(s.packetsReceived),
        bytesReceived: num(s.bytesReceived),
        packetsLost: num(s.packetsLost),
        framesReceived: numOrNull(s.framesReceived),
        nackCount: num(s.nackCount),
        pliCount: numOrNull(s.pliCount),
        retransmittedPacketsReceived: num(s.retransmittedPacketsReceived),
      };
    } else if (s.type === 'outbound-rtp') {
      const remote = typeof s.remoteId === 'string' ? report.get(s.remoteId) : undefined;
      const rttMs = msOrNull(remote?.roundTripTime);
      entry(s).outbound = {
        ssrc: numOrNull(s.ssrc),
        packetsSent: num(s.packetsSent),
        bytesSent: num(s.bytesSent),
        framesSent: numOrNull(s.framesSent),
        nackCount: num(s.nackCount),
        pliCount: numOrNull(s.pliCount),
        retransmittedPacketsSent: num(s.retransmittedPacketsSent),
        remotePacketsLost: numOrNull(remote?.packetsLost),
        roundTripTimeMs: rttMs,
      };
    }
  }
  return [...byMid].map(([mid, e]) => ({ mid, ...e })).sort((a, b) => (a.mid < b.mid ? -1 : a.mid > b.mid ? 1 : 0));
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
            roundTripTimeMs: msOrNull(pair.currentRoundTripTime),
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
    media: summarizeMedia(report),
  };
}

/** One echoed remote track: what the bot receives and the local track it sends it back on. */
interface Echo {
  readonly remote: MediaStreamTrack;
  readonly local: MediaStreamTrack;
  /** The key of the local stream in BotPeer.streams. */
  readonly streamId: string;
}

interface BotPeer {
  readonly pc: RTCPeerConnection;
  readonly channels: Set<RTCDataChannel>;
  readonly early: CandidateInit[];
  timer: ReturnType<typeof setInterval> | undefined;
  /** Offers are answered one after the other on this chain; `queued` counts those waiting. */
  offers: Promise<void>;
  queued: number;
  /** The echo of each transceiver whose remote track the bot sends back. */
  readonly echoes: Map<RTCRtpTransceiver, Echo>;
  /**
   * The local stream of each remote stream id, so a camera and microphone echo stay in one
   * stream; an entry lives as long as one of its echoes (at most MAX_ECHO_TRACKS).
   */
  readonly streams: Map<string, MediaStream>;
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
    sig.on('offer', (m) => bot.#onOffer(m.from, m.sdp));
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

  /**
   * An offer from `from`: the first one (or one after the connection closed) makes a new
   * peer connection; later ones renegotiate the existing one. The peer entry exists as soon
   * as the offer arrives, so candidates sent right after it are kept.
   */
  #onOffer(from: string, sdp: string): void {
    if (this.#closed) return;
    let peer = this.#peers.get(from);
    if (peer !== undefined && (peer.pc.connectionState === 'closed' || peer.pc.connectionState === 'failed')) {
      this.#closePeer(from, 'renegotiation after the connection ended');
      peer = undefined;
    }
    if (peer === undefined) {
      if (this.#peers.size >= MAX_BOT_PEERS) {
        this.#log(`bot: refusing ${from}: already ${MAX_BOT_PEERS} peers`);
        this.#signal(() => this.#sig.bye(from));
        return;
      }
      peer = this.#newPeer(from);
    }
    if (peer.queued >= MAX_QUEUED_OFFERS) {
      this.#log(`bot <-> ${from}: dropping an offer: ${MAX_QUEUED_OFFERS} already wait for an answer`);
      return;
    }
    const p = peer;
    p.queued++;
    p.offers = p.offers.then(async () => {
      p.queued--;
      await this.#answer(from, p, sdp);
    });
  }

  #newPeer(from: string): BotPeer {
    const pc = new RTCPeerConnection({
      iceServers: this.#options.iceServers,
      ...(this.#options.iceInterfaceAddresses === undefined ? {} : { iceInterfaceAddresses: this.#options.iceInterfaceAddresses }),
    });
    const peer: BotPeer = { pc, channels: new Set(), early: [], timer: undefined, offers: Promise.resolve(), queued: 0, echoes: new Map(), streams: new Map() };
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
    pc.ontrack = (e) => this.#echo(peer, e, log);
    return peer;
  }

  /** Applies one offer (first or re-offer) and sends the answer; a failure ends that peer with a bye. */
  async #answer(from: string, peer: BotPeer, sdp: string): Promise<void> {
    if (this.#peers.get(from) !== peer) return;
    const { pc } = peer;
    const log = (s: string): void => this.#log(`bot <-> ${from}: ${s}`);
    const renegotiation = pc.remoteDescription !== null;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      for (const c of peer.early.splice(0)) {
        await pc.addIceCandidate(c).catch(() => undefined);
      }
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = pc.localDescription;
      if (answer === null || this.#peers.get(from) !== peer) return;
      this.#signal(() => this.#sig.answer(answer.sdp, from));
      log(renegotiation ? 'answered a re-offer' : 'answered');
    } catch (err) {
      if (this.#peers.get(from) !== peer) return;
      log(`negotiation failed: ${err instanceof Error ? err.message : String(err)}`);
      this.#closePeer(from, 'negotiation failed');
      this.#signal(() => this.#sig.bye(from));
    }
  }

  /**
   * webrtc-pc 4.4.1.6: the remote now sends on a transceiver. The first time, a local
   * track of the same kind goes on that transceiver (addTrack reuses it) and every packet
   * received is written to it; a transceiver that starts sending again (the page resumed
   * its camera) keeps its echo.
   */
  #echo(peer: BotPeer, e: RTCTrackEvent, log: (s: string) => void): void {
    const remote = e.track;
    if (peer.echoes.has(e.transceiver)) return;
    if (peer.echoes.size >= MAX_ECHO_TRACKS) {
      log(`not echoing ${remote.kind}: already ${MAX_ECHO_TRACKS} echoes`);
      return;
    }
    const streamId = e.streams[0]?.id ?? remote.id;
    let stream = peer.streams.get(streamId);
    if (stream === undefined) peer.streams.set(streamId, (stream = new MediaStream()));
    const local = new MediaStreamTrack({ kind: remote.kind, label: `echo of ${remote.id}` });
    let sender: RTCRtpSender;
    try {
      sender = peer.pc.addTrack(local, stream);
    } catch (err) {
      // (A listener must not throw: Node reports that as an uncaught exception.)
      log(`not echoing ${remote.kind}: ${err instanceof Error ? err.message : String(err)}`);
      if (stream.getTracks().length === 0) peer.streams.delete(streamId);
      return;
    }
    stream.addTrack(local);
    remote.onrtp = (ev: RTCRtpPacketEvent) => {
      if (local.readyState === 'live') local.writeRtp(ev.packet);
    };
    local.onkeyframerequest = () => remote.requestKeyframe();
    // The remote stopped the transceiver (its section rejected): the echo ends with it.
    remote.onended = () => {
      if (peer.echoes.get(e.transceiver)?.local !== local) return;
      peer.echoes.delete(e.transceiver);
      remote.onrtp = null;
      local.stop();
      stream.removeTrack(local);
      if (stream.getTracks().length === 0) peer.streams.delete(streamId);
      log(`stopped echoing ${remote.kind} of mid ${e.transceiver.mid ?? '?'}`);
    };
    peer.echoes.set(e.transceiver, { remote, local, streamId });
    const on = peer.pc.getTransceivers().find((t) => t.sender === sender);
    log(`echoing ${remote.kind} of mid ${e.transceiver.mid ?? '?'}${on === e.transceiver ? '' : ` on mid ${on?.mid ?? '?'}`}`);
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
    for (const echo of peer.echoes.values()) {
      echo.remote.onrtp = null;
      echo.local.stop();
    }
    peer.echoes.clear();
    peer.streams.clear();
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
