/**
 * @module sctp/association
 * A sans-IO SCTP association (RFC 9260) as profiled for WebRTC by RFC 8261 (one path,
 * no addresses, carried over DTLS), with PR-SCTP (RFC 3758), stream reset (RFC 6525),
 * I-DATA (RFC 8260), and PMTU raising by probes (RFC 8899 with HEARTBEAT + PAD, RFC 4820).
 *
 * Sections implemented here:
 *  - 5.1 setup (INIT, INIT ACK with a signed, time-limited State Cookie, COOKIE ECHO,
 *    COOKIE ACK) and 5.2 collisions: an INIT in COOKIE-WAIT / COOKIE-ECHOED is answered
 *    with our original tag (5.2.1) and a COOKIE ECHO whose local tag is ours is accepted
 *    in any state (5.2.4 cases B and D). Peer restart: an INIT while established gets a
 *    new Initiate Tag with our tags as Tie-Tags in the cookie (5.2.2), and the COOKIE
 *    ECHO that matches them restarts the association (5.2.4 case A, event 'restarted').
 *  - 6.1 transmission with bundling up to the MTU, rule A (no chunk above rwnd while data is
 *    in flight) and rule D (Max.Burst); 6.2 delayed SACK (every second packet
 *    or `sackDelayMs`, at once on gaps and duplicates); 6.2.1 SACK processing; 6.3 RTO and
 *    T3-rtx; 6.5/6.6 ordered and unordered streams; 6.9 fragmentation and reassembly.
 *  - 7.2 slow start (with 7.2.1's cwnd decay while idle), congestion avoidance, fast
 *    retransmit and fast recovery.
 *  - 8.1 dead peer detection (Association.Max.Retrans), 8.3 heartbeats, 8.5 verification
 *    tags, 9.1 ABORT, 9.2 SHUTDOWN.
 *  - RFC 3758 3.5/3.6 abandonment (`maxRetransmits`, `maxPacketLifeTimeMs`), FORWARD TSN.
 *  - RFC 6525 5.1.2/5.2.2 Outgoing SSN Reset Request and its response; 5.2.3 Incoming SSN
 *    Reset Request, performed with an Outgoing SSN Reset Request of ours.
 *  - RFC 8260 2.1-2.3 I-DATA and I-FORWARD-TSN when both ends offer them (option `iData`),
 *    with a per-fragment round-robin over streams (RFC 8260 3.2) so that one large
 *    message does not hold back the others.
 *  - RFC 8899 packet size search with HEARTBEAT + PAD probes, on by default up to the DTLS
 *    record limit (RFC 8261 5), never above what the peer takes: what it announced in our
 *    Receive Packet Size INIT parameter (chunk-init.ts), else 2048 bytes, the largest
 *    DTLS record libwebrtc reads (a larger one fails its DTLS transport: a probe above it
 *    is fatal there, not lost). `setMaxMtu` sets the ceiling per path.
 *  - RFC 9653 zero checksum (option `zeroChecksum`, for associations carried over DTLS):
 *    INIT and INIT ACK announce Error Detection Method 1 (SCTP over DTLS, section 6);
 *    from then on a received packet whose checksum field is 0 is accepted without its
 *    CRC32c (5.3), and once both ends announced it, the packets we build carry 0 instead
 *    of the CRC32c (5.2). Packets built outside the bundling path (INIT, INIT ACK, COOKIE
 *    ECHO, every ABORT, the stale-cookie ERROR) always carry the CRC32c.
 *  - Steady-state fast paths: packets of new DATA only, and SACK-only packets without
 *    gaps, are written byte by byte (data-packet.ts), into one reused buffer with option
 *    `transientPackets`; T3-rtx restarts (6.3.2 R3) and the delayed-SACK timer move
 *    lazily, so pollTimeout() does not change with every SACK sent or received.
 *
 * TSNs are kept "unwrapped" as plain numbers that grow past 2^32 (serial arithmetic of
 * RFC 9260 1.6 is applied once, at the wire).
 *
 * Buffers hold views into the datagrams given to `handleInput`: callers pass a fresh
 * buffer per datagram (as `dgram` and a DTLS record layer do) and do not reuse it.
 */
import type { RandomSource } from '../common/random.js';
import { Writer } from '../common/bytes.js';
import { InvalidArgumentError, InvalidStateError, ParseError } from '../common/errors.js';
import { secureRandom, randomU32 } from '../common/random.js';
import { TimerTable } from '../common/timers.js';
import type { Chunk } from './chunk.js';
import type { DataChunk } from './chunk-data.js';
import { dataChunkFlags } from './chunk-data.js';
import type { IDataChunk } from './chunk-idata.js';
import type { IForwardTsnChunk, IForwardTsnEntry } from './chunk-iforward-tsn.js';
import { writeIForwardTsnChunk } from './chunk-iforward-tsn.js';
import type { ForwardTsnChunk, ForwardTsnStream } from './chunk-forward-tsn.js';
import { writeForwardTsnChunk } from './chunk-forward-tsn.js';
import type { HeartbeatChunk } from './chunk-heartbeat.js';
import type { InitChunk } from './chunk-init.js';
import { featureParams, initFeatures } from './chunk-init.js';
import type { IncomingResetRequest, OutgoingResetRequest, ReconfigChunk, ReconfigResponse } from './chunk-reconfig.js';
import type { GapAckBlock, SackChunk } from './chunk-sack.js';
import { writeSackChunk } from './chunk-sack.js';
import { writeChunk } from './chunk.js';
import {
  ASSOCIATION_MAX_RETRANS,
  COMMON_HEADER_BYTES,
  CauseCode,
  ChunkType,
  DATA_CHUNK_HEADER_BYTES,
  ErrorDetectionMethod,
  DEFAULT_MTU_BYTES,
  DTLS_MAX_PACKET_BYTES,
  IDATA_CHUNK_HEADER_BYTES,
  UNANNOUNCED_PEER_MAX_PACKET_BYTES,
  FAST_RTX_MISS_INDICATIONS,
  HEARTBEAT_INTERVAL_MS,
  MAX_BURST,
  MAX_INIT_RETRANSMITS,
  MAX_MTU_BYTES,
  MIN_MTU_BYTES,
  ParamType,
  RTO_ALPHA,
  RTO_BETA,
  RTO_INITIAL_MS,
  RTO_MAX_MS,
  RTO_MIN_MS,
  ReconfigResult,
  SACK_DELAY_MS,
  VALID_COOKIE_LIFE_MS,
} from './constants.js';
import { openStateCookie, makeStateCookie } from './cookie.js';
import type { StateCookie } from './cookie.js';
import type { ErrorCause } from './error-cause.js';
import { describeCause, textCause } from './error-cause.js';
import { DataPacket, PLAIN_SACK_CHUNK_BYTES } from './data-packet.js';
import { parsePacket, stampChecksum } from './packet.js';
import type { ParsePacketOptions } from './packet.js';
import { ReassemblyQueue, midLte, ssnLte } from './reassembly.js';

// ---------------------------------------------------------------------------------------
// Bounds (ARCHITECTURE: every buffer has a named bound beside the text that motivates it)

/** Receive buffer: reassembly and ordered-hold memory; also our a_rwnd (RFC 9260 6.2). Chrome announces 5 MiB. */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Largest message we reassemble (RFC 8831 6.6 max-message-size; we announce this). */
export const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 256 * 1024;
/** Bytes a caller may queue with `send` before it is refused (bufferedAmount bound, as Chrome's 16 MiB). */
export const DEFAULT_MAX_SEND_BUFFER_BYTES = 16 * 1024 * 1024;
/** Out-of-order TSNs held above the cumulative TSN (RFC 9260 6.2: a receiver may drop what it cannot hold). */
export const MAX_OUT_OF_ORDER_TSNS = 16_384;
/** How far above the cumulative TSN a DATA TSN may be before it is dropped as bogus. */
export const MAX_TSN_LOOKAHEAD = 65_536;
/**
 * Fragments and complete-but-undeliverable messages held on the receive side: bounds
 * per-object memory when a peer sends many tiny chunks (the byte bound alone would
 * allow millions of 1-byte fragments).
 */
export const MAX_HELD_CHUNKS = 65_536;
/** Duplicate TSNs reported in one SACK (RFC 9260 3.3.4 leaves the number to us). */
export const MAX_DUPLICATE_TSNS_REPORTED = 32;
/** Gap Ack Blocks reported in one SACK. */
export const MAX_GAP_BLOCKS_REPORTED = 64;
/** Gap Ack Blocks of a received SACK that we walk (the rest are ignored). */
export const MAX_GAP_BLOCKS_PROCESSED = 256;
/** Streams each way (RFC 9260 3.3.2: 16-bit counts; WebRTC uses all 65535, RFC 8831 6.2). */
export const MAX_STREAMS = 65_535;
/** Control chunks waiting to be sent before the oldest are dropped. */
export const MAX_CONTROL_QUEUE = 64;
/** Events not yet polled before the association stops reading (the caller must drain). */
export const MAX_PENDING_EVENTS = 65_536;
/** Consecutive losses of one probe size before it counts as too big (RFC 8899 5.1.2 MAX_PROBES). */
export const MAX_PMTU_PROBES = 3;
/** The PMTU search stops when the unknown range is narrower than this. */
export const PMTU_SEARCH_GRANULARITY_BYTES = 32;

export type SctpState =
  | 'new'
  | 'cookie-wait'
  | 'cookie-echoed'
  | 'established'
  | 'shutdown-pending'
  | 'shutdown-sent'
  | 'shutdown-received'
  | 'shutdown-ack-sent'
  | 'closed';

export interface SctpAssociationOptions {
  readonly localPort?: number;
  readonly remotePort?: number;
  readonly rng?: RandomSource;
  /** SCTP packet size limit in bytes (default 1200, RFC 8831 5). */
  readonly mtu?: number;
  /**
   * Raise the packet size by probing up to this many bytes (RFC 8899). Default
   * DTLS_MAX_PACKET_BYTES; set it to `mtu` to turn probing off. Probes never exceed what
   * the peer announced it receives, or UNANNOUNCED_PEER_MAX_PACKET_BYTES when it did not.
   */
  readonly maxMtu?: number;
  /** The largest SCTP packet we accept, announced in INIT / INIT ACK (default DTLS_MAX_PACKET_BYTES). */
  readonly maxReceivePacketBytes?: number;
  readonly receiveBufferBytes?: number;
  readonly maxReceiveMessageBytes?: number;
  readonly maxSendBufferBytes?: number;
  readonly outboundStreams?: number;
  readonly inboundStreams?: number;
  readonly rtoInitialMs?: number;
  readonly rtoMinMs?: number;
  readonly rtoMaxMs?: number;
  readonly maxRetransmits?: number;
  readonly maxInitRetransmits?: number;
  readonly heartbeatIntervalMs?: number;
  readonly sackDelayMs?: number;
  readonly cookieLifetimeMs?: number;
  /** Offer PR-SCTP (default true). */
  readonly forwardTsn?: boolean;
  /** Offer stream reset (default true). */
  readonly reconfig?: boolean;
  /** Offer I-DATA / I-FORWARD-TSN (RFC 8260); used only when the peer offers them too. Default false. */
  readonly iData?: boolean;
  /**
   * Announce and use zero checksum with Error Detection Method "SCTP over DTLS" (RFC 9653
   * 5 and 6): set it only when every packet of this association travels inside DTLS
   * records, whose integrity check then stands in for the CRC32c. Default false.
   */
  readonly zeroChecksum?: boolean;
  /**
   * The caller consumes each packet from pollTransmit() before its next call into the
   * association (as a DTLS endpoint does, encrypting it into a record at once): packets
   * of new DATA and plain SACKs are then written into one reused buffer instead of new
   * memory each, which spares the garbage collector a packet-sized allocation per packet.
   * A caller that keeps packets (a queue, a test link) must leave this off. Default false.
   */
  readonly transientPackets?: boolean;
}

export interface SendOptions {
  readonly ordered?: boolean;
  /** PR-SCTP: give up after this many retransmissions (RFC 3758, "rtx" policy). */
  readonly maxRetransmits?: number;
  /** PR-SCTP: give up this many ms after `send` (RFC 3758, "timed" policy). */
  readonly maxPacketLifeTimeMs?: number;
}

export type SctpEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'message'; readonly streamId: number; readonly ppid: number; readonly data: Uint8Array; readonly unordered: boolean }
  /** The peer reset these incoming streams (its outgoing ones), RFC 6525 5.2.2. */
  | { readonly type: 'incoming-stream-reset'; readonly streamIds: readonly number[] }
  /** Our outgoing reset of these streams was performed by the peer. */
  | { readonly type: 'outgoing-stream-reset'; readonly streamIds: readonly number[] }
  /**
   * The peer restarted the association (RFC 9260 5.2.4 action A): every stream starts
   * afresh, and what was queued, in flight or being reassembled is gone (RESTART
   * notification, 11.2.5; the association stays established).
   */
  | { readonly type: 'restarted' }
  | { readonly type: 'closed'; readonly reason: string; readonly byPeer: boolean; readonly error: boolean };

/** Counters for tests, stats and benchmarks. */
export interface SctpStats {
  packetsSent: number;
  packetsReceived: number;
  packetsDropped: number;
  dataChunksSent: number;
  dataChunksRetransmitted: number;
  fastRetransmits: number;
  t3Expirations: number;
  dataChunksReceived: number;
  /** DATA chunks dropped for a receive bound (window, out-of-order queue, lookahead). */
  dataChunksDropped: number;
  duplicateTsnsReceived: number;
  sacksSent: number;
  sacksReceived: number;
  forwardTsnsSent: number;
  messagesAbandoned: number;
}

/** A congestion-control sample, recorded when `traceCongestion` is on (RFC 9260 7.2 tests). */
export interface CongestionSample {
  readonly atMs: number;
  readonly event: 'ack' | 'fast-retransmit' | 't3-expired' | 'idle' | 'pmtu';
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly flightSize: number;
}

interface OutMessage {
  readonly streamId: number;
  readonly ppid: number;
  readonly data: Uint8Array;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly expiresAt: number | undefined;
  ssn: number;
  /** Bytes already cut into chunks. */
  offset: number;
  /** Next Fragment Sequence Number (I-DATA). */
  nextFsn: number;
  abandoned: boolean;
}

interface OutStream {
  readonly id: number;
  readonly queue: OutMessage[];
  head: number;
  nextSsn: number;
  /** Bytes queued but not yet sent once (W3C bufferedAmount). */
  bufferedBytes: number;
  resetRequested: boolean;
  queued: boolean;
  /** I-DATA: the message being fragmented, interleaved with other streams' (RFC 8260). */
  partial: OutMessage | undefined;
  /** I-DATA: the MID counter for unordered messages (RFC 8260 2.1). */
  nextUnorderedMid: number;
}

interface SentChunk {
  readonly tsn: number;
  readonly msg: OutMessage;
  /** SSN (DATA) or MID (I-DATA). */
  readonly ssn: number;
  readonly fsn: number;
  readonly begin: boolean;
  readonly end: boolean;
  readonly data: Uint8Array;
  sentAt: number;
  sends: number;
  acked: boolean;
  abandoned: boolean;
  retransmit: boolean;
  inFlight: boolean;
  missIndications: number;
  fastRetransmitted: boolean;
}

type TimerName = 't1-init' | 't1-cookie' | 't2-shutdown' | 't3-rtx' | 'delayed-sack' | 'heartbeat' | 'reconfig' | 'pmtu-probe';

const EMPTY = new Uint8Array(0);
/** parsePacket options before and after we announced zero checksum (RFC 9653 5.3), hoisted so a packet does not allocate them. */
const VERIFY_CHECKSUM: ParsePacketOptions = { acceptZeroChecksum: false };
const ACCEPT_ZERO_CHECKSUM: ParsePacketOptions = { acceptZeroChecksum: true };
const HB_KIND_NORMAL = 0;
const HB_KIND_PMTU = 1;
/** Bytes of our Heartbeat Info (kind, probe size, nonce, send time); a PMTU probe may pad it. */
const HB_INFO_BYTES = 16;

function u32(n: number): number {
  return n >>> 0;
}

/** Unwraps a 32-bit serial number to the value nearest `ref` (RFC 9260 1.6). */
function unwrap(value: number, ref: number): number {
  return ref + ((value - ref) | 0);
}

export class SctpAssociation {
  readonly localPort: number;
  readonly remotePort: number;
  readonly stats: SctpStats = {
    packetsSent: 0,
    packetsReceived: 0,
    packetsDropped: 0,
    dataChunksSent: 0,
    dataChunksRetransmitted: 0,
    fastRetransmits: 0,
    t3Expirations: 0,
    dataChunksReceived: 0,
    dataChunksDropped: 0,
    duplicateTsnsReceived: 0,
    sacksSent: 0,
    sacksReceived: 0,
    forwardTsnsSent: 0,
    messagesAbandoned: 0,
  };
  /** Set to an array to record congestion-control changes. */
  congestionTrace: CongestionSample[] | undefined;

  private stateValue: SctpState = 'new';
  private readonly rng: RandomSource;
  private readonly secret: Uint8Array;
  private readonly timers = new TimerTable<TimerName>();
  private readonly events: SctpEvent[] = [];
  private eventHead = 0;
  private readonly rawQueue: Uint8Array[] = [];
  private readonly controlQueue: Chunk[] = [];
  private now = 0;

  // configuration
  private mtuValue: number;
  private maxMtu: number;
  /** The configured packet size (option `mtu`): probing starts here and never goes below. */
  private readonly baseMtu: number;
  private readonly maxReceivePacket: number;
  private readonly receiveBufferBytes: number;
  private readonly maxReceiveMessageBytes: number;
  private readonly maxSendBufferBytes: number;
  private readonly ourOutbound: number;
  private readonly ourInbound: number;
  private readonly rtoMin: number;
  private readonly rtoMax: number;
  private readonly maxRetrans: number;
  private readonly maxInitRetrans: number;
  private readonly hbInterval: number;
  private readonly sackDelay: number;
  private readonly cookieLifetime: number;
  private readonly offerForwardTsn: boolean;
  private readonly offerReconfig: boolean;
  private readonly offerIData: boolean;
  private readonly offerZeroChecksum: boolean;
  private readonly transientPackets: boolean;
  /** With `transientPackets`: the buffer the fast-path packets are written into, grown with the MTU. */
  private scratch: Uint8Array | undefined;
  /** RFC 9653 5.3: we sent Zero Checksum Acceptable in an INIT or INIT ACK, so a 0 checksum is accepted from here on. */
  private announcedZeroChecksum = false;
  /** RFC 9653 5.2: both ends announced the same method: the packets we build carry 0 instead of the CRC32c. */
  private sendZeroChecksum = false;

  // association TCB
  /** Changed only by a peer restart (RFC 9260 5.2.4 action A), as is our Initial TSN. */
  private localTag: number;
  private peerTag = 0;
  private localInitialTsn: number;
  private peerInitialTsn = 0;
  private outboundStreams = 0;
  private inboundStreams = 0;
  private peerForwardTsn = false;
  private peerReconfig = false;
  /** I-DATA negotiated (RFC 8260 2.2.1): both sides listed it. */
  private useIData = false;
  /** What the peer announced it receives (0: nothing announced). */
  private peerMaxPacket = 0;
  private dataHeaderBytes = DATA_CHUNK_HEADER_BYTES;
  private initPacket: Uint8Array | undefined;
  private cookieEchoPacket: Uint8Array | undefined;
  private initRetransmits = 0;
  private errorCount = 0;

  // RTO (6.3)
  private rto: number;
  private readonly rtoInitial: number;
  private srtt: number | undefined;
  private rttvar = 0;
  private rttProbeTsn = -1;
  /** When T3-rtx is due; the timer table may hold an earlier deadline (see restartT3). */
  private t3Deadline = 0;

  // sender
  private nextTsn: number;
  private cumAckPoint: number;
  private advancedPeerAckPoint: number;
  private readonly sent: SentChunk[] = [];
  private sentHead = 0;
  private readonly outStreams = new Map<number, OutStream>();
  private readonly rr: OutStream[] = [];
  private rrHead = 0;
  private current: OutMessage | undefined;
  private totalBuffered = 0;
  private flightSize = 0;
  private peerRwnd = 0;
  private cwnd = 0;
  private ssthresh = 0;
  private partialBytesAcked = 0;
  private inFastRecovery = false;
  private fastRecoveryExit = 0;
  private fastRtxPending = false;
  private retransmitCount = 0;
  private forwardTsnNeeded = false;
  /** RFC 9260 6.1 rule D: packets of new DATA left in this transmit opportunity (Max.Burst). */
  private burstLeft = MAX_BURST;
  /** When DATA was last sent (7.2.1: cwnd decays while no data is sent); -1 before any. */
  private lastDataSentAt = -1;
  /** 7.2.1: RTO periods of the current idle period already applied to cwnd (0: none yet). */
  private idleAdjusts = 0;

  // receiver
  private cumTsn = 0;
  private readonly recvAbove: number[] = [];
  private recvHead = 0;
  /** Reassembly and ordered delivery; counts what it holds (bounded by MAX_HELD_CHUNKS). */
  private readonly rx: ReassemblyQueue;
  private highestReceived = 0;
  private readonly dupTsns: number[] = [];
  private sackNow = false;
  private packetsSinceSack = 0;
  private dataSinceSack = false;

  // heartbeat, PMTU probe
  private hbNonce = 0;
  private hbOutstanding = false;
  private probeSize = 0;
  private probeFailures = 0;
  private probeNonce = -1;
  private probeCeiling: number;

  // stream reset (RFC 6525)
  private reconfigReqSeq: number;
  private peerReqSeq = 0;
  private readonly resetQueue: number[] = [];
  private resetInFlight: OutgoingResetRequest | undefined;
  private lastResponse: ReconfigResponse | undefined;
  private reconfigRetransmits = 0;

  // shutdown
  private shutdownRetransmits = 0;

  constructor(options: SctpAssociationOptions = {}) {
    this.localPort = options.localPort ?? 5000;
    this.remotePort = options.remotePort ?? 5000;
    this.rng = options.rng ?? secureRandom;
    this.mtuValue = options.mtu ?? DEFAULT_MTU_BYTES;
    if (this.mtuValue < MIN_MTU_BYTES || this.mtuValue > MAX_MTU_BYTES) throw new InvalidArgumentError(`mtu ${this.mtuValue} outside ${MIN_MTU_BYTES}..${MAX_MTU_BYTES}`);
    this.baseMtu = this.mtuValue;
    this.maxMtu = Math.min(MAX_MTU_BYTES, Math.max(this.mtuValue, options.maxMtu ?? DTLS_MAX_PACKET_BYTES));
    this.probeCeiling = this.maxMtu + 1;
    this.maxReceivePacket = Math.min(MAX_MTU_BYTES, Math.max(MIN_MTU_BYTES, options.maxReceivePacketBytes ?? DTLS_MAX_PACKET_BYTES));
    this.receiveBufferBytes = options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES;
    this.maxReceiveMessageBytes = options.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_MESSAGE_BYTES;
    if (this.maxReceiveMessageBytes > this.receiveBufferBytes) throw new InvalidArgumentError('maxReceiveMessageBytes above receiveBufferBytes');
    this.maxSendBufferBytes = options.maxSendBufferBytes ?? DEFAULT_MAX_SEND_BUFFER_BYTES;
    this.ourOutbound = Math.min(MAX_STREAMS, options.outboundStreams ?? MAX_STREAMS);
    this.ourInbound = Math.min(MAX_STREAMS, options.inboundStreams ?? MAX_STREAMS);
    this.rto = options.rtoInitialMs ?? RTO_INITIAL_MS;
    this.rtoInitial = this.rto;
    this.rtoMin = options.rtoMinMs ?? RTO_MIN_MS;
    this.rtoMax = options.rtoMaxMs ?? RTO_MAX_MS;
    this.maxRetrans = options.maxRetransmits ?? ASSOCIATION_MAX_RETRANS;
    this.maxInitRetrans = options.maxInitRetransmits ?? MAX_INIT_RETRANSMITS;
    this.hbInterval = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.sackDelay = Math.min(500, options.sackDelayMs ?? SACK_DELAY_MS);
    this.cookieLifetime = options.cookieLifetimeMs ?? VALID_COOKIE_LIFE_MS;
    this.offerForwardTsn = options.forwardTsn ?? true;
    this.offerReconfig = options.reconfig ?? true;
    this.offerIData = options.iData ?? false;
    this.offerZeroChecksum = options.zeroChecksum ?? false;
    this.transientPackets = options.transientPackets ?? false;
    this.secret = this.rng.fill(new Uint8Array(32));
    let tag = 0;
    while (tag === 0) tag = randomU32(this.rng);
    this.localTag = tag;
    this.localInitialTsn = randomU32(this.rng);
    this.nextTsn = this.localInitialTsn;
    this.cumAckPoint = this.localInitialTsn - 1;
    this.advancedPeerAckPoint = this.cumAckPoint;
    this.reconfigReqSeq = this.localInitialTsn;
    this.rx = new ReassemblyQueue(this.maxReceiveMessageBytes, (streamId, ppid, data, unordered) => this.emit({ type: 'message', streamId, ppid, data, unordered }));
  }

  // -------------------------------------------------------------------------------------
  // public surface

  get state(): SctpState {
    return this.stateValue;
  }
  /** Current packet size limit (raised by PMTU probes). */
  get mtu(): number {
    return this.mtuValue;
  }
  get rtoMs(): number {
    return this.rto;
  }
  get srttMs(): number | undefined {
    return this.srtt;
  }
  get congestionWindow(): number {
    return this.cwnd;
  }
  get slowStartThreshold(): number {
    return this.ssthresh;
  }
  get bytesInFlight(): number {
    return this.flightSize;
  }
  /** Negotiated outbound stream count (0 before the association is up). */
  get outboundStreamCount(): number {
    return this.outboundStreams;
  }
  get inboundStreamCount(): number {
    return this.inboundStreams;
  }
  /** Whether the peer agreed to PR-SCTP (RFC 3758) and stream reset (RFC 6525). */
  get peerSupportsForwardTsn(): boolean {
    return this.peerForwardTsn;
  }
  get peerSupportsReconfig(): boolean {
    return this.peerReconfig;
  }
  /** Whether a PMTU probe search is under way (RFC 8899 SEARCHING); false once the size settled. */
  get probing(): boolean {
    return this.probeSize !== 0;
  }
  /** The largest packet the peer announced it receives (0: not announced; then UNANNOUNCED_PEER_MAX_PACKET_BYTES bounds probes). */
  get peerMaxPacketBytes(): number {
    return this.peerMaxPacket;
  }
  /** Zero checksum negotiated (RFC 9653): the packets we build carry 0 instead of the CRC32c. */
  get usesZeroChecksum(): boolean {
    return this.sendZeroChecksum;
  }
  /** Whether I-DATA (RFC 8260) is in use. */
  get usesIData(): boolean {
    return this.useIData;
  }
  /** Bytes queued on a stream not yet sent once (W3C bufferedAmount). */
  bufferedAmount(streamId: number): number {
    return this.outStreams.get(streamId)?.bufferedBytes ?? 0;
  }
  get totalBufferedAmount(): number {
    return this.totalBuffered;
  }
  /** Receive side: bytes held for reassembly or in-order delivery (counted against a_rwnd). */
  get receiveHeldBytes(): number {
    return this.rx.heldBytes;
  }
  /** Receive side: fragments and messages held (bounded by MAX_HELD_CHUNKS). */
  get receiveHeldChunks(): number {
    return this.rx.heldChunks;
  }

  /** Starts the association: sends INIT (RFC 9260 5.1 step A). Both peers may call this. */
  connect(now: number): void {
    this.now = now;
    if (this.stateValue !== 'new') throw new InvalidStateError(`connect in state ${this.stateValue}`);
    const init: InitChunk = {
      type: 'init',
      initiateTag: this.localTag,
      aRwnd: this.receiveBufferBytes,
      outboundStreams: this.ourOutbound,
      inboundStreams: this.ourInbound,
      initialTsn: this.localInitialTsn,
      params: this.ourFeatureParams(),
    };
    this.initPacket = this.packetOf(0, [init]);
    this.rawQueue.push(this.initPacket);
    this.stateValue = 'cookie-wait';
    this.timers.set('t1-init', now + this.rto);
  }

  /**
   * Queues a message (RFC 9260 11.1.5). Throws for local misuse: wrong state, empty or
   * oversized data, an unknown stream, or a full send buffer.
   */
  send(now: number, streamId: number, ppid: number, data: Uint8Array, options: SendOptions = {}): void {
    this.now = now;
    // A send opens a transmit opportunity only on an idle association; with data in flight
    // the next SACK does (ack clocking), else a burst of sends would each add Max.Burst.
    if (this.flightSize === 0) this.burstLeft = MAX_BURST;
    if (this.stateValue !== 'established') throw new InvalidStateError(`send in state ${this.stateValue}`);
    if (data.length === 0) throw new InvalidArgumentError('SCTP cannot carry an empty message (RFC 9260 3.3.10.9)');
    if (!Number.isInteger(streamId) || streamId < 0 || streamId >= this.outboundStreams) throw new InvalidArgumentError(`stream ${streamId} outside the ${this.outboundStreams} negotiated`);
    if (this.totalBuffered + data.length > this.maxSendBufferBytes) throw new InvalidStateError(`send buffer full (${this.totalBuffered} of ${this.maxSendBufferBytes} bytes queued)`);
    const s = this.outStream(streamId);
    if (s.resetRequested) throw new InvalidStateError(`stream ${streamId} is being reset`);
    const pr = this.peerForwardTsn;
    const msg: OutMessage = {
      streamId,
      ppid: u32(ppid),
      data,
      ordered: options.ordered ?? true,
      maxRetransmits: pr ? options.maxRetransmits : undefined,
      expiresAt: pr && options.maxPacketLifeTimeMs !== undefined ? now + options.maxPacketLifeTimeMs : undefined,
      ssn: -1,
      offset: 0,
      nextFsn: 0,
      abandoned: false,
    };
    s.queue.push(msg);
    s.bufferedBytes += data.length;
    this.totalBuffered += data.length;
    this.schedule(s);
    this.applyIdleDecay();
  }

  /** Resets our outgoing side of streams (RFC 6525 5.1.2); used to close data channels (RFC 8831 6.7). */
  resetStreams(now: number, streamIds: readonly number[]): void {
    this.now = now;
    if (this.stateValue !== 'established') throw new InvalidStateError(`resetStreams in state ${this.stateValue}`);
    if (!this.peerReconfig) throw new InvalidStateError('the peer does not support stream reset (RFC 6525)');
    for (const id of streamIds) {
      const s = this.outStream(id);
      if (s.resetRequested) continue;
      s.resetRequested = true;
      this.resetQueue.push(id);
    }
  }

  /**
   * Sets the largest packet size probing may reach (the `maxMtu` option) for the path in
   * use, e.g. the DTLS record limit on loopback and the configured `mtu` (no probing) on
   * paths where an oversized probe would be IP-fragmented rather than lost (RFC 8899 needs
   * DF, which node:dgram cannot set). A lower bound takes effect at once (chunks already
   * cut larger are sent alone); a higher one starts a new search (RFC 8899 5.2).
   */
  setMaxMtu(now: number, bytes: number): void {
    this.now = now;
    this.maxMtu = Math.min(MAX_MTU_BYTES, Math.max(this.baseMtu, Math.floor(bytes)));
    const peerLimit = this.peerTag === 0 ? this.maxMtu : Math.max(MIN_MTU_BYTES, this.peerMaxPacket > 0 ? this.peerMaxPacket : UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    const ceiling = Math.min(this.maxMtu, peerLimit);
    if (this.mtuValue > ceiling) this.mtuValue = ceiling;
    this.probeCeiling = ceiling + 1;
    this.probeSize = 0;
    this.probeFailures = 0;
    this.timers.clear('pmtu-probe');
    if (this.isUp() && this.stateValue !== 'closed' && ceiling > this.mtuValue) this.startProbe();
  }

  /** Graceful close (RFC 9260 9.2): delivers what is queued, then SHUTDOWN. */
  shutdown(now: number): void {
    this.now = now;
    if (this.stateValue === 'established') {
      this.stateValue = 'shutdown-pending';
      this.maybeShutdownProgress();
    } else if (this.stateValue !== 'closed' && !this.stateValue.startsWith('shutdown')) {
      this.abort(now, 'shutdown before established');
    }
  }

  /** Abort (RFC 9260 9.1) with a User-Initiated Abort cause carrying `reason`. */
  abort(now: number, reason = 'user abort'): void {
    this.now = now;
    if (this.stateValue === 'closed') return;
    if (this.stateValue !== 'new') {
      this.rawQueue.push(this.packetOf(this.peerTag, [{ type: 'abort', reflected: false, causes: [textCause(CauseCode.UserInitiatedAbort, reason)] }]));
    }
    this.close(reason, false, false);
  }

  handleInput(now: number, datagram: Uint8Array): void {
    this.now = now;
    this.burstLeft = MAX_BURST;
    if (this.stateValue === 'closed') return;
    if (this.events.length - this.eventHead > MAX_PENDING_EVENTS) {
      this.stats.packetsDropped++;
      return;
    }
    let packet;
    try {
      packet = parsePacket(datagram, this.announcedZeroChecksum ? ACCEPT_ZERO_CHECKSUM : VERIFY_CHECKSUM);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.packetsDropped++;
      return;
    }
    this.stats.packetsReceived++;
    if (packet.destinationPort !== this.localPort || packet.chunks.length === 0) {
      this.stats.packetsDropped++;
      return;
    }
    const first = packet.chunks[0] as Chunk;
    // Verification tag rules, RFC 9260 8.5 and 8.5.1.
    if (first.type === 'init') {
      if (packet.verificationTag !== 0 || packet.chunks.length !== 1) {
        this.stats.packetsDropped++;
        return;
      }
    } else if (first.type === 'abort' || first.type === 'shutdown-complete') {
      const want = first.reflected ? this.peerTag : this.localTag;
      if (packet.verificationTag !== want || (first.reflected && this.peerTag === 0)) {
        this.stats.packetsDropped++;
        return;
      }
    } else if (first.type !== 'cookie-echo' && packet.verificationTag !== this.localTag) {
      this.stats.packetsDropped++;
      return;
    }
    let sawData = false;
    for (const chunk of packet.chunks) {
      if ((this.stateValue as SctpState) === 'closed') break;
      if (chunk.type === 'data' || chunk.type === 'idata') {
        sawData = true;
        this.onData(chunk);
        continue;
      }
      if (!this.onControl(chunk, packet.verificationTag)) break;
    }
    if (sawData) this.afterData();
  }

  handleTimeout(now: number): void {
    this.now = now;
    if (this.stateValue === 'closed') return;
    // A timer that fired only to be moved on (lazy T3-rtx restart, a delayed SACK with
    // nothing left to acknowledge) is no transmit opportunity (RFC 9260 6.1 rule D).
    let worked = false;
    for (const t of this.timers.expired(now)) {
      if ((this.stateValue as SctpState) === 'closed') return;
      if (t === 't3-rtx' && now < this.t3Deadline) {
        this.timers.set('t3-rtx', this.t3Deadline);
        continue;
      }
      if (t === 'delayed-sack' && !this.dataSinceSack) continue;
      worked = true;
      switch (t) {
        case 't1-init':
          this.onT1(this.initPacket, 't1-init');
          break;
        case 't1-cookie':
          this.onT1(this.cookieEchoPacket, 't1-cookie');
          break;
        case 't2-shutdown':
          this.onT2();
          break;
        case 't3-rtx':
          this.onT3();
          break;
        case 'delayed-sack':
          this.sackNow = true;
          break;
        case 'heartbeat':
          this.onHeartbeatTimer();
          break;
        case 'reconfig':
          this.onReconfigTimer();
          break;
        case 'pmtu-probe':
          this.onProbeLost();
          break;
      }
    }
    if (worked) this.burstLeft = MAX_BURST;
  }

  pollTimeout(): number | undefined {
    return this.timers.next();
  }

  pollEvent(): SctpEvent | undefined {
    if (this.eventHead >= this.events.length) return undefined;
    const e = this.events[this.eventHead];
    this.events[this.eventHead++] = undefined as unknown as SctpEvent;
    if (this.eventHead === this.events.length) {
      this.events.length = 0;
      this.eventHead = 0;
    }
    return e;
  }

  /** The next SCTP packet to send, or undefined. Builds packets on demand (bundling). */
  pollTransmit(): Uint8Array | undefined {
    const raw = this.rawQueue.shift();
    if (raw) {
      this.stats.packetsSent++;
      return raw;
    }
    if (this.stateValue === 'new' || this.stateValue === 'closed' || this.stateValue === 'cookie-wait' || this.stateValue === 'cookie-echoed') {
      return undefined;
    }
    const pkt = this.buildPacket();
    if (pkt) this.stats.packetsSent++;
    return pkt;
  }

  // -------------------------------------------------------------------------------------
  // packet building

  private packetOf(tag: number, chunks: readonly Chunk[]): Uint8Array {
    const w = new Writer(256);
    w.u16(this.localPort).u16(this.remotePort).u32(tag).u32(0);
    for (const c of chunks) writeChunk(w, c);
    const out = w.finish();
    stampChecksum(out);
    return out;
  }

  private pushControl(c: Chunk): void {
    if (this.controlQueue.length >= MAX_CONTROL_QUEUE) this.controlQueue.shift();
    this.controlQueue.push(c);
  }

  private emit(e: SctpEvent): void {
    this.events.push(e);
  }

  private buildPacket(): Uint8Array | undefined {
    const canSendData = this.stateValue === 'established' || this.stateValue === 'shutdown-pending' || this.stateValue === 'shutdown-received';
    const dataReady = canSendData && this.hasDataToSend();
    const sackDue = this.sackNow || (this.dataSinceSack && dataReady);
    const controlDue = this.controlQueue.length > 0 || this.forwardTsnNeeded || this.resetQueue.length > 0;
    if (!dataReady && !sackDue && !controlDue) return undefined;
    if (dataReady && !sackDue && !controlDue && this.retransmitCount === 0) {
      // New DATA only (the sender's steady state): no Writer, no zero-filled buffer. New
      // chunks are cut to fit the packet size; the last one's padding may pass it by up to
      // 3 bytes, as on the Writer path. Retransmissions, which may have been cut for a
      // larger packet size, take the Writer path.
      const p = new DataPacket(this.mtuValue + 3, this.localPort, this.remotePort, this.peerTag, this.scratchOf(this.mtuValue + 3));
      if (!this.writeData(p, this.mtuValue)) return undefined;
      const out = p.written();
      // RFC 9653 5.2: with zero checksum agreed the field stays 0.
      if (!this.sendZeroChecksum) stampChecksum(out);
      return out;
    }
    if (!dataReady && sackDue && !controlDue && this.recvHead === this.recvAbove.length && this.dupTsns.length === 0) {
      // A SACK alone with no gaps and no duplicates (the receiver's steady state).
      const p = new DataPacket(COMMON_HEADER_BYTES + PLAIN_SACK_CHUNK_BYTES, this.localPort, this.remotePort, this.peerTag, this.scratchOf(COMMON_HEADER_BYTES + PLAIN_SACK_CHUNK_BYTES));
      p.sack(u32(this.cumTsn), this.advertisedWindow());
      this.sackWritten();
      const out = p.written();
      if (!this.sendZeroChecksum) stampChecksum(out);
      return out;
    }
    // A fresh buffer per packet (MTU-sized when DATA goes in): the packet is handed out
    // as a view of it, so there is no copy at the end.
    const w = new Writer(dataReady ? this.mtuValue : 256);
    w.u16(this.localPort).u16(this.remotePort).u32(this.peerTag).u32(0);
    const limit = this.mtuValue;
    let wrote = false;
    // Control chunks first (RFC 9260 6.10: control chunks before DATA).
    while (this.controlQueue.length > 0) {
      const c = this.controlQueue[0] as Chunk;
      const before = w.length;
      writeChunk(w, c);
      if (w.length > limit && before > COMMON_HEADER_BYTES) {
        w.length = before;
        break;
      }
      this.controlQueue.shift();
      wrote = true;
    }
    if (this.sackNow || (this.dataSinceSack && dataReady)) {
      const before = w.length;
      this.writeSack(w);
      if (w.length > limit && before > COMMON_HEADER_BYTES) w.length = before;
      else wrote = true;
    }
    if (this.forwardTsnNeeded && this.advancedPeerAckPoint > this.cumAckPoint) {
      const before = w.length;
      this.writeForwardTsn(w);
      if (w.length > limit && before > COMMON_HEADER_BYTES) w.length = before;
      else {
        wrote = true;
        this.forwardTsnNeeded = false;
        this.stats.forwardTsnsSent++;
        if (!this.timers.isSet('t3-rtx')) this.setT3();
      }
    }
    if (canSendData) {
      if (this.maybeSendResetRequest(w, limit)) wrote = true;
      if (this.writeData(w, limit)) wrote = true;
    }
    if (!wrote) return undefined;
    const out = w.written();
    // RFC 9653 5.2: with zero checksum agreed the field stays 0 (the Writer wrote zeros).
    if (!this.sendZeroChecksum) stampChecksum(out);
    return out;
  }

  /** The reused packet buffer (option `transientPackets`), at least `bytes` long; undefined without the option. */
  private scratchOf(bytes: number): Uint8Array | undefined {
    if (!this.transientPackets) return undefined;
    if (this.scratch === undefined || this.scratch.length < bytes) this.scratch = new Uint8Array(Math.max(bytes, DEFAULT_MTU_BYTES + 3));
    return this.scratch;
  }

  private hasDataToSend(): boolean {
    if (this.retransmitCount > 0) return this.flightSize < this.cwnd || this.fastRtxPending;
    if (this.current === undefined && this.rrHead >= this.rr.length) return false;
    this.applyIdleDecay();
    return this.burstLeft > 0 && this.flightSize < this.cwnd && (this.peerRwnd > 0 || this.flightSize === 0);
  }

  /**
   * RFC 9260 7.2.1: while no data is sent, cwnd decays to max(cwnd/2, 4*PMDCS) once per
   * RTO, ssthresh set to cwnd before the first decay. Applied lazily when data is next
   * ready to go (no timer needed for it).
   */
  private applyIdleDecay(): void {
    if (this.lastDataSentAt < 0 || this.flightSize > 0) return;
    const periods = Math.floor((this.now - this.lastDataSentAt) / this.rto) - this.idleAdjusts;
    if (periods <= 0) return;
    const floor = 4 * this.mtuValue;
    if (this.idleAdjusts === 0 && this.cwnd > floor) this.ssthresh = this.cwnd;
    let changed = false;
    // max(cwnd / 2, 4 * PMDCS): a cwnd below 4 * PMDCS (a packet size that probing raised
    // after a small exchange) comes up to it, so the next burst is not a single packet
    // left waiting on the peer's delayed SACK (RFC 9260 6.2: up to 200 ms).
    for (let i = 0; i < periods; i++) {
      const next = Math.max(Math.floor(this.cwnd / 2), floor);
      if (next === this.cwnd) break;
      this.cwnd = next;
      changed = true;
    }
    this.idleAdjusts += periods;
    if (changed) this.trace('idle');
  }

  private writeSack(w: Writer): void {
    const cum = this.cumTsn;
    const gaps: GapAckBlock[] = [];
    let i = this.recvHead;
    const n = this.recvAbove.length;
    while (i < n && gaps.length < MAX_GAP_BLOCKS_REPORTED) {
      const start = this.recvAbove[i] as number;
      let end = start;
      i++;
      while (i < n && this.recvAbove[i] === end + 1) {
        end++;
        i++;
      }
      if (end - cum > 0xffff) break;
      gaps.push({ start: start - cum, end: end - cum });
    }
    const sack: SackChunk = {
      type: 'sack',
      cumulativeTsnAck: u32(cum),
      aRwnd: this.advertisedWindow(),
      gapBlocks: gaps,
      duplicateTsns: this.dupTsns.slice(),
    };
    writeSackChunk(w, sack);
    this.sackWritten();
  }

  /** Our a_rwnd (RFC 9260 6.2): the receive buffer left, 0 when the held-chunk bound is reached. */
  private advertisedWindow(): number {
    return this.rx.heldChunks >= MAX_HELD_CHUNKS ? 0 : Math.max(0, this.receiveBufferBytes - this.rx.heldBytes);
  }

  /** Bookkeeping once a SACK is in a packet. */
  private sackWritten(): void {
    this.dupTsns.length = 0;
    this.sackNow = false;
    this.dataSinceSack = false;
    this.packetsSinceSack = 0;
    // The delayed-SACK timer is left armed: when it fires with nothing new to acknowledge
    // it does nothing, and pollTimeout() does not change with every SACK sent.
    this.stats.sacksSent++;
  }

  private writeForwardTsn(w: Writer): void {
    if (this.useIData) {
      // RFC 8260 2.3.1: per stream and U bit, the largest MID abandoned.
      const best = new Map<number, IForwardTsnEntry>();
      for (let i = this.sentHead; i < this.sent.length; i++) {
        const c = this.sent[i] as SentChunk;
        if (c.tsn > this.advancedPeerAckPoint) break;
        if (!c.abandoned) continue;
        const key = c.msg.streamId * 2 + (c.msg.ordered ? 0 : 1);
        const prev = best.get(key);
        if (!prev || midLte(prev.mid, c.ssn)) best.set(key, { streamId: c.msg.streamId, unordered: !c.msg.ordered, mid: c.ssn });
      }
      writeIForwardTsnChunk(w, { type: 'iforward-tsn', newCumulativeTsn: u32(this.advancedPeerAckPoint), entries: [...best.values()] });
      return;
    }
    // RFC 3758 3.5 C4: for each ordered stream with abandoned chunks, the largest SSN.
    const streams = new Map<number, number>();
    for (let i = this.sentHead; i < this.sent.length; i++) {
      const c = this.sent[i] as SentChunk;
      if (c.tsn > this.advancedPeerAckPoint) break;
      if (c.abandoned && c.msg.ordered) {
        const prev = streams.get(c.msg.streamId);
        if (prev === undefined || ssnLte(prev, c.ssn)) streams.set(c.msg.streamId, c.ssn);
      }
    }
    const list: ForwardTsnStream[] = [];
    for (const [streamId, ssn] of streams) list.push({ streamId, ssn });
    const chunk: ForwardTsnChunk = { type: 'forward-tsn', newCumulativeTsn: u32(this.advancedPeerAckPoint), streams: list };
    writeForwardTsnChunk(w, chunk);
  }

  /** Writes retransmissions, then new DATA, within cwnd and the peer's window. */
  private writeData(w: Writer | DataPacket, limit: number): boolean {
    let wrote = false;
    // Retransmissions, lowest TSN first (RFC 9260 6.3.3 E3, 7.2.4).
    if (this.retransmitCount > 0 && (this.flightSize < this.cwnd || this.fastRtxPending)) {
      const fast = this.fastRtxPending;
      let i = this.sentHead;
      for (; i < this.sent.length && this.retransmitCount > 0; i++) {
        const c = this.sent[i] as SentChunk;
        if (!c.retransmit) continue;
        if (this.shouldAbandon(c)) {
          this.abandonMessage(c.msg);
          continue;
        }
        const size = this.dataHeaderBytes + c.data.length;
        // A chunk cut for a larger packet size than today's (setMaxMtu lowered it) goes alone.
        if (w.length + size > limit && w.length > COMMON_HEADER_BYTES) break;
        if (!fast && this.flightSize >= this.cwnd) break;
        this.writeDataChunkOf(w, c);
        c.retransmit = false;
        this.retransmitCount--;
        c.sends++;
        c.sentAt = this.now;
        c.inFlight = true;
        this.flightSize += c.data.length;
        if (c.tsn === this.rttProbeTsn) this.rttProbeTsn = -1;
        this.stats.dataChunksRetransmitted++;
        wrote = true;
      }
      if (i >= this.sent.length) this.retransmitCount = 0; // scanned everything: nothing is left marked
      this.fastRtxPending = false;
      if (wrote && !this.timers.isSet('t3-rtx')) this.setT3();
      if (this.retransmitCount > 0) return wrote;
    }
    // New data (RFC 9260 6.1 rules A and B), at most Max.Burst packets of it per transmit
    // opportunity (an input, a timeout, or a send with nothing in flight), by counting
    // packets (rule D's second way), so cwnd itself is not changed.
    if (this.burstLeft <= 0) return wrote;
    let wroteNew = false;
    while (this.flightSize < this.cwnd) {
      const room = limit - w.length - this.dataHeaderBytes;
      if (room < 64) break;
      const msg = this.nextMessage();
      if (!msg) break;
      if (this.peerRwnd <= 0 && this.flightSize > 0) break;
      const remaining = msg.data.length - msg.offset;
      // Fill what is left of the packet, but do not cut a small message across packets.
      if (remaining > room && msg.offset === 0 && remaining <= limit - COMMON_HEADER_BYTES - this.dataHeaderBytes && w.length > COMMON_HEADER_BYTES) {
        if (this.useIData) {
          // keep the message for the next packet, in its stream's turn
          this.current = undefined;
          const ps = this.outStream(msg.streamId);
          ps.partial = msg;
          this.schedule(ps);
        }
        break;
      }
      const take = Math.min(remaining, room);
      // RFC 9260 6.1 rule A: no new DATA chunk larger than the peer's rwnd while data is in
      // flight (with nothing in flight one chunk may go, the zero window probe).
      if (this.flightSize > 0 && take > this.peerRwnd) {
        if (this.useIData && msg.offset === 0) {
          this.current = undefined;
          const ps = this.outStream(msg.streamId);
          ps.partial = msg;
          this.schedule(ps);
        }
        break;
      }
      const begin = msg.offset === 0;
      const s = this.outStream(msg.streamId);
      if (begin) {
        // SSN (DATA, ordered only) or MID (I-DATA, one counter per ordering, RFC 8260 2.1)
        if (this.useIData) {
          if (msg.ordered) {
            msg.ssn = s.nextSsn;
            s.nextSsn = (s.nextSsn + 1) >>> 0;
          } else {
            msg.ssn = s.nextUnorderedMid;
            s.nextUnorderedMid = (s.nextUnorderedMid + 1) >>> 0;
          }
        } else if (msg.ordered) {
          msg.ssn = s.nextSsn;
          s.nextSsn = (s.nextSsn + 1) & 0xffff;
        }
      }
      const data = msg.data.subarray(msg.offset, msg.offset + take);
      msg.offset += take;
      const end = msg.offset === msg.data.length;
      s.bufferedBytes -= take;
      this.totalBuffered -= take;
      const fsn = msg.nextFsn;
      msg.nextFsn = (msg.nextFsn + 1) >>> 0;
      this.current = undefined;
      if (!end) {
        if (this.useIData) {
          // RFC 8260: fragments of messages on different streams may interleave; round-robin per fragment.
          s.partial = msg;
          this.schedule(s);
        } else {
          this.current = msg; // DATA: the fragments of one message take consecutive TSNs
        }
      }
      const c: SentChunk = {
        tsn: this.nextTsn++,
        msg,
        ssn: msg.ordered || this.useIData ? msg.ssn : 0,
        fsn,
        begin,
        end,
        data,
        sentAt: this.now,
        sends: 1,
        acked: false,
        abandoned: false,
        retransmit: false,
        inFlight: true,
        missIndications: 0,
        fastRetransmitted: false,
      };
      this.sent.push(c);
      this.writeDataChunkOf(w, c);
      this.flightSize += take;
      this.peerRwnd = Math.max(0, this.peerRwnd - take);
      if (this.rttProbeTsn < 0) this.rttProbeTsn = c.tsn;
      this.stats.dataChunksSent++;
      wrote = true;
      wroteNew = true;
      if (!this.timers.isSet('t3-rtx')) this.setT3();
    }
    if (wroteNew) this.burstLeft--;
    return wrote;
  }

  private writeDataChunkOf(w: Writer | DataPacket, c: SentChunk): void {
    const at = w.length;
    this.lastDataSentAt = this.now;
    this.idleAdjusts = 0;
    if (w instanceof DataPacket) {
      const flags = dataChunkFlags({ unordered: !c.msg.ordered, beginning: c.begin, ending: c.end, immediate: false });
      if (this.useIData) w.idata(flags, u32(c.tsn), c.msg.streamId, c.ssn, c.begin ? c.msg.ppid : c.fsn, c.data);
      else w.data(flags, u32(c.tsn), c.msg.streamId, c.ssn, c.msg.ppid, c.data);
      return;
    }
    if (this.useIData) {
      w.u8(ChunkType.IData)
        .u8(dataChunkFlags({ unordered: !c.msg.ordered, beginning: c.begin, ending: c.end, immediate: false }))
        .u16(IDATA_CHUNK_HEADER_BYTES + c.data.length)
        .u32(u32(c.tsn))
        .u16(c.msg.streamId)
        .u16(0)
        .u32(c.ssn)
        .u32(c.begin ? c.msg.ppid : c.fsn)
        .bytes(c.data);
      const pad = (4 - ((w.length - at) & 3)) & 3;
      if (pad) w.zeros(pad);
      return;
    }
    const len = DATA_CHUNK_HEADER_BYTES + c.data.length;
    w.u8(ChunkType.Data)
      .u8(dataChunkFlags({ unordered: !c.msg.ordered, beginning: c.begin, ending: c.end, immediate: false }))
      .u16(len)
      .u32(u32(c.tsn))
      .u16(c.msg.streamId)
      .u16(c.ssn)
      .u32(c.msg.ppid)
      .bytes(c.data);
    const pad = (4 - ((w.length - at) & 3)) & 3;
    if (pad) w.zeros(pad);
  }

  private outStream(id: number): OutStream {
    let s = this.outStreams.get(id);
    if (!s) {
      s = { id, queue: [], head: 0, nextSsn: 0, bufferedBytes: 0, resetRequested: false, queued: false, partial: undefined, nextUnorderedMid: 0 };
      this.outStreams.set(id, s);
    }
    return s;
  }

  private schedule(s: OutStream): void {
    if (s.queued || (s.head >= s.queue.length && s.partial === undefined)) return;
    s.queued = true;
    this.rr.push(s);
  }

  /**
   * Round-robin over streams: one whole message per turn with DATA (its fragments need
   * consecutive TSNs), one fragment per turn with I-DATA (RFC 8260 3: round-robin scheduler).
   */
  private nextMessage(): OutMessage | undefined {
    while (this.current === undefined) {
      if (this.rrHead >= this.rr.length) {
        this.rr.length = 0;
        this.rrHead = 0;
        return undefined;
      }
      const s = this.rr[this.rrHead++] as OutStream;
      if (this.rrHead > 1024 && this.rrHead * 2 > this.rr.length) {
        this.rr.splice(0, this.rrHead);
        this.rrHead = 0;
      }
      s.queued = false;
      if (s.partial) {
        const m = s.partial;
        s.partial = undefined;
        this.schedule(s);
        if (m.abandoned || m.offset >= m.data.length) continue;
        this.current = m;
        continue;
      }
      const msg = s.queue[s.head];
      if (!msg) continue;
      s.queue[s.head] = undefined as unknown as OutMessage;
      s.head++;
      if (s.head === s.queue.length) {
        s.queue.length = 0;
        s.head = 0;
      } else {
        this.schedule(s);
      }
      if (msg.abandoned) continue;
      if (msg.expiresAt !== undefined && this.now >= msg.expiresAt) {
        // RFC 3758 3.5 A3: a message expired before its first transmission is dropped.
        s.bufferedBytes -= msg.data.length;
        this.totalBuffered -= msg.data.length;
        msg.abandoned = true;
        this.stats.messagesAbandoned++;
        continue;
      }
      this.current = msg;
    }
    return this.current;
  }

  // -------------------------------------------------------------------------------------
  // control chunk handling

  /** Returns false to stop processing the rest of the packet. */
  private onControl(chunk: Chunk, tag: number): boolean {
    switch (chunk.type) {
      case 'init':
        this.onInit(chunk);
        return false;
      case 'init-ack':
        this.onInitAck(chunk);
        return false;
      case 'cookie-echo':
        return this.onCookieEcho(chunk.cookie, tag);
      case 'cookie-ack':
        if (this.stateValue === 'cookie-echoed') {
          this.timers.clear('t1-cookie');
          this.establish();
        }
        return true;
      case 'sack':
        this.onSack(chunk);
        return true;
      case 'heartbeat':
        if (this.isUp()) this.pushControl({ type: 'heartbeat-ack', info: chunk.info });
        return true;
      case 'heartbeat-ack':
        this.onHeartbeatAck(chunk);
        return true;
      case 'abort': {
        const reason = chunk.causes.length ? chunk.causes.map(describeCause).join('; ') : 'peer abort';
        this.close(reason, true, true);
        return false;
      }
      case 'error':
        if (this.stateValue === 'cookie-echoed' && this.initPacket && chunk.causes.some((c) => c.code === CauseCode.StaleCookie)) {
          // RFC 9260 5.2.6: our cookie went stale on the way; start over with a new INIT.
          this.timers.clear('t1-cookie');
          this.cookieEchoPacket = undefined;
          this.stateValue = 'cookie-wait';
          this.rawQueue.push(this.initPacket);
          this.timers.set('t1-init', this.now + this.rto);
        }
        return true;
      case 'shutdown':
        this.onShutdown(chunk.cumulativeTsnAck);
        return true;
      case 'shutdown-ack':
        if (this.stateValue === 'shutdown-sent' || this.stateValue === 'shutdown-ack-sent') {
          this.rawQueue.push(this.packetOf(this.peerTag, [{ type: 'shutdown-complete', reflected: false }]));
          this.close('shutdown', true, false);
        }
        return false;
      case 'shutdown-complete':
        if (this.stateValue === 'shutdown-ack-sent') this.close('shutdown', true, false);
        return false;
      case 'forward-tsn':
        if (this.useIData) {
          this.protocolViolation('FORWARD-TSN while I-DATA was negotiated (RFC 8260 2.3.1)');
          return false;
        }
        this.onForwardTsn(chunk);
        return true;
      case 'iforward-tsn':
        this.onIForwardTsn(chunk);
        return true;
      case 'reconfig':
        this.onReconfig(chunk);
        return true;
      case 'pad':
        return true;
      case 'unknown': {
        // RFC 9260 3.2: the two upper bits of the type say what to do.
        const action = chunk.chunkType >> 6;
        if (action === 1 || action === 3) {
          const raw = new Writer(8 + chunk.value.length);
          raw.u8(chunk.chunkType).u8(chunk.flags).u16(4 + chunk.value.length).bytes(chunk.value.subarray(0, Math.min(chunk.value.length, 256)));
          if (this.isUp()) this.pushControl({ type: 'error', causes: [{ code: CauseCode.UnrecognizedChunkType, info: raw.finish() }] });
        }
        return action >= 2;
      }
      case 'data':
      case 'idata':
        return true;
    }
    return true;
  }

  private isUp(): boolean {
    return this.stateValue !== 'new' && this.stateValue !== 'closed' && this.stateValue !== 'cookie-wait' && this.stateValue !== 'cookie-echoed';
  }

  private onInit(init: InitChunk): void {
    if (init.initiateTag === 0 || init.outboundStreams === 0 || init.inboundStreams === 0) {
      // RFC 9260 3.3.2: invalid mandatory parameter; answer with ABORT (tag reflected).
      this.rawQueue.push(this.packetOf(init.initiateTag, [{ type: 'abort', reflected: false, causes: [{ code: CauseCode.InvalidMandatoryParameter, info: new Uint8Array(0) }] }]));
      return;
    }
    const st = this.stateValue;
    if (st === 'shutdown-ack-sent') {
      // RFC 9260 9.2: the SHUTDOWN COMPLETE was probably lost; discard, repeat SHUTDOWN ACK.
      this.pushControl({ type: 'shutdown-ack' });
      return;
    }
    // RFC 9260 5.2.2: an INIT while an association exists (a peer restart, most likely) is
    // answered with a new Initiate Tag and our current tags as Tie-Tags in the cookie;
    // the association itself is left as it is until a matching COOKIE ECHO comes.
    const restart = st !== 'new' && st !== 'cookie-wait' && st !== 'cookie-echoed';
    let localTag = this.localTag;
    let localInitialTsn = this.localInitialTsn;
    if (restart) {
      do localTag = randomU32(this.rng);
      while (localTag === 0 || localTag === this.localTag);
      localInitialTsn = randomU32(this.rng);
    }
    const f = initFeatures(init);
    const cookie = makeStateCookie(this.secret, {
      createdAtMs: this.now,
      lifetimeMs: this.cookieLifetime,
      localTag,
      peerTag: init.initiateTag,
      localInitialTsn,
      peerInitialTsn: init.initialTsn,
      peerARwnd: init.aRwnd,
      outboundStreams: Math.min(this.ourOutbound, init.inboundStreams),
      inboundStreams: Math.min(this.ourInbound, init.outboundStreams),
      peerForwardTsn: f.forwardTsn && this.offerForwardTsn,
      peerReconfig: f.reconfig && this.offerReconfig,
      peerIData: f.iData && this.offerIData,
      peerZeroChecksum: this.zeroChecksumAgreed(f.zeroChecksumEdmid),
      peerMaxPacketBytes: f.maxPacketBytes,
      localTieTag: restart ? this.localTag : 0,
      peerTieTag: restart ? this.peerTag : 0,
    });
    const ack: InitChunk = {
      type: 'init-ack',
      initiateTag: localTag,
      aRwnd: this.receiveBufferBytes,
      outboundStreams: this.ourOutbound,
      inboundStreams: this.ourInbound,
      initialTsn: localInitialTsn,
      params: [{ type: ParamType.StateCookie, value: cookie }, ...this.ourFeatureParams()],
    };
    this.rawQueue.push(this.packetOf(init.initiateTag, [ack]));
  }

  private onInitAck(ack: InitChunk): void {
    if (this.stateValue !== 'cookie-wait') return; // RFC 9260 5.2.3: discard
    const f = initFeatures(ack);
    if (!f.stateCookie || ack.initiateTag === 0) {
      this.stats.packetsDropped++;
      return;
    }
    this.timers.clear('t1-init');
    this.setPeer({
      peerTag: ack.initiateTag,
      peerInitialTsn: ack.initialTsn,
      peerARwnd: ack.aRwnd,
      outboundStreams: Math.min(this.ourOutbound, ack.inboundStreams),
      inboundStreams: Math.min(this.ourInbound, ack.outboundStreams),
      peerForwardTsn: f.forwardTsn && this.offerForwardTsn,
      peerReconfig: f.reconfig && this.offerReconfig,
      peerIData: f.iData && this.offerIData,
      peerZeroChecksum: this.zeroChecksumAgreed(f.zeroChecksumEdmid),
      peerMaxPacketBytes: f.maxPacketBytes,
    });
    this.cookieEchoPacket = this.packetOf(this.peerTag, [{ type: 'cookie-echo', cookie: f.stateCookie }]);
    this.rawQueue.push(this.cookieEchoPacket);
    this.initRetransmits = 0;
    this.stateValue = 'cookie-echoed';
    this.timers.set('t1-cookie', this.now + this.rto);
  }

  /**
   * The parameters of our INIT / INIT ACK that announce features. Announcing zero
   * checksum (RFC 9653 5.1) makes us accept 0 checksums from then on (5.3).
   */
  private ourFeatureParams(): ReturnType<typeof featureParams> {
    if (this.offerZeroChecksum) this.announcedZeroChecksum = true;
    return featureParams({
      forwardTsn: this.offerForwardTsn,
      reconfig: this.offerReconfig,
      iData: this.offerIData,
      maxPacketBytes: this.maxReceivePacket,
      ...(this.offerZeroChecksum ? { zeroChecksumEdmid: ErrorDetectionMethod.SctpOverDtls } : {}),
    });
  }

  /** RFC 9653 5.2: zero checksum is used only when the peer announced the method we announce. */
  private zeroChecksumAgreed(peerEdmid: number): boolean {
    return this.offerZeroChecksum && peerEdmid === ErrorDetectionMethod.SctpOverDtls;
  }

  private setPeer(p: Pick<StateCookie, 'peerTag' | 'peerInitialTsn' | 'peerARwnd' | 'outboundStreams' | 'inboundStreams' | 'peerForwardTsn' | 'peerReconfig' | 'peerIData' | 'peerZeroChecksum' | 'peerMaxPacketBytes'>): void {
    this.peerTag = p.peerTag;
    this.peerInitialTsn = p.peerInitialTsn;
    this.cumTsn = p.peerInitialTsn - 1;
    this.highestReceived = this.cumTsn;
    this.peerReqSeq = p.peerInitialTsn;
    this.peerRwnd = p.peerARwnd;
    this.outboundStreams = p.outboundStreams;
    this.inboundStreams = p.inboundStreams;
    this.peerForwardTsn = p.peerForwardTsn;
    this.peerReconfig = p.peerReconfig;
    this.useIData = p.peerIData;
    this.sendZeroChecksum = p.peerZeroChecksum;
    this.peerMaxPacket = p.peerMaxPacketBytes;
    // Never send more than the peer takes: what it announced, or the size every stack
    // we know accepts over DTLS (UNANNOUNCED_PEER_MAX_PACKET_BYTES), probes included.
    const peerLimit = Math.max(MIN_MTU_BYTES, p.peerMaxPacketBytes > 0 ? p.peerMaxPacketBytes : UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    if (this.mtuValue > peerLimit) this.mtuValue = peerLimit;
    this.probeCeiling = Math.min(this.maxMtu, peerLimit) + 1;
    this.dataHeaderBytes = this.useIData ? IDATA_CHUNK_HEADER_BYTES : DATA_CHUNK_HEADER_BYTES;
    // RFC 9260 7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380)); ssthresh = peer a_rwnd.
    this.cwnd = Math.min(4 * this.mtuValue, Math.max(2 * this.mtuValue, 4380));
    this.ssthresh = p.peerARwnd;
  }

  private onCookieEcho(bytes: Uint8Array, tag: number): boolean {
    let cookie: StateCookie;
    try {
      cookie = openStateCookie(this.secret, bytes);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.packetsDropped++;
      return false;
    }
    if (tag !== cookie.localTag) {
      this.stats.packetsDropped++;
      return false;
    }
    if (cookie.localTag !== this.localTag) {
      // RFC 9260 5.2.4 Table 12 row A: both tags new, both Tie-Tags ours: the peer restarted.
      // Any other combination is a cookie of another association: discard.
      const restart = this.isUp() && cookie.localTieTag === this.localTag && cookie.peerTieTag === this.peerTag && cookie.peerTag !== this.peerTag;
      if (!restart) {
        this.stats.packetsDropped++;
        return false;
      }
      if (this.now > cookie.createdAtMs + cookie.lifetimeMs) {
        this.sendStaleCookieError(cookie);
        return false;
      }
      if (this.stateValue === 'shutdown-ack-sent') {
        // 5.2.4 A: no new association while shutting down.
        this.pushControl({ type: 'shutdown-ack' });
        this.pushControl({ type: 'error', causes: [{ code: CauseCode.CookieReceivedWhileShuttingDown, info: new Uint8Array(0) }] });
        return false;
      }
      this.restart(cookie);
      return true;
    }
    const st0 = this.stateValue;
    if (st0 !== 'new' && st0 !== 'cookie-wait' && st0 !== 'cookie-echoed' && st0 !== 'closed' && cookie.peerTag === this.peerTag) {
      // 5.2.4 case D: a retransmitted COOKIE ECHO for this very association; its COOKIE
      // ACK was lost. Answer again, however old the cookie is by now.
      this.pushControl({ type: 'cookie-ack' });
      return true;
    }
    if (this.now > cookie.createdAtMs + cookie.lifetimeMs) {
      this.sendStaleCookieError(cookie);
      return false;
    }
    const st = this.stateValue;
    if (st === 'new' || st === 'cookie-wait' || st === 'cookie-echoed') {
      // 5.1 step D (no TCB), or 5.2.4 case B/D during a collision: the cookie's view of
      // the peer (its INIT) is the one to keep.
      this.timers.clear('t1-init');
      this.timers.clear('t1-cookie');
      this.setPeer(cookie);
      this.pushControl({ type: 'cookie-ack' });
      this.establish();
      return true;
    }
    if (st === 'closed') return false;
    // Established or later: 5.2.4 case D, a retransmitted COOKIE ECHO. Answer again.
    if (cookie.peerTag === this.peerTag) this.pushControl({ type: 'cookie-ack' });
    return true;
  }

  /** RFC 9260 5.1.5 step 3: stale cookie, reported with the staleness in microseconds. */
  private sendStaleCookieError(cookie: StateCookie): void {
    const staleUs = Math.min(0xffffffff, Math.round((this.now - cookie.createdAtMs - cookie.lifetimeMs) * 1000));
    const info = new Uint8Array(4);
    new DataView(info.buffer).setUint32(0, staleUs);
    this.rawQueue.push(this.packetOf(cookie.peerTag, [{ type: 'error', causes: [{ code: CauseCode.StaleCookie, info }] }]));
  }

  /**
   * RFC 9260 5.2.4 action A: the peer restarted. As if an ABORT had come followed by a
   * new COOKIE ECHO, except that the ULP gets a restart notification: the new tags and
   * TSNs from the cookie, congestion control, RTO, streams, queues, reassembly and stream
   * reset state all start afresh (we do not retain DATA, which the RFC leaves optional).
   */
  private restart(cookie: StateCookie): void {
    this.timers.clearAll();
    this.controlQueue.length = 0;
    this.localTag = cookie.localTag;
    this.localInitialTsn = cookie.localInitialTsn;
    this.nextTsn = cookie.localInitialTsn;
    this.cumAckPoint = this.nextTsn - 1;
    this.advancedPeerAckPoint = this.cumAckPoint;
    this.sent.length = 0;
    this.sentHead = 0;
    this.outStreams.clear();
    this.rr.length = 0;
    this.rrHead = 0;
    this.current = undefined;
    this.totalBuffered = 0;
    this.flightSize = 0;
    this.partialBytesAcked = 0;
    this.inFastRecovery = false;
    this.fastRtxPending = false;
    this.retransmitCount = 0;
    this.forwardTsnNeeded = false;
    this.lastDataSentAt = -1;
    this.idleAdjusts = 0;
    this.rto = this.rtoInitial;
    this.srtt = undefined;
    this.rttvar = 0;
    this.rttProbeTsn = -1;
    this.recvAbove.length = 0;
    this.recvHead = 0;
    this.rx.clear();
    this.dupTsns.length = 0;
    this.sackNow = false;
    this.packetsSinceSack = 0;
    this.dataSinceSack = false;
    this.reconfigReqSeq = cookie.localInitialTsn;
    this.resetQueue.length = 0;
    this.resetInFlight = undefined;
    this.lastResponse = undefined;
    this.reconfigRetransmits = 0;
    this.hbOutstanding = false;
    this.errorCount = 0;
    this.probeSize = 0;
    this.probeFailures = 0;
    this.shutdownRetransmits = 0;
    this.setPeer(cookie);
    this.stateValue = 'established';
    this.pushControl({ type: 'cookie-ack' });
    this.timers.set('heartbeat', this.now + this.hbInterval + this.rto);
    if (this.probeCeiling - 1 > this.mtuValue) this.startProbe();
    this.emit({ type: 'restarted' });
  }

  private establish(): void {
    if (this.stateValue === 'established') return;
    this.stateValue = 'established';
    this.errorCount = 0;
    this.initPacket = undefined;
    this.cookieEchoPacket = undefined;
    this.timers.set('heartbeat', this.now + this.hbInterval + this.rto);
    if (this.probeCeiling - 1 > this.mtuValue) this.startProbe();
    this.emit({ type: 'connected' });
  }

  private onT1(packet: Uint8Array | undefined, timer: 't1-init' | 't1-cookie'): void {
    if (!packet) return;
    this.initRetransmits++;
    if (this.initRetransmits > this.maxInitRetrans) {
      this.close('association setup timed out (Max.Init.Retransmits)', false, true);
      return;
    }
    this.rto = Math.min(this.rto * 2, this.rtoMax);
    this.rawQueue.push(packet);
    this.timers.set(timer, this.now + this.rto);
  }

  private close(reason: string, byPeer: boolean, error: boolean): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.timers.clearAll();
    this.controlQueue.length = 0;
    this.rx.clear();
    this.sent.length = 0;
    this.sentHead = 0;
    this.emit({ type: 'closed', reason, byPeer, error });
  }

  // -------------------------------------------------------------------------------------
  // receiving DATA (RFC 9260 6.2, 6.5, 6.6, 6.9)

  private onData(c: DataChunk | IDataChunk): void {
    const st = this.stateValue;
    if (st !== 'established' && st !== 'shutdown-pending' && st !== 'shutdown-sent') return;
    if ((c.type === 'idata') !== this.useIData) {
      // RFC 8260 2.2.1: DATA and I-DATA must not be mixed with what was negotiated.
      this.protocolViolation(`${c.type === 'idata' ? 'I-DATA' : 'DATA'} chunk while ${this.useIData ? 'I-DATA' : 'DATA'} was negotiated`);
      return;
    }
    this.dataSinceSack = true;
    this.stats.dataChunksReceived++;
    if (c.userData.length === 0) {
      // RFC 9260 6.2: a DATA chunk with no user data aborts with cause "No User Data".
      const info = new Uint8Array(4);
      new DataView(info.buffer).setUint32(0, c.tsn);
      this.rawQueue.push(this.packetOf(this.peerTag, [{ type: 'abort', reflected: false, causes: [{ code: CauseCode.NoUserData, info }] }]));
      this.close('peer sent a DATA chunk without user data', false, true);
      return;
    }
    const tsn = unwrap(c.tsn, this.cumTsn);
    if (tsn <= this.cumTsn || this.isReceived(tsn)) {
      this.stats.duplicateTsnsReceived++;
      if (this.dupTsns.length < MAX_DUPLICATE_TSNS_REPORTED) this.dupTsns.push(c.tsn);
      this.sackNow = true;
      return;
    }
    if (tsn - this.cumTsn > MAX_TSN_LOOKAHEAD || this.recvAbove.length - this.recvHead >= MAX_OUT_OF_ORDER_TSNS) {
      this.stats.dataChunksDropped++;
      return;
    }
    // RFC 9260 6.2: with no room, drop DATA above the highest TSN received so far.
    if ((this.rx.heldBytes + c.userData.length > this.receiveBufferBytes || this.rx.heldChunks >= MAX_HELD_CHUNKS) && tsn > this.highestReceived) {
      this.stats.dataChunksDropped++;
      return;
    }
    const gapBefore = this.recvHead < this.recvAbove.length;
    if (tsn > this.highestReceived) this.highestReceived = tsn;
    if (tsn === this.cumTsn + 1) {
      this.cumTsn = tsn;
      this.advanceCum();
      if (gapBefore) this.sackNow = true; // a gap was filled
    } else {
      this.insertReceived(tsn);
      this.sackNow = true; // RFC 9260 6.7: report gaps at once
    }
    if (c.streamId >= this.inboundStreams) {
      // RFC 9260 6.5: acknowledge, discard, and report Invalid Stream Identifier.
      const info = new Uint8Array(4);
      new DataView(info.buffer).setUint16(0, c.streamId);
      this.pushControl({ type: 'error', causes: [{ code: CauseCode.InvalidStreamIdentifier, info }] });
      return;
    }
    const err =
      c.type === 'idata'
        ? this.rx.addIData(c)
        : this.rx.addData({ tsn, streamId: c.streamId, ssn: c.ssn, ppid: c.ppid, unordered: c.unordered, begin: c.beginning, end: c.ending, data: c.userData });
    if (err) this.protocolViolation(err);
  }

  private isReceived(tsn: number): boolean {
    const a = this.recvAbove;
    let lo = this.recvHead;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = a[mid] as number;
      if (v === tsn) return true;
      if (v < tsn) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  private insertReceived(tsn: number): void {
    const a = this.recvAbove;
    if (a.length === this.recvHead || (a[a.length - 1] as number) < tsn) {
      a.push(tsn);
      return;
    }
    let lo = this.recvHead;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((a[mid] as number) < tsn) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, tsn);
  }

  private advanceCum(): void {
    const a = this.recvAbove;
    while (this.recvHead < a.length) {
      const v = a[this.recvHead] as number;
      if (v <= this.cumTsn) this.recvHead++;
      else if (v === this.cumTsn + 1) {
        this.cumTsn = v;
        this.recvHead++;
      } else break;
    }
    if (this.recvHead === a.length) {
      a.length = 0;
      this.recvHead = 0;
    } else if (this.recvHead > 256 && this.recvHead * 2 > a.length) {
      a.splice(0, this.recvHead);
      this.recvHead = 0;
    }
  }

  /** Finds the message around `c` if all its fragments are here (consecutive TSNs, B..E). */
  private protocolViolation(text: string): void {
    this.rawQueue.push(this.packetOf(this.peerTag, [{ type: 'abort', reflected: false, causes: [textCause(CauseCode.ProtocolViolation, text)] }]));
    this.close(text, false, true);
  }

  /** RFC 8260 2.3.1: the receiver side of I-FORWARD-TSN. */
  private onIForwardTsn(c: IForwardTsnChunk): void {
    if (!this.isUp()) return;
    if (!this.useIData) {
      this.protocolViolation('I-FORWARD-TSN without I-DATA');
      return;
    }
    this.sackNow = true;
    this.dataSinceSack = true;
    const newCum = unwrap(c.newCumulativeTsn, this.cumTsn);
    if (newCum - this.cumTsn > MAX_TSN_LOOKAHEAD) return;
    if (newCum > this.cumTsn) {
      this.cumTsn = newCum;
      if (newCum > this.highestReceived) this.highestReceived = newCum;
      this.advanceCum();
    }
    // the entries apply even when our cumulative TSN is already past the new one
    this.rx.iforwardTsn(c.entries, this.inboundStreams);
  }

  private afterData(): void {
    this.packetsSinceSack++;
    // RFC 9260 6.2: acknowledge at least every second packet with DATA.
    if (this.packetsSinceSack >= 2) this.sackNow = true;
    if (!this.sackNow && !this.timers.isSet('delayed-sack')) this.timers.set('delayed-sack', this.now + this.sackDelay);
    if (this.stateValue === 'shutdown-sent' && this.sackNow) {
      // RFC 9260 9.2: in SHUTDOWN-SENT, answer DATA with a SHUTDOWN carrying the cumulative TSN.
      this.pushControl({ type: 'shutdown', cumulativeTsnAck: u32(this.cumTsn) });
    }
  }

  private onForwardTsn(c: ForwardTsnChunk): void {
    if (!this.isUp()) return;
    this.sackNow = true;
    this.dataSinceSack = true;
    const newCum = unwrap(c.newCumulativeTsn, this.cumTsn);
    if (newCum - this.cumTsn > MAX_TSN_LOOKAHEAD) return;
    // RFC 3758 3.6: fragments at or below the new cumulative TSN go (also when our
    // cumulative TSN is already past it), the cumulative TSN moves, the SSNs are skipped.
    if (newCum > this.cumTsn) {
      this.cumTsn = newCum;
      if (newCum > this.highestReceived) this.highestReceived = newCum;
      this.advanceCum();
    }
    this.rx.forwardTsn(newCum, c.streams, this.inboundStreams);
  }

  // -------------------------------------------------------------------------------------
  // SACK processing (RFC 9260 6.2.1, 7.2)

  private onSack(c: SackChunk): void {
    if (!this.isUp()) return;
    this.stats.sacksReceived++;
    const cumAck = unwrap(c.cumulativeTsnAck, this.cumAckPoint);
    if (cumAck < this.cumAckPoint) return; // D i): an old SACK
    if (cumAck >= this.nextTsn) {
      this.protocolViolation('SACK acknowledges a TSN never sent');
      return;
    }
    const flightBefore = this.flightSize;
    const cwndFull = flightBefore + this.mtuValue > this.cwnd;
    let bytesAcked = 0;
    let rttSample = -1;
    const cumAdvanced = cumAck > this.cumAckPoint;
    // Cumulative part.
    while (this.sentHead < this.sent.length) {
      const ch = this.sent[this.sentHead] as SentChunk;
      if (ch.tsn > cumAck) break;
      if (!ch.acked) {
        if (!ch.abandoned) bytesAcked += ch.data.length;
        if (ch.inFlight) this.flightSize -= ch.data.length;
        if (ch.retransmit) this.retransmitCount--;
      }
      if (ch.tsn === this.rttProbeTsn) {
        if (ch.sends === 1) rttSample = this.now - ch.sentAt;
        this.rttProbeTsn = -1;
      }
      this.sent[this.sentHead++] = undefined as unknown as SentChunk;
    }
    if (this.sentHead === this.sent.length) {
      this.sent.length = 0;
      this.sentHead = 0;
    } else if (this.sentHead > 1024 && this.sentHead * 2 > this.sent.length) {
      this.sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
    this.cumAckPoint = cumAck;
    if (this.advancedPeerAckPoint < cumAck) this.advancedPeerAckPoint = cumAck;
    // Gap Ack Blocks.
    const base = this.sentHead - (cumAck + 1);
    let highestNewlyAcked = cumAck;
    let highestGapAcked = cumAck;
    const nBlocks = Math.min(c.gapBlocks.length, MAX_GAP_BLOCKS_PROCESSED);
    const highestSent = this.nextTsn - 1;
    for (let b = 0; b < nBlocks; b++) {
      const g = c.gapBlocks[b] as GapAckBlock;
      if (g.start === 0 || g.end < g.start) continue;
      const from = cumAck + g.start;
      const to = Math.min(cumAck + g.end, highestSent);
      for (let t = from; t <= to; t++) {
        const ch = this.sent[base + t] as SentChunk | undefined;
        if (!ch) continue;
        if (t > highestGapAcked) highestGapAcked = t;
        if (ch.acked) continue;
        ch.acked = true;
        if (!ch.abandoned) bytesAcked += ch.data.length;
        if (ch.inFlight) {
          this.flightSize -= ch.data.length;
          ch.inFlight = false;
        }
        if (ch.retransmit) {
          ch.retransmit = false;
          this.retransmitCount--;
        }
        if (t > highestNewlyAcked) highestNewlyAcked = t;
      }
    }
    if (rttSample >= 0) this.updateRto(rttSample);
    if (bytesAcked > 0 || cumAdvanced) this.errorCount = 0; // 8.1: the peer is alive
    // Fast recovery exit (7.2.4).
    if (this.inFastRecovery && cumAck >= this.fastRecoveryExit) this.inFastRecovery = false;
    // Miss indications (7.2.4).
    const missUpTo = this.inFastRecovery && cumAdvanced ? highestGapAcked : highestNewlyAcked;
    let newlyMarked = false;
    if (missUpTo > cumAck) {
      for (let t = cumAck + 1; t < missUpTo; t++) {
        const ch = this.sent[base + t] as SentChunk | undefined;
        if (!ch || ch.acked || ch.abandoned || ch.retransmit || ch.fastRetransmitted) continue;
        if (++ch.missIndications >= FAST_RTX_MISS_INDICATIONS) {
          if (this.shouldAbandon(ch)) {
            this.abandonMessage(ch.msg);
            continue;
          }
          ch.fastRetransmitted = true;
          ch.retransmit = true;
          this.retransmitCount++;
          if (ch.inFlight) {
            ch.inFlight = false;
            this.flightSize -= ch.data.length;
          }
          newlyMarked = true;
          this.stats.fastRetransmits++;
        }
      }
    }
    // Congestion window (7.2.1, 7.2.2), before entering fast recovery.
    if (bytesAcked > 0 && cumAdvanced && !this.inFastRecovery) {
      if (this.cwnd <= this.ssthresh) {
        if (cwndFull) this.cwnd += Math.min(bytesAcked, this.mtuValue);
      } else {
        this.partialBytesAcked += bytesAcked;
        if (this.partialBytesAcked >= this.cwnd && cwndFull) {
          this.partialBytesAcked -= this.cwnd;
          this.cwnd += this.mtuValue;
        }
      }
    }
    if (newlyMarked && !this.inFastRecovery) {
      this.ssthresh = Math.max(Math.floor(this.cwnd / 2), 4 * this.mtuValue);
      this.cwnd = this.ssthresh;
      this.partialBytesAcked = 0;
      this.inFastRecovery = true;
      this.fastRecoveryExit = highestSent;
      this.fastRtxPending = true;
      this.trace('fast-retransmit');
    } else if (newlyMarked) {
      this.fastRtxPending = true;
    } else if (bytesAcked > 0) {
      this.trace('ack');
    }
    if (this.flightSize <= 0) {
      this.flightSize = 0;
      this.partialBytesAcked = 0;
    }
    this.peerRwnd = Math.max(0, c.aRwnd - this.flightSize);
    // T3-rtx (6.3.2 R2, R3).
    if (this.sentHead >= this.sent.length) {
      this.timers.clear('t3-rtx');
    } else if (cumAdvanced) {
      this.restartT3();
    }
    // PR-SCTP (RFC 3758 3.5 C1-C3).
    if (this.peerForwardTsn) this.advancePeerAckPoint();
    this.maybeShutdownProgress();
  }

  /** Arms T3-rtx at now + RTO (RFC 9260 6.3.2 R1). */
  private setT3(): void {
    this.t3Deadline = this.now + this.rto;
    this.timers.set('t3-rtx', this.t3Deadline);
  }

  /**
   * RFC 9260 6.3.2 R3: restarts a running T3-rtx at now + RTO. Only the logical deadline
   * moves; the timer table keeps its earlier one, and when that fires first handleTimeout
   * moves it on. pollTimeout() then stays put across SACKs, so a caller does not re-arm
   * its timer for every acknowledgement.
   */
  private restartT3(): void {
    if (!this.timers.isSet('t3-rtx')) this.setT3();
    else this.t3Deadline = this.now + this.rto;
  }

  private trace(event: CongestionSample['event']): void {
    this.congestionTrace?.push({ atMs: this.now, event, cwnd: this.cwnd, ssthresh: this.ssthresh, flightSize: this.flightSize });
  }

  private updateRto(r: number): void {
    // RFC 9260 6.3.1 C2, C3.
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = (1 - RTO_BETA) * this.rttvar + RTO_BETA * Math.abs(this.srtt - r);
      this.srtt = (1 - RTO_ALPHA) * this.srtt + RTO_ALPHA * r;
    }
    this.rto = Math.min(this.rtoMax, Math.max(this.rtoMin, this.srtt + 4 * this.rttvar));
  }

  private onT3(): void {
    this.stats.t3Expirations++;
    if (this.sentHead >= this.sent.length && !(this.advancedPeerAckPoint > this.cumAckPoint)) return;
    if (this.countError()) return;
    // RFC 9260 6.3.3 E1-E3 and 7.2.3.
    this.rto = Math.min(this.rto * 2, this.rtoMax);
    this.ssthresh = Math.max(Math.floor(this.cwnd / 2), 4 * this.mtuValue);
    this.cwnd = this.mtuValue;
    this.partialBytesAcked = 0;
    this.inFastRecovery = false;
    this.rttProbeTsn = -1;
    for (let i = this.sentHead; i < this.sent.length; i++) {
      const ch = this.sent[i] as SentChunk;
      if (ch.acked || ch.abandoned || ch.retransmit) continue;
      if (this.shouldAbandon(ch)) {
        this.abandonMessage(ch.msg);
        continue;
      }
      ch.retransmit = true;
      ch.inFlight = false;
      this.retransmitCount++;
    }
    this.flightSize = 0;
    for (let i = this.sentHead; i < this.sent.length; i++) {
      const ch = this.sent[i] as SentChunk;
      if (ch.inFlight) this.flightSize += ch.data.length;
    }
    this.trace('t3-expired');
    if (this.peerForwardTsn) this.advancePeerAckPoint();
    if (this.advancedPeerAckPoint > this.cumAckPoint) this.forwardTsnNeeded = true;
    this.setT3();
    if (this.retransmitCount > 0) this.fastRtxPending = true; // E3: one packet goes now
  }

  /** Counts an error toward Association.Max.Retrans (8.1); true when the peer is declared dead. */
  private countError(): boolean {
    this.errorCount++;
    if (this.errorCount > this.maxRetrans) {
      this.rawQueue.push(this.packetOf(this.peerTag, [{ type: 'abort', reflected: false, causes: [textCause(CauseCode.UserInitiatedAbort, 'peer unreachable')] }]));
      this.close('peer unreachable (Association.Max.Retrans exceeded)', false, true);
      return true;
    }
    return false;
  }

  private shouldAbandon(ch: SentChunk): boolean {
    const m = ch.msg;
    if (m.abandoned) return true;
    if (m.maxRetransmits !== undefined && ch.sends > m.maxRetransmits) return true;
    if (m.expiresAt !== undefined && this.now >= m.expiresAt) return true;
    return false;
  }

  /** RFC 3758 3.5 A1-A3: abandon every chunk of the message, and what was not yet sent. */
  private abandonMessage(m: OutMessage): void {
    if (!m.abandoned) {
      m.abandoned = true;
      this.stats.messagesAbandoned++;
    }
    for (let i = this.sentHead; i < this.sent.length; i++) {
      const ch = this.sent[i] as SentChunk;
      if (ch.msg !== m || ch.abandoned) continue;
      ch.abandoned = true;
      if (ch.inFlight) {
        ch.inFlight = false;
        this.flightSize -= ch.data.length;
      }
      if (ch.retransmit) {
        ch.retransmit = false;
        this.retransmitCount--;
      }
    }
    if (m.offset < m.data.length) {
      const left = m.data.length - m.offset;
      const s = this.outStream(m.streamId);
      s.bufferedBytes -= left;
      this.totalBuffered -= left;
      if (m.offset > 0) {
        // Partly sent: the receiver may hold the first fragments with our cumulative ack
        // already past them. A never-sent, abandoned end-fragment TSN makes the next
        // FORWARD TSN cover the message, so the receiver drops it and skips its SSN/MID.
        this.sent.push({
          tsn: this.nextTsn++,
          msg: m,
          ssn: m.ordered || this.useIData ? m.ssn : 0,
          fsn: m.nextFsn,
          begin: false,
          end: true,
          data: EMPTY,
          sentAt: this.now,
          sends: 0,
          acked: false,
          abandoned: true,
          retransmit: false,
          inFlight: false,
          missIndications: 0,
          fastRetransmitted: false,
        });
      }
      m.offset = m.data.length;
      if (this.current === m) this.current = undefined;
      if (s.partial === m) s.partial = undefined;
    }
  }

  private advancePeerAckPoint(): void {
    let p = this.advancedPeerAckPoint;
    const base = this.sentHead - (this.cumAckPoint + 1);
    for (;;) {
      const ch = this.sent[base + p + 1] as SentChunk | undefined;
      if (!ch || !ch.abandoned) break;
      p++;
    }
    if (p > this.advancedPeerAckPoint) this.advancedPeerAckPoint = p;
    if (this.advancedPeerAckPoint > this.cumAckPoint) {
      this.forwardTsnNeeded = true;
      if (!this.timers.isSet('t3-rtx')) this.setT3();
    }
  }

  // -------------------------------------------------------------------------------------
  // heartbeat and PMTU probes (RFC 9260 8.3, RFC 8899)

  private heartbeatInfo(kind: number): Uint8Array {
    const info = new Uint8Array(HB_INFO_BYTES);
    const v = new DataView(info.buffer);
    v.setUint8(0, kind);
    v.setUint32(4, ++this.hbNonce);
    v.setFloat64(8, this.now);
    return info;
  }

  private onHeartbeatTimer(): void {
    if (!this.isUp()) return;
    if (this.hbOutstanding && this.sentHead >= this.sent.length) {
      if (this.countError()) return;
    }
    if (this.sentHead >= this.sent.length) {
      this.hbOutstanding = true;
      this.pushControl({ type: 'heartbeat', info: this.heartbeatInfo(HB_KIND_NORMAL) });
    }
    this.timers.set('heartbeat', this.now + this.hbInterval + this.rto);
  }

  private onHeartbeatAck(c: HeartbeatChunk): void {
    if (c.info.length < HB_INFO_BYTES) return;
    const v = new DataView(c.info.buffer, c.info.byteOffset, HB_INFO_BYTES);
    const kind = v.getUint8(0);
    const nonce = v.getUint32(4);
    const sentAt = v.getFloat64(8);
    if (kind === HB_KIND_PMTU) {
      this.onProbeAcked(nonce, v.getUint16(2));
      return;
    }
    if (nonce !== this.hbNonce) return;
    this.hbOutstanding = false;
    this.errorCount = 0;
    if (sentAt <= this.now) this.updateRto(this.now - sentAt);
  }

  /**
   * RFC 8899 5.3 search: binary search between the confirmed size and the smallest size
   * that failed MAX_PMTU_PROBES times, with HEARTBEAT + PAD probes (RFC 8899 6.2.1.2).
   */
  private startProbe(): void {
    const hi = this.probeCeiling - 1;
    if (hi - this.mtuValue < PMTU_SEARCH_GRANULARITY_BYTES) {
      this.probeSize = 0;
      return;
    }
    // Towards a peer that announced nothing, one probe at the ceiling: libwebrtc leaves
    // any probe above its own packet size unanswered, so a binary search would only spend
    // MAX_PMTU_PROBES timeouts per step on the way down.
    this.probeSize = (this.peerMaxPacket > 0 ? Math.floor((this.mtuValue + hi + 1) / 2) : hi) & ~3;
    if (this.probeSize <= this.mtuValue) {
      this.probeSize = 0;
      return;
    }
    this.sendProbe();
  }

  /**
   * One probe of probeSize bytes. Towards a peer that announced its receive size (it
   * knows the PAD chunk, RFC 4820) the size comes from a PAD chunk, so the HEARTBEAT ACK
   * stays small (RFC 8899 6.2.1.2). Other stacks get the padding inside the Heartbeat
   * Info, which every SCTP echoes (RFC 9260 8.3): werift 0.25 rejects the whole packet on
   * any chunk type it does not know (an unhandled rejection in its process) instead of
   * skipping it as the type's upper bits ask (RFC 9260 3.2).
   */
  private sendProbe(): void {
    const pad = this.peerMaxPacket > 0;
    const hbBytes = COMMON_HEADER_BYTES + 4 + 4 + HB_INFO_BYTES;
    const info = pad ? this.heartbeatInfo(HB_KIND_PMTU) : new Uint8Array(Math.max(HB_INFO_BYTES, (this.probeSize - hbBytes + HB_INFO_BYTES) & ~3));
    if (!pad) info.set(this.heartbeatInfo(HB_KIND_PMTU));
    this.probeNonce = this.hbNonce;
    new DataView(info.buffer).setUint16(2, this.probeSize);
    const w = new Writer(this.probeSize);
    w.u16(this.localPort).u16(this.remotePort).u32(this.peerTag).u32(0);
    writeChunk(w, { type: 'heartbeat', info });
    if (pad) writeChunk(w, { type: 'pad', paddingBytes: Math.max(0, this.probeSize - w.length - 4) });
    const pkt = w.finish();
    stampChecksum(pkt);
    this.rawQueue.push(pkt);
    this.timers.set('pmtu-probe', this.now + this.rto);
  }

  private onProbeAcked(nonce: number, size: number): void {
    if (nonce !== this.probeNonce || size !== this.probeSize) return;
    this.timers.clear('pmtu-probe');
    this.mtuValue = size;
    // RFC 9260 7.2.1 sizes the initial window in PMDCS: while no loss was seen, a window
    // set for the smaller packet size grows to the initial one for the size probing found
    // (else one large packet fills it and then waits on the peer's delayed SACK).
    const initial = Math.min(4 * size, Math.max(2 * size, 4404));
    if (this.stats.t3Expirations === 0 && this.stats.fastRetransmits === 0 && this.cwnd < initial) {
      this.cwnd = initial;
      this.trace('pmtu');
    }
    this.probeFailures = 0;
    this.startProbe();
  }

  private onProbeLost(): void {
    if (this.probeSize === 0) return;
    if (++this.probeFailures >= MAX_PMTU_PROBES) {
      this.probeCeiling = this.peerMaxPacket > 0 ? this.probeSize : this.mtuValue + 1;
      this.probeFailures = 0;
      this.startProbe();
    } else {
      this.sendProbe();
    }
  }

  // -------------------------------------------------------------------------------------
  // stream reset (RFC 6525)

  private maybeSendResetRequest(w: Writer, limit: number): boolean {
    if (this.resetInFlight || this.resetQueue.length === 0) return false;
    // Send once everything queued on those streams has gone out (RFC 6525 5.1.2 / 8831 6.7).
    const ready: number[] = [];
    for (const id of this.resetQueue) {
      const s = this.outStreams.get(id);
      if (s && (s.head < s.queue.length || (this.current !== undefined && this.current.streamId === id))) continue;
      ready.push(id);
    }
    if (ready.length === 0) return false;
    const req: OutgoingResetRequest = {
      type: 'outgoing-reset',
      requestSeq: u32(this.reconfigReqSeq),
      responseSeq: u32(this.peerReqSeq - 1),
      lastTsn: u32(this.nextTsn - 1),
      streamIds: ready,
    };
    const before = w.length;
    writeChunk(w, { type: 'reconfig', params: [req] });
    if (w.length > limit && before > COMMON_HEADER_BYTES) {
      w.length = before;
      return false;
    }
    const set = new Set(ready);
    const keep = this.resetQueue.filter((id) => !set.has(id));
    this.resetQueue.length = 0;
    this.resetQueue.push(...keep);
    this.resetInFlight = req;
    this.reconfigRetransmits = 0;
    this.timers.set('reconfig', this.now + this.rto);
    return true;
  }

  private onReconfigTimer(): void {
    if (!this.resetInFlight) return;
    if (++this.reconfigRetransmits > this.maxRetrans) {
      this.close('stream reset request unanswered', false, true);
      return;
    }
    this.pushControl({ type: 'reconfig', params: [{ ...this.resetInFlight, lastTsn: this.resetInFlight.lastTsn }] });
    this.timers.set('reconfig', this.now + this.rto);
  }

  private onReconfig(c: ReconfigChunk): void {
    if (!this.isUp()) return;
    const responses: ReconfigResponse[] = [];
    for (const p of c.params) {
      if (p.type === 'outgoing-reset') {
        responses.push(this.onOutgoingResetRequest(p));
      } else if (p.type === 'incoming-reset') {
        const r = this.onIncomingResetRequest(p);
        if (r) responses.push(r);
      } else if (p.type === 'response') {
        this.onReconfigResponse(p);
      }
    }
    if (responses.length) this.pushControl({ type: 'reconfig', params: responses.slice(0, 2) });
  }

  /**
   * RFC 6525 5.2.3: the peer asks us to reset our outgoing streams. With nothing of ours
   * pending we perform it (F1, F2): an Outgoing SSN Reset Request for those streams (all
   * of ours when the list is empty), whose Response Sequence Number is this request's
   * (5.1.2 A4), goes out once what is queued on them has been sent. While a request of
   * ours is outstanding: "Nothing to do" when it covers every stream asked for, else
   * "Error: Request already in progress" (4.4) and the peer retries.
   * Returns the response parameter, or undefined when our outgoing request is the answer.
   */
  private onIncomingResetRequest(p: IncomingResetRequest): ReconfigResponse | undefined {
    const seq = unwrap(p.requestSeq, this.peerReqSeq);
    if (seq === this.peerReqSeq - 1) {
      // A retransmission: our answer was a response (sent again) or a request of ours (its timer resends it).
      return this.lastResponse?.responseSeq === p.requestSeq ? this.lastResponse : undefined;
    }
    if (seq !== this.peerReqSeq) return { type: 'response', responseSeq: p.requestSeq, result: ReconfigResult.ErrorBadSequenceNumber };
    const pending = this.resetInFlight;
    if (pending !== undefined || this.resetQueue.length > 0) {
      const covered = pending !== undefined && p.streamIds.length > 0 && p.streamIds.every((id) => pending.streamIds.includes(id));
      this.peerReqSeq++;
      const res: ReconfigResponse = { type: 'response', responseSeq: p.requestSeq, result: covered ? ReconfigResult.SuccessNothingToDo : ReconfigResult.ErrorRequestAlreadyInProgress };
      this.lastResponse = res;
      return res;
    }
    this.peerReqSeq++;
    this.lastResponse = undefined;
    const ids = p.streamIds.length ? p.streamIds.filter((id) => id < this.outboundStreams) : [...this.outStreams.keys()];
    for (const id of ids) {
      const s = this.outStream(id);
      if (s.resetRequested) continue;
      s.resetRequested = true;
      this.resetQueue.push(id);
    }
    if (this.resetQueue.length === 0) {
      const res: ReconfigResponse = { type: 'response', responseSeq: p.requestSeq, result: ReconfigResult.SuccessNothingToDo };
      this.lastResponse = res;
      return res;
    }
    return undefined;
  }

  private onOutgoingResetRequest(p: OutgoingResetRequest): ReconfigResponse {
    const seq = unwrap(p.requestSeq, this.peerReqSeq);
    if (seq === this.peerReqSeq - 1 && this.lastResponse) return this.lastResponse;
    if (seq !== this.peerReqSeq) return { type: 'response', responseSeq: p.requestSeq, result: ReconfigResult.ErrorBadSequenceNumber };
    const lastTsn = unwrap(p.lastTsn, this.cumTsn);
    if (lastTsn > this.cumTsn) {
      // RFC 6525 5.2.2: not all data before the reset is here yet; the peer retries.
      return { type: 'response', responseSeq: p.requestSeq, result: ReconfigResult.InProgress };
    }
    const ids = p.streamIds.length ? [...p.streamIds] : this.rx.knownStreams();
    this.rx.resetStreams(ids);
    this.peerReqSeq++;
    const res: ReconfigResponse = { type: 'response', responseSeq: p.requestSeq, result: ReconfigResult.SuccessPerformed };
    this.lastResponse = res;
    this.emit({ type: 'incoming-stream-reset', streamIds: ids });
    return res;
  }

  private onReconfigResponse(p: ReconfigResponse): void {
    const req = this.resetInFlight;
    if (!req || p.responseSeq !== req.requestSeq) return;
    if (p.result === ReconfigResult.InProgress) {
      this.timers.set('reconfig', this.now + this.rto);
      return;
    }
    this.timers.clear('reconfig');
    this.resetInFlight = undefined;
    this.reconfigReqSeq++;
    const ids = [...req.streamIds];
    for (const id of ids) {
      const s = this.outStream(id);
      s.nextSsn = 0;
      s.nextUnorderedMid = 0; // RFC 8260 2.3.2
      s.resetRequested = false;
    }
    if (p.result === ReconfigResult.SuccessPerformed || p.result === ReconfigResult.SuccessNothingToDo) {
      this.emit({ type: 'outgoing-stream-reset', streamIds: ids });
    } else {
      // Denied or an error: the streams stay usable; report as done so channels can close.
      this.emit({ type: 'outgoing-stream-reset', streamIds: ids });
    }
  }

  // -------------------------------------------------------------------------------------
  // shutdown (RFC 9260 9.2)

  private allSent(): boolean {
    return this.sentHead >= this.sent.length && this.current === undefined && this.rrHead >= this.rr.length && this.totalBuffered === 0;
  }

  private maybeShutdownProgress(): void {
    if (this.stateValue === 'shutdown-pending' && this.allSent()) {
      this.stateValue = 'shutdown-sent';
      this.shutdownRetransmits = 0;
      this.pushControl({ type: 'shutdown', cumulativeTsnAck: u32(this.cumTsn) });
      this.timers.set('t2-shutdown', this.now + this.rto);
    } else if (this.stateValue === 'shutdown-received' && this.allSent()) {
      this.stateValue = 'shutdown-ack-sent';
      this.shutdownRetransmits = 0;
      this.pushControl({ type: 'shutdown-ack' });
      this.timers.set('t2-shutdown', this.now + this.rto);
    }
  }

  private onShutdown(cumulativeTsnAck: number): void {
    const st = this.stateValue;
    if (st === 'established' || st === 'shutdown-pending' || st === 'shutdown-received') {
      // Treat the cumulative TSN like a SACK without gaps (9.2).
      this.onSack({ type: 'sack', cumulativeTsnAck, aRwnd: this.peerRwnd + this.flightSize, gapBlocks: [], duplicateTsns: [] });
      if (this.stateValue === 'closed') return;
      this.stateValue = 'shutdown-received';
      this.maybeShutdownProgress();
    } else if (st === 'shutdown-sent') {
      this.stateValue = 'shutdown-ack-sent';
      this.pushControl({ type: 'shutdown-ack' });
      this.timers.set('t2-shutdown', this.now + this.rto);
    }
  }

  private onT2(): void {
    if (++this.shutdownRetransmits > this.maxRetrans) {
      this.rawQueue.push(this.packetOf(this.peerTag, [{ type: 'abort', reflected: false, causes: [] }]));
      this.close('shutdown timed out', false, true);
      return;
    }
    this.rto = Math.min(this.rto * 2, this.rtoMax);
    if (this.stateValue === 'shutdown-sent') this.pushControl({ type: 'shutdown', cumulativeTsnAck: u32(this.cumTsn) });
    else if (this.stateValue === 'shutdown-ack-sent') this.pushControl({ type: 'shutdown-ack' });
    this.timers.set('t2-shutdown', this.now + this.rto);
  }
}

export type { ErrorCause };
