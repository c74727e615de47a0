/**
 * @module test/interop/harness/page-peers
 * The code that runs INSIDE the Chrome page: a registry of RTCPeerConnections, each
 * recording its ICE candidates, state changes, data-channel messages and remote tracks,
 * so that Node can drive them with short `page.evaluate` calls (W3C webrtc-pc, the
 * browser's own API; RFC 8829 JSEP for the offer/answer order).
 *
 * `installPagePeers` is shipped to the page as source text (`String(installPagePeers)`),
 * so its body must stay self-contained: no imports, no references to module scope, no
 * classes. Node-side types for what it records live here too, so both sides agree.
 */

/** What a page peer is created with. */
export interface PagePeerOptions {
  /** Passed to `new RTCPeerConnection({ iceServers })`; default none. */
  readonly iceServers?: RTCIceServer[];
  /** `iceTransportPolicy`; default 'all'. */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** Labels of the data channels this side creates (in-band, DCEP), before any offer. */
  readonly dataChannels?: readonly string[];
  /** Capture the fake microphone (Chrome's `--use-fake-device-for-media-stream`) and send it. */
  readonly audio?: boolean;
  /** Capture the fake camera and send it. */
  readonly video?: boolean;
  /** Add a recvonly audio transceiver (to receive audio without sending any). */
  readonly receiveAudio?: boolean;
  /** Add a recvonly video transceiver. */
  readonly receiveVideo?: boolean;
  /**
   * Codec preferences (W3C webrtc-pc 5.4 setCodecPreferences) applied to every transceiver
   * of that kind once the peer has its transceivers: mime types in order (e.g. ['video/H264']);
   * 'video/rtx', 'video/red' and 'video/ulpfec' are kept after them so that RTX stays negotiated.
   */
  readonly codecPreferences?: { readonly audio?: readonly string[]; readonly video?: readonly string[] };
}

/** One local ICE candidate as `onicecandidate` reported it (RFC 8839 section 5.1 line). */
export interface PageCandidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
}

/** One data-channel message as received; binary messages are hex. */
export interface PageMessage {
  readonly label: string;
  /** The text, or the bytes in hex; cut to MAX_RECORDED_CHARS (see `truncated`). */
  readonly data: string;
  readonly binary: boolean;
  /** Characters (text) or bytes (binary) the message really had. */
  readonly size: number;
  readonly truncated: boolean;
}

/** Messages and bytes (characters for text) received on one channel, counted past the recording bound. */
export interface PageChannelCount {
  readonly label: string;
  readonly messages: number;
  readonly size: number;
}

/** Everything a page peer has recorded so far. */
export interface PagePeerSnapshot {
  readonly id: string;
  readonly connectionState: RTCPeerConnectionState;
  readonly iceConnectionState: RTCIceConnectionState;
  readonly iceGatheringState: RTCIceGatheringState;
  readonly signalingState: RTCSignalingState;
  /** True once `onicecandidate` delivered its final `null`. */
  readonly gatheringComplete: boolean;
  readonly candidates: readonly PageCandidate[];
  readonly channels: readonly { readonly label: string; readonly readyState: RTCDataChannelState }[];
  /** The first MAX_MESSAGES messages, in order of arrival. */
  readonly messages: readonly PageMessage[];
  /** Every message counted, per channel, including those past the recording bound. */
  readonly received: readonly PageChannelCount[];
  readonly tracks: readonly { readonly kind: string; readonly mid: string | null; readonly streamIds: readonly string[] }[];
  /** Time-ordered log lines: state changes, candidates, channel events, errors. */
  readonly events: readonly string[];
}

/** A condition Node waits for; see `check` in the page API. */
export type PageCondition =
  | { readonly kind: 'connectionState'; readonly state: RTCPeerConnectionState }
  | { readonly kind: 'gatheringComplete' }
  | { readonly kind: 'channelOpen'; readonly label: string }
  | { readonly kind: 'messages'; readonly label: string; readonly count: number }
  | { readonly kind: 'tracks'; readonly count: number }
  /** `getStats()` shows at least `count` RTP packets received of this media kind. */
  | { readonly kind: 'inboundPackets'; readonly mediaKind: 'audio' | 'video'; readonly count: number };

/** `localDescription` and `remoteDescription` as Chrome writes them back out. */
export interface PageDescriptions {
  readonly local: RTCSessionDescriptionInit | null;
  readonly remote: RTCSessionDescriptionInit | null;
}

/** One `inbound-rtp` entry of `getStats()` (W3C webrtc-stats 8.3 RTCInboundRtpStreamStats); counters absent from the report read 0. */
export interface PageInboundStats {
  readonly kind: string;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly ssrc: number;
  /** The codec's mime type (from the `codec` entry named by codecId), '' when none yet. */
  readonly mimeType: string;
  readonly packetsLost: number;
  readonly framesDecoded: number;
  readonly keyFramesDecoded: number;
  readonly framesDropped: number;
  readonly framesReceived: number;
  /** Audio: samples received (concealed ones included). */
  readonly totalSamplesReceived: number;
  readonly concealedSamples: number;
  /** NACK, PLI and FIR packets this receiver sent. */
  readonly nackCount: number;
  readonly pliCount: number;
  readonly firCount: number;
  readonly retransmittedPacketsReceived: number;
  readonly decoderImplementation: string;
}

/** One `outbound-rtp` entry (W3C webrtc-stats 8.6 RTCOutboundRtpStreamStats). */
export interface PageOutboundStats {
  readonly kind: string;
  readonly ssrc: number;
  readonly mimeType: string;
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly retransmittedPacketsSent: number;
  readonly framesEncoded: number;
  readonly keyFramesEncoded: number;
  /** NACK, PLI and FIR packets this sender received. */
  readonly nackCount: number;
  readonly pliCount: number;
  readonly firCount: number;
}

/** Media counters from `getStats()`: what arrived and which candidate pair carries it. */
export interface PageStatsSummary {
  readonly inbound: readonly PageInboundStats[];
  readonly outbound: readonly PageOutboundStats[];
  readonly selectedPair:
    | {
        readonly local: { readonly candidateType: string; readonly address: string; readonly port: number; readonly protocol: string };
        readonly remote: { readonly candidateType: string; readonly address: string; readonly port: number; readonly protocol: string };
      }
    | undefined;
}

/** The API `installPagePeers` puts on `window.purertc`. */
export interface PagePeersApi {
  createPeer(id: string, options: PagePeerOptions): Promise<void>;
  /** createOffer + setLocalDescription; returns the offer. */
  createOffer(id: string): Promise<RTCSessionDescriptionInit>;
  /** createAnswer + setLocalDescription; returns the answer. */
  createAnswer(id: string): Promise<RTCSessionDescriptionInit>;
  setRemoteDescription(id: string, desc: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(id: string, candidate: RTCIceCandidateInit): Promise<void>;
  send(id: string, label: string, data: string): void;
  /** Sends a binary message given as hex. */
  sendBytes(id: string, label: string, hex: string): void;
  /** `null` while the condition does not hold; 'ok' when it does; 'failed: why' when it never can. */
  check(id: string, condition: PageCondition): string | null;
  snapshot(id: string): PagePeerSnapshot;
  /** Chrome's own serialization of what it holds as local and remote description. */
  descriptions(id: string): PageDescriptions;
  stats(id: string): Promise<PageStatsSummary>;
  /** Mime types of `RTCRtpSender.getCapabilities(kind)` (what this Chrome encodes) or of the receiver's (decodes). */
  capabilities(kind: 'audio' | 'video', side: 'sender' | 'receiver'): string[];
  /** Applies codec preferences (see PagePeerOptions.codecPreferences) to the transceivers of `kind`. */
  setCodecPreferences(id: string, kind: 'audio' | 'video', mimeTypes: readonly string[]): void;
  close(id: string): void;
  /** The RTCPeerConnection itself, for test code in `page.evaluate` that needs more. */
  pc(id: string): RTCPeerConnection;
}

/** How Node reaches the page API inside `page.evaluate` callbacks. */
export type PageWindow = { purertc: PagePeersApi };

/**
 * Installs `window.purertc`. Runs in the page; see the module comment for why it is one
 * self-contained function.
 */
export function installPagePeers(): void {
  // Bounds on what a page records, so a runaway peer cannot grow the page without limit.
  const MAX_EVENTS = 2000;
  const MAX_MESSAGES = 10000;
  const MAX_RECORDED_CHARS = 65536;
  interface Entry {
    pc: RTCPeerConnection;
    candidates: PageCandidate[];
    gatheringComplete: boolean;
    channels: Map<string, RTCDataChannel>;
    messages: PageMessage[];
    received: Map<string, { messages: number; size: number }>;
    tracks: { kind: string; mid: string | null; streamIds: string[] }[];
    events: string[];
    localStream: MediaStream | undefined;
    lastStats: PageStatsSummary | undefined;
    statsPending: boolean;
  }
  const peers = new Map<string, Entry>();
  const started = performance.now();
  const logEl = document.getElementById('log');

  const log = (e: Entry, id: string, line: string): void => {
    const text = `${(performance.now() - started).toFixed(0).padStart(6)} ms ${id}: ${line}`;
    if (e.events.length < MAX_EVENTS) e.events.push(text);
    if (logEl !== null && logEl.childElementCount < MAX_EVENTS) {
      const div = document.createElement('div');
      div.textContent = text;
      logEl.appendChild(div);
    }
  };
  const get = (id: string): Entry => {
    const e = peers.get(id);
    if (e === undefined) throw new Error(`no page peer ${id}`);
    return e;
  };
  const toHex = (buf: ArrayBuffer): string =>
    Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  const watchChannel = (e: Entry, id: string, ch: RTCDataChannel): void => {
    ch.binaryType = 'arraybuffer';
    e.channels.set(ch.label, ch);
    ch.onopen = () => log(e, id, `channel ${ch.label} open (id ${String(ch.id)})`);
    ch.onclose = () => log(e, id, `channel ${ch.label} closed`);
    ch.onerror = (ev) => log(e, id, `channel ${ch.label} error ${String((ev as RTCErrorEvent).error?.message)}`);
    ch.onmessage = (ev: MessageEvent) => {
      const binary = typeof ev.data !== 'string';
      const size = binary ? (ev.data as ArrayBuffer).byteLength : (ev.data as string).length;
      const count = e.received.get(ch.label) ?? { messages: 0, size: 0 };
      count.messages++;
      count.size += size;
      e.received.set(ch.label, count);
      if (e.messages.length >= MAX_MESSAGES) return;
      const truncated = binary ? size * 2 > MAX_RECORDED_CHARS : size > MAX_RECORDED_CHARS;
      const data = binary
        ? toHex((ev.data as ArrayBuffer).slice(0, MAX_RECORDED_CHARS / 2))
        : (ev.data as string).slice(0, MAX_RECORDED_CHARS);
      e.messages.push({ label: ch.label, data, binary, size, truncated });
      if (e.events.length < MAX_EVENTS) {
        log(e, id, `channel ${ch.label} message ${binary ? 'binary ' : ''}${size} ${data.length > 80 ? `${data.slice(0, 80)}...` : data}`);
      }
    };
  };

  const api: PagePeersApi = {
    async createPeer(id, options) {
      if (peers.has(id)) throw new Error(`page peer ${id} exists`);
      const pc = new RTCPeerConnection({
        iceServers: options.iceServers ?? [],
        iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      });
      const e: Entry = {
        pc,
        candidates: [],
        gatheringComplete: false,
        channels: new Map(),
        messages: [],
        received: new Map(),
        tracks: [],
        events: [],
        localStream: undefined,
        lastStats: undefined,
        statsPending: false,
      };
      peers.set(id, e);
      pc.onicecandidate = (ev) => {
        if (ev.candidate === null) {
          e.gatheringComplete = true;
          log(e, id, 'end of candidates');
          return;
        }
        const c = ev.candidate;
        e.candidates.push({
          candidate: c.candidate,
          sdpMid: c.sdpMid,
          sdpMLineIndex: c.sdpMLineIndex,
          usernameFragment: c.usernameFragment,
        });
        log(e, id, `local ${c.candidate}`);
      };
      pc.onicecandidateerror = (ev) => {
        const err = ev as RTCPeerConnectionIceErrorEvent;
        log(e, id, `icecandidateerror ${err.url} ${err.errorCode} ${err.errorText}`);
      };
      pc.onconnectionstatechange = () => log(e, id, `connectionState ${pc.connectionState}`);
      pc.oniceconnectionstatechange = () => log(e, id, `iceConnectionState ${pc.iceConnectionState}`);
      pc.onicegatheringstatechange = () => log(e, id, `iceGatheringState ${pc.iceGatheringState}`);
      pc.onsignalingstatechange = () => log(e, id, `signalingState ${pc.signalingState}`);
      pc.ondatachannel = (ev) => {
        log(e, id, `datachannel ${ev.channel.label}`);
        watchChannel(e, id, ev.channel);
      };
      pc.ontrack = (ev) => {
        e.tracks.push({
          kind: ev.track.kind,
          mid: ev.transceiver.mid,
          streamIds: ev.streams.map((s) => s.id),
        });
        log(e, id, `track ${ev.track.kind} mid ${String(ev.transceiver.mid)}`);
        if (ev.track.kind === 'audio') {
          // Chrome pulls received audio through its decoder (and counts totalSamplesReceived)
          // only while something plays it out: a muted media element does.
          const el = document.createElement('audio');
          el.muted = true;
          el.srcObject = new MediaStream([ev.track]);
          document.body.appendChild(el);
          el.play().catch((err: unknown) => log(e, id, `audio play failed: ${String(err)}`));
        }
      };
      for (const label of options.dataChannels ?? []) watchChannel(e, id, pc.createDataChannel(label));
      if (options.audio === true || options.video === true) {
        const stream = await navigator.mediaDevices.getUserMedia({
          audio: options.audio === true,
          video: options.video === true,
        });
        e.localStream = stream;
        for (const track of stream.getTracks()) pc.addTrack(track, stream);
        log(e, id, `sending ${stream.getTracks().map((t) => t.kind).join('+')}`);
      }
      if (options.receiveAudio === true) pc.addTransceiver('audio', { direction: 'recvonly' });
      if (options.receiveVideo === true) pc.addTransceiver('video', { direction: 'recvonly' });
      if (options.codecPreferences?.audio !== undefined) api.setCodecPreferences(id, 'audio', options.codecPreferences.audio);
      if (options.codecPreferences?.video !== undefined) api.setCodecPreferences(id, 'video', options.codecPreferences.video);
      log(e, id, 'created');
    },
    async createOffer(id) {
      const e = get(id);
      const offer = await e.pc.createOffer();
      await e.pc.setLocalDescription(offer);
      log(e, id, 'offer set as local description');
      return { type: offer.type, sdp: offer.sdp ?? '' };
    },
    async createAnswer(id) {
      const e = get(id);
      const answer = await e.pc.createAnswer();
      await e.pc.setLocalDescription(answer);
      log(e, id, 'answer set as local description');
      return { type: answer.type, sdp: answer.sdp ?? '' };
    },
    async setRemoteDescription(id, desc) {
      const e = get(id);
      try {
        await e.pc.setRemoteDescription(desc);
      } catch (err) {
        log(e, id, `setRemoteDescription(${desc.type}) failed: ${String(err)}`);
        throw err;
      }
      log(e, id, `remote ${desc.type} set`);
    },
    async addIceCandidate(id, candidate) {
      const e = get(id);
      try {
        await e.pc.addIceCandidate(candidate);
      } catch (err) {
        log(e, id, `addIceCandidate(${String(candidate.candidate)}) failed: ${String(err)}`);
        throw err;
      }
      log(e, id, `remote ${String(candidate.candidate)}`);
    },
    send(id, label, data) {
      const e = get(id);
      const ch = e.channels.get(label);
      if (ch === undefined) throw new Error(`${id} has no channel ${label}`);
      ch.send(data);
      log(e, id, `channel ${label} sent ${data.length > 80 ? `${data.slice(0, 80)}...` : data}`);
    },
    sendBytes(id, label, hex) {
      const e = get(id);
      const ch = e.channels.get(label);
      if (ch === undefined) throw new Error(`${id} has no channel ${label}`);
      const bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
      ch.send(bytes);
      log(e, id, `channel ${label} sent binary ${bytes.length}`);
    },
    check(id, condition) {
      const e = get(id);
      const state = e.pc.connectionState;
      if (condition.kind === 'connectionState') {
        if (state === condition.state) return 'ok';
      } else if (condition.kind === 'gatheringComplete') {
        if (e.gatheringComplete) return 'ok';
      } else if (condition.kind === 'channelOpen') {
        const ch = e.channels.get(condition.label);
        if (ch?.readyState === 'open') return 'ok';
        if (ch?.readyState === 'closed') return `failed: channel ${condition.label} closed`;
      } else if (condition.kind === 'messages') {
        if ((e.received.get(condition.label)?.messages ?? 0) >= condition.count) return 'ok';
      } else if (condition.kind === 'tracks') {
        if (e.tracks.length >= condition.count) return 'ok';
      } else if (condition.kind === 'inboundPackets') {
        // check() must be synchronous (waitForFunction polls it), getStats() is not:
        // answer from the latest finished getStats() and start the next one.
        const n = (e.lastStats?.inbound ?? [])
          .filter((s) => s.kind === condition.mediaKind)
          .reduce((sum, s) => sum + s.packetsReceived, 0);
        if (n >= condition.count) return 'ok';
        if (!e.statsPending) {
          e.statsPending = true;
          api.stats(id).then(
            (summary) => {
              e.lastStats = summary;
              e.statsPending = false;
            },
            (err: unknown) => {
              log(e, id, `getStats failed: ${String(err)}`);
              e.statsPending = false;
            },
          );
        }
      }
      if (state === 'failed' || state === 'closed') return `failed: connectionState ${state}`;
      return null;
    },
    snapshot(id) {
      const e = get(id);
      return {
        id,
        connectionState: e.pc.connectionState,
        iceConnectionState: e.pc.iceConnectionState,
        iceGatheringState: e.pc.iceGatheringState,
        signalingState: e.pc.signalingState,
        gatheringComplete: e.gatheringComplete,
        candidates: e.candidates.slice(),
        channels: Array.from(e.channels.values(), (ch) => ({ label: ch.label, readyState: ch.readyState })),
        messages: e.messages.slice(),
        received: Array.from(e.received, ([label, c]) => ({ label, messages: c.messages, size: c.size })),
        tracks: e.tracks.map((t) => ({ kind: t.kind, mid: t.mid, streamIds: t.streamIds.slice() })),
        events: e.events.slice(),
      };
    },
    descriptions(id) {
      const e = get(id);
      const copy = (d: RTCSessionDescription | null): RTCSessionDescriptionInit | null =>
        d === null ? null : { type: d.type, sdp: d.sdp };
      return { local: copy(e.pc.localDescription), remote: copy(e.pc.remoteDescription) };
    },
    async stats(id) {
      const e = get(id);
      const report = await e.pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      report.forEach((s: Record<string, unknown>) => byId.set(String(s['id']), s));
      const inbound: PageInboundStats[] = [];
      const outbound: PageOutboundStats[] = [];
      let selectedPair: PageStatsSummary['selectedPair'];
      const cand = (s: Record<string, unknown> | undefined) => ({
        candidateType: String(s?.['candidateType']),
        address: String(s?.['address']),
        port: Number(s?.['port']),
        protocol: String(s?.['protocol']),
      });
      const num = (s: Record<string, unknown>, key: string): number => Number(s[key] ?? 0);
      const mime = (s: Record<string, unknown>): string => String(byId.get(String(s['codecId']))?.['mimeType'] ?? '');
      for (const s of byId.values()) {
        if (s['type'] === 'inbound-rtp') {
          inbound.push({
            kind: String(s['kind']),
            packetsReceived: num(s, 'packetsReceived'),
            bytesReceived: num(s, 'bytesReceived'),
            ssrc: num(s, 'ssrc'),
            mimeType: mime(s),
            packetsLost: num(s, 'packetsLost'),
            framesDecoded: num(s, 'framesDecoded'),
            keyFramesDecoded: num(s, 'keyFramesDecoded'),
            framesDropped: num(s, 'framesDropped'),
            framesReceived: num(s, 'framesReceived'),
            totalSamplesReceived: num(s, 'totalSamplesReceived'),
            concealedSamples: num(s, 'concealedSamples'),
            nackCount: num(s, 'nackCount'),
            pliCount: num(s, 'pliCount'),
            firCount: num(s, 'firCount'),
            retransmittedPacketsReceived: num(s, 'retransmittedPacketsReceived'),
            decoderImplementation: String(s['decoderImplementation'] ?? ''),
          });
        } else if (s['type'] === 'outbound-rtp') {
          outbound.push({
            kind: String(s['kind']),
            ssrc: num(s, 'ssrc'),
            mimeType: mime(s),
            packetsSent: num(s, 'packetsSent'),
            bytesSent: num(s, 'bytesSent'),
            retransmittedPacketsSent: num(s, 'retransmittedPacketsSent'),
            framesEncoded: num(s, 'framesEncoded'),
            keyFramesEncoded: num(s, 'keyFramesEncoded'),
            nackCount: num(s, 'nackCount'),
            pliCount: num(s, 'pliCount'),
            firCount: num(s, 'firCount'),
          });
        } else if (s['type'] === 'transport' && typeof s['selectedCandidatePairId'] === 'string') {
          const pair = byId.get(s['selectedCandidatePairId']);
          if (pair !== undefined) {
            selectedPair = {
              local: cand(byId.get(String(pair['localCandidateId']))),
              remote: cand(byId.get(String(pair['remoteCandidateId']))),
            };
          }
        }
      }
      return { inbound, outbound, selectedPair };
    },
    capabilities(kind, side) {
      const caps = side === 'sender' ? RTCRtpSender.getCapabilities(kind) : RTCRtpReceiver.getCapabilities(kind);
      return (caps?.codecs ?? []).map((c) => c.mimeType);
    },
    setCodecPreferences(id, kind, mimeTypes) {
      const e = get(id);
      const all = RTCRtpReceiver.getCapabilities(kind)?.codecs ?? [];
      const wanted = mimeTypes.map((m) => m.toLowerCase());
      const chosen = wanted.flatMap((m) => all.filter((c) => c.mimeType.toLowerCase() === m));
      const kept = all.filter((c) => ['video/rtx', 'video/red', 'video/ulpfec'].includes(c.mimeType.toLowerCase()));
      for (const t of e.pc.getTransceivers()) {
        if (t.receiver.track.kind !== kind) continue;
        t.setCodecPreferences([...chosen, ...kept]);
      }
      log(e, id, `codec preferences ${kind}: ${mimeTypes.join(', ')}`);
    },
    pc(id) {
      return get(id).pc;
    },
    close(id) {
      const e = get(id);
      for (const t of e.localStream?.getTracks() ?? []) t.stop();
      e.pc.close();
      log(e, id, 'closed');
    },
  };
  (window as unknown as PageWindow).purertc = api;
}
