/**
 * @module datachannel/manager
 * The sans-IO data channel manager over one SCTP association (RFC 8831 section 6, RFC
 * 8832 section 6): DCEP open/ack, stream ids even/odd by DTLS role (8832 6), pre-negotiated
 * channels, PPIDs for string/binary/empty messages (8831 6.6), reliability settings mapped
 * to PR-SCTP, `max-message-size` (RFC 8841 6) enforced both ways, bufferedAmount with its
 * low-water event, and closing by stream reset (8831 6.7).
 *
 * The W3C RTCDataChannel facade lives in src/node; this is the protocol part.
 */
import { InvalidArgumentError, InvalidStateError, ParseError } from '../common/errors.js';
import type { SctpAssociation, SctpEvent } from '../sctp/association.js';
import type { DcepOpen } from './dcep.js';
import { ChannelType, Ppid, parseDcep, serializeDcep } from './dcep.js';

/** What we announce as a=max-message-size by default (RFC 8841 6): 256 KiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;
/** The peer's limit when its SDP has no a=max-message-size (RFC 8841 6.1). */
export const DEFAULT_REMOTE_MAX_MESSAGE_SIZE = 65_536;
/** Largest stream id usable for a channel (RFC 8831 6.2: 65535 is reserved). */
export const MAX_CHANNEL_ID = 65_534;
/**
 * How long a channel we closed waits for the peer to reset its outgoing stream too
 * (RFC 8831 6.7) before it is reported closed anyway; each message that still arrives
 * on it restarts the wait. Compliant peers reset their side at once; a peer that does
 * not would otherwise leave the channel closing for ever.
 */
export const CLOSE_LINGER_MS = 5000;
/** Channels open at once; bounds the table a peer can grow with DATA_CHANNEL_OPEN. */
export const MAX_CHANNELS = 65_534;

export type DataChannelState = 'connecting' | 'open' | 'closing' | 'closed';

export interface DataChannelInit {
  readonly label?: string;
  readonly protocol?: string;
  readonly ordered?: boolean;
  readonly maxRetransmits?: number;
  readonly maxPacketLifeTime?: number;
  /** Pre-negotiated (out of band): no DCEP, `id` required (RFC 8832 4 last paragraph). */
  readonly negotiated?: boolean;
  readonly id?: number;
  readonly priority?: number;
}

export interface DataChannelInfo {
  readonly id: number;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
  readonly negotiated: boolean;
  readonly priority: number;
  readonly readyState: DataChannelState;
  readonly bufferedAmount: number;
  readonly bufferedAmountLowThreshold: number;
}

export type DataChannelEvent =
  | { readonly type: 'connected' }
  /** The peer opened a channel with DCEP. */
  | { readonly type: 'channel'; readonly channel: DataChannelInfo }
  | { readonly type: 'open'; readonly id: number }
  | { readonly type: 'message'; readonly id: number; readonly data: string | Uint8Array }
  | { readonly type: 'closing'; readonly id: number }
  | { readonly type: 'closed'; readonly id: number }
  | { readonly type: 'bufferedamountlow'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | { readonly type: 'association-closed'; readonly reason: string; readonly error: boolean };

export interface DataChannelManagerOptions {
  /** Our DTLS role: the client uses even stream ids, the server odd ones (RFC 8832 6). */
  readonly dtlsRole: 'client' | 'server';
  /** The peer's a=max-message-size; 0 means no limit (RFC 8841 6). */
  readonly remoteMaxMessageSize?: number;
  /** See CLOSE_LINGER_MS. */
  readonly closeLingerMs?: number;
}

interface Channel {
  readonly id: number;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
  readonly negotiated: boolean;
  readonly priority: number;
  state: DataChannelState;
  /** We sent DATA_CHANNEL_OPEN and no ACK or data came back yet (8832 6: send ordered until then). */
  awaitingAck: boolean;
  openSent: boolean;
  lowThreshold: number;
  aboveThreshold: boolean;
  outgoingReset: boolean;
  incomingReset: boolean;
  /** We started the close. */
  closedLocally: boolean;
  /** When our outgoing reset is done but the peer has not reset its side: close anyway at this time. */
  lingerUntil: number | undefined;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();
const ONE_ZERO_BYTE = new Uint8Array(1);

export class DataChannelManager {
  readonly association: SctpAssociation;
  readonly dtlsRole: 'client' | 'server';
  private remoteMax: number;
  private readonly closeLingerMs: number;
  private readonly channels = new Map<number, Channel>();
  /** Channels closed by us, waiting for the peer's reset until their `lingerUntil`. */
  private readonly lingering = new Set<Channel>();
  /** Channels whose bufferedAmount is above their low-water mark (checked after each packet). */
  private readonly aboveLow = new Set<Channel>();
  private readonly events: DataChannelEvent[] = [];
  private eventHead = 0;
  private now = 0;

  constructor(association: SctpAssociation, options: DataChannelManagerOptions) {
    this.association = association;
    this.dtlsRole = options.dtlsRole;
    this.remoteMax = this.toLimit(options.remoteMaxMessageSize ?? DEFAULT_REMOTE_MAX_MESSAGE_SIZE);
    this.closeLingerMs = options.closeLingerMs ?? CLOSE_LINGER_MS;
  }

  /** Updates the peer's max-message-size (from a later SDP). */
  setRemoteMaxMessageSize(bytes: number): void {
    this.remoteMax = this.toLimit(bytes);
  }
  get remoteMaxMessageSize(): number {
    return this.remoteMax;
  }

  private toLimit(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`max-message-size ${n}`);
    return n === 0 ? Number.POSITIVE_INFINITY : n;
  }

  // -------------------------------------------------------------------------------------
  // sans-IO plumbing: everything goes through the association

  connect(now: number): void {
    this.now = now;
    this.association.connect(now);
  }
  handleInput(now: number, packet: Uint8Array): void {
    this.now = now;
    this.association.handleInput(now, packet);
    this.drainAssociation();
  }
  handleTimeout(now: number): void {
    this.now = now;
    this.association.handleTimeout(now);
    this.drainAssociation();
    if (this.lingering.size) {
      for (const ch of [...this.lingering]) {
        if ((ch.lingerUntil as number) <= now) this.finishClose(ch, true);
      }
    }
  }
  pollTimeout(): number | undefined {
    let t = this.association.pollTimeout();
    for (const ch of this.lingering) if (t === undefined || (ch.lingerUntil as number) < t) t = ch.lingerUntil;
    return t;
  }
  pollTransmit(): Uint8Array | undefined {
    const p = this.association.pollTransmit();
    if (p) this.checkBufferedLow();
    return p;
  }
  pollEvent(): DataChannelEvent | undefined {
    this.drainAssociation();
    if (this.eventHead >= this.events.length) return undefined;
    const e = this.events[this.eventHead++];
    if (this.eventHead === this.events.length) {
      this.events.length = 0;
      this.eventHead = 0;
    }
    return e;
  }

  // -------------------------------------------------------------------------------------
  // channels

  /** Opens a channel (W3C createDataChannel). In-band channels send DATA_CHANNEL_OPEN once the association is up. */
  createChannel(now: number, init: DataChannelInit = {}): DataChannelInfo {
    this.now = now;
    const label = init.label ?? '';
    const protocol = init.protocol ?? '';
    if (utf8Encoder.encode(label).length > 0xffff || utf8Encoder.encode(protocol).length > 0xffff) throw new InvalidArgumentError('label and protocol are limited to 65535 bytes');
    if (init.maxRetransmits !== undefined && init.maxPacketLifeTime !== undefined) throw new InvalidArgumentError('maxRetransmits and maxPacketLifeTime are exclusive');
    for (const v of [init.maxRetransmits, init.maxPacketLifeTime]) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 0xffffffff)) throw new InvalidArgumentError(`reliability parameter ${v}`);
    }
    let id: number;
    if (init.negotiated) {
      if (init.id === undefined) throw new InvalidArgumentError('a negotiated channel needs an id');
      id = init.id;
    } else if (init.id !== undefined) {
      id = init.id;
    } else {
      id = this.allocateId();
    }
    if (!Number.isInteger(id) || id < 0 || id > MAX_CHANNEL_ID) throw new InvalidArgumentError(`channel id ${id} outside 0..${MAX_CHANNEL_ID}`);
    if (this.channels.has(id)) throw new InvalidStateError(`channel id ${id} is in use`);
    const ch: Channel = {
      id,
      label,
      protocol,
      ordered: init.ordered ?? true,
      maxRetransmits: init.maxRetransmits,
      maxPacketLifeTime: init.maxPacketLifeTime,
      negotiated: init.negotiated ?? false,
      priority: init.priority ?? 256,
      state: 'connecting',
      awaitingAck: false,
      openSent: false,
      lowThreshold: 0,
      aboveThreshold: false,
      outgoingReset: false,
      incomingReset: false,
      closedLocally: false,
      lingerUntil: undefined,
    };
    this.channels.set(id, ch);
    if (this.association.state === 'established') this.startChannel(ch);
    return this.info(ch);
  }

  private allocateId(): number {
    const limit = Math.min(MAX_CHANNEL_ID, this.association.outboundStreamCount > 0 ? this.association.outboundStreamCount - 1 : MAX_CHANNEL_ID);
    for (let id = this.dtlsRole === 'client' ? 0 : 1; id <= limit; id += 2) if (!this.channels.has(id)) return id;
    throw new InvalidStateError('no free stream id for a new data channel');
  }

  private startChannel(ch: Channel): void {
    if (ch.state !== 'connecting') return;
    if (ch.id >= this.association.outboundStreamCount) {
      this.fail(ch, `stream id ${ch.id} is beyond the ${this.association.outboundStreamCount} negotiated streams`);
      return;
    }
    if (!ch.negotiated && !ch.openSent) {
      const open: DcepOpen = {
        type: 'open',
        channelType: channelTypeOf(ch),
        priority: ch.priority,
        reliabilityParameter: ch.maxRetransmits ?? ch.maxPacketLifeTime ?? 0,
        label: ch.label,
        protocol: ch.protocol,
      };
      this.association.send(this.now, ch.id, Ppid.Dcep, serializeDcep(open), { ordered: true });
      ch.openSent = true;
      ch.awaitingAck = true;
    }
    ch.state = 'open';
    this.emit({ type: 'open', id: ch.id });
  }

  private fail(ch: Channel, message: string): void {
    this.emit({ type: 'error', id: ch.id, message });
    ch.state = 'closed';
    this.channels.delete(ch.id);
    this.emit({ type: 'closed', id: ch.id });
  }

  getChannel(id: number): DataChannelInfo | undefined {
    const ch = this.channels.get(id);
    return ch ? this.info(ch) : undefined;
  }

  channelIds(): number[] {
    return [...this.channels.keys()];
  }

  private info(ch: Channel): DataChannelInfo {
    return {
      id: ch.id,
      label: ch.label,
      protocol: ch.protocol,
      ordered: ch.ordered,
      maxRetransmits: ch.maxRetransmits,
      maxPacketLifeTime: ch.maxPacketLifeTime,
      negotiated: ch.negotiated,
      priority: ch.priority,
      readyState: ch.state,
      bufferedAmount: this.association.bufferedAmount(ch.id),
      bufferedAmountLowThreshold: ch.lowThreshold,
    };
  }

  bufferedAmount(id: number): number {
    return this.association.bufferedAmount(id);
  }

  setBufferedAmountLowThreshold(id: number, bytes: number): void {
    const ch = this.channels.get(id);
    if (!ch) throw new InvalidStateError(`no channel ${id}`);
    if (!Number.isInteger(bytes) || bytes < 0) throw new InvalidArgumentError(`threshold ${bytes}`);
    ch.lowThreshold = bytes;
    ch.aboveThreshold = this.association.bufferedAmount(id) > bytes;
    if (ch.aboveThreshold) this.aboveLow.add(ch);
    else this.aboveLow.delete(ch);
  }

  /**
   * Sends a message (RFC 8831 6.6). Strings go as PPID 51 (56 when empty), bytes as 53
   * (57 when empty; an empty message carries one zero byte). A message above the peer's
   * max-message-size is refused with an error, never truncated.
   */
  send(now: number, id: number, data: string | Uint8Array): void {
    this.now = now;
    const ch = this.channels.get(id);
    if (!ch || ch.state !== 'open') throw new InvalidStateError(`channel ${id} is not open`);
    let ppid: number;
    let bytes: Uint8Array;
    if (typeof data === 'string') {
      bytes = utf8Encoder.encode(data);
      ppid = bytes.length === 0 ? Ppid.StringEmpty : Ppid.String;
    } else {
      bytes = data;
      ppid = bytes.length === 0 ? Ppid.BinaryEmpty : Ppid.Binary;
    }
    if (bytes.length > this.remoteMax) {
      throw new InvalidArgumentError(`message of ${bytes.length} bytes exceeds the peer's max-message-size of ${this.remoteMax} bytes`);
    }
    if (bytes.length === 0) bytes = ONE_ZERO_BYTE;
    this.association.send(now, id, ppid, bytes, {
      // RFC 8832 6: until the ACK (or any data) arrives, send ordered.
      ordered: ch.ordered || ch.awaitingAck,
      maxRetransmits: ch.maxRetransmits,
      maxPacketLifeTimeMs: ch.maxPacketLifeTime,
    });
    if (this.association.bufferedAmount(id) > ch.lowThreshold) {
      ch.aboveThreshold = true;
      this.aboveLow.add(ch);
    }
  }

  /** Closes a channel by resetting its outgoing stream (RFC 8831 6.7); queued data goes first. */
  close(now: number, id: number): void {
    this.now = now;
    const ch = this.channels.get(id);
    if (!ch || ch.state === 'closing' || ch.state === 'closed') return;
    if (ch.state === 'connecting' || this.association.state !== 'established') {
      ch.state = 'closed';
      this.channels.delete(id);
      this.emit({ type: 'closed', id });
      return;
    }
    ch.state = 'closing';
    ch.closedLocally = true;
    this.emit({ type: 'closing', id });
    this.resetOutgoing(ch);
  }

  private resetOutgoing(ch: Channel): void {
    if (!this.association.peerSupportsReconfig) {
      // Without RFC 6525 there is no way to close one channel; report it closed locally.
      this.finishClose(ch, true);
      return;
    }
    this.association.resetStreams(this.now, [ch.id]);
  }

  private finishClose(ch: Channel, force = false): void {
    // Closed once both directions are reset (RFC 8831 6.7); until then messages still
    // arrive. A peer that never resets its side gets `closeLingerMs` (CLOSE_LINGER_MS).
    if (!force && !(ch.outgoingReset && ch.incomingReset)) {
      if (ch.outgoingReset && ch.closedLocally && ch.lingerUntil === undefined) {
        ch.lingerUntil = this.now + this.closeLingerMs;
        this.lingering.add(ch);
      }
      return;
    }
    if (ch.state === 'closed') return;
    this.lingering.delete(ch);
    ch.state = 'closed';
    if (this.channels.get(ch.id) === ch) this.channels.delete(ch.id);
    this.emit({ type: 'closed', id: ch.id });
  }

  // -------------------------------------------------------------------------------------
  // association events

  private emit(e: DataChannelEvent): void {
    this.events.push(e);
  }

  private drainAssociation(): void {
    for (let e = this.association.pollEvent(); e; e = this.association.pollEvent()) this.onAssociationEvent(e);
    this.checkBufferedLow();
  }

  private checkBufferedLow(): void {
    if (this.aboveLow.size === 0) return;
    for (const ch of this.aboveLow) {
      if (ch.state === 'closed') {
        this.aboveLow.delete(ch);
        continue;
      }
      if (this.association.bufferedAmount(ch.id) <= ch.lowThreshold) {
        ch.aboveThreshold = false;
        this.aboveLow.delete(ch);
        this.emit({ type: 'bufferedamountlow', id: ch.id });
      }
    }
  }

  private onAssociationEvent(e: SctpEvent): void {
    switch (e.type) {
      case 'connected':
        this.emit({ type: 'connected' });
        for (const ch of [...this.channels.values()]) this.startChannel(ch);
        return;
      case 'message':
        this.onMessage(e.streamId, e.ppid, e.data);
        return;
      case 'incoming-stream-reset':
        for (const id of e.streamIds) {
          const ch = this.channels.get(id);
          if (!ch) continue;
          ch.incomingReset = true;
          if (ch.state === 'open' || ch.state === 'connecting') {
            // The peer closed: close our side too (RFC 8831 6.7).
            ch.state = 'closing';
            this.emit({ type: 'closing', id });
            this.resetOutgoing(ch);
          }
          this.finishClose(ch);
        }
        return;
      case 'outgoing-stream-reset':
        for (const id of e.streamIds) {
          const ch = this.channels.get(id);
          if (!ch) continue;
          ch.outgoingReset = true;
          this.finishClose(ch);
        }
        return;
      case 'restarted':
        // RFC 9260 5.2.4 A: the peer restarted its SCTP association and forgot its
        // channels; every stream starts afresh, so our channels on them are closed.
        for (const ch of [...this.channels.values()]) {
          ch.state = 'closed';
          this.emit({ type: 'closed', id: ch.id });
        }
        this.channels.clear();
        this.lingering.clear();
        return;
      case 'closed':
        for (const ch of [...this.channels.values()]) {
          ch.state = 'closed';
          this.emit({ type: 'closed', id: ch.id });
        }
        this.channels.clear();
        this.lingering.clear();
        this.emit({ type: 'association-closed', reason: e.reason, error: e.error });
        return;
    }
  }

  private onMessage(id: number, ppid: number, data: Uint8Array): void {
    if (ppid === Ppid.Dcep) {
      this.onDcep(id, data);
      return;
    }
    const ch = this.channels.get(id);
    if (!ch || ch.state === 'closed') return; // data for no channel: dropped
    // RFC 8832 6: data from the peer means it has seen our OPEN.
    ch.awaitingAck = false;
    if (ch.lingerUntil !== undefined) ch.lingerUntil = this.now + this.closeLingerMs; // still talking
    switch (ppid) {
      case Ppid.String:
        this.emit({ type: 'message', id, data: utf8Decoder.decode(data) });
        return;
      case Ppid.StringEmpty:
        this.emit({ type: 'message', id, data: '' });
        return;
      case Ppid.Binary:
        this.emit({ type: 'message', id, data });
        return;
      case Ppid.BinaryEmpty:
        this.emit({ type: 'message', id, data: new Uint8Array(0) });
        return;
      default:
        return; // deprecated partial PPIDs (52, 54) and unknown ones are dropped
    }
  }

  private onDcep(id: number, data: Uint8Array): void {
    let m;
    try {
      m = parseDcep(data);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      return;
    }
    if (m.type === 'ack') {
      const ch = this.channels.get(id);
      if (ch) ch.awaitingAck = false;
      return;
    }
    // DATA_CHANNEL_OPEN (RFC 8832 6).
    const existing = this.channels.get(id);
    if (existing) return; // a collision or a duplicate: keep ours
    const peerParity = this.dtlsRole === 'client' ? 1 : 0;
    if (id % 2 !== peerParity || this.channels.size >= MAX_CHANNELS || id > MAX_CHANNEL_ID) return;
    const policy = m.channelType & 0x7f;
    const ch: Channel = {
      id,
      label: m.label,
      protocol: m.protocol,
      ordered: (m.channelType & 0x80) === 0,
      maxRetransmits: policy === ChannelType.PartialReliableRexmit ? m.reliabilityParameter : undefined,
      maxPacketLifeTime: policy === ChannelType.PartialReliableTimed ? m.reliabilityParameter : undefined,
      negotiated: false,
      priority: m.priority,
      state: 'open',
      awaitingAck: false,
      openSent: true,
      lowThreshold: 0,
      aboveThreshold: false,
      outgoingReset: false,
      incomingReset: false,
      closedLocally: false,
      lingerUntil: undefined,
    };
    this.channels.set(id, ch);
    this.association.send(this.now, id, Ppid.Dcep, serializeDcep({ type: 'ack' }), { ordered: true });
    this.emit({ type: 'channel', channel: this.info(ch) });
    this.emit({ type: 'open', id });
  }
}

function channelTypeOf(ch: Channel): number {
  const unordered = ch.ordered ? 0 : 0x80;
  if (ch.maxRetransmits !== undefined) return ChannelType.PartialReliableRexmit | unordered;
  if (ch.maxPacketLifeTime !== undefined) return ChannelType.PartialReliableTimed | unordered;
  return ChannelType.Reliable | unordered;
}
