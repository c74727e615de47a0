/**
 * @module dtls/endpoint
 * A sans-IO DTLS endpoint (RFC 6347): datagrams in through `handleInput(now, bytes)`,
 * datagrams out through `pollTransmit()`, events through `pollEvent()`, one deadline
 * through `pollTimeout()`. It owns what every DTLS version shares — record parsing and
 * protection per epoch (4.1), replay detection (4.1.2.6), handshake reassembly (4.2.3),
 * flight retransmission (4.2.4), alerts and close_notify (RFC 5246 7.2.1) — and hands
 * complete handshake messages to the version's state machine (dtls/handshake12). A
 * server with `dtls13` on hands a ClientHello that offers DTLS 1.3 to a DTLS 1.3 session
 * (dtls/handshake13, RFC 9147), which then owns the connection.
 * Keying material export for DTLS-SRTP per RFC 5705 4 / RFC 5764 4.2.
 */
import { InvalidArgumentError, InvalidStateError, ParseError, ProtocolError } from '../common/errors.js';
import { secureRandom } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { NamedGroup } from '../crypto/ecdh.js';
import type { EcdheGroup } from '../crypto/ecdh.js';
import type { Fingerprint } from '../crypto/x509.js';
import { parseAlert, serializeAlert } from './alert.js';
import {
  AlertDescription,
  AlertLevel,
  ContentType,
  DtlsVersion,
  HandshakeType,
  SUITES,
  SrtpProtectionProfile,
  alertName,
} from './constants.js';
import type { CipherSuiteName, SrtpProfileName } from './constants.js';
import { parseFragments } from './fragment.js';
import { DEFAULT_INITIAL_RTO_MS, DEFAULT_MAX_RETRANSMITS, DEFAULT_MAX_RTO_MS, FlightTimer, MIN_MTU, buildFlightDatagrams, initialRtoFromRtt } from './flight.js';
import type { FlightItem } from './flight.js';
import { Handshake12, HandshakeFailure } from './handshake12.js';
import type { HandshakeMachine, HandshakeResult } from './handshake.js';
import { Dtls13ServerSession, checkCookie13, chooseDtls13, helloRetryRequestBody, helloRetryTranscript, makeCookie13 } from './handshake13.js';
import { Dtls13ClientSession, dtls13ClientOffer } from './handshake13-client.js';
import type { Dtls13ClientOffer } from './handshake13-client.js';
import type { Dtls13Session } from './session13.js';
import { Fatal13 } from './session13.js';
import { parseRecords13 } from './record13.js';
import type { Record13 } from './record13.js';
import type { Dtls13Config } from './handshake13.js';
import { parseClientHello } from './hello.js';
import type { AeadRecordCipher } from './keys12.js';
import { HandshakeReassembler } from './reassembly.js';
import { RecordLayer } from './record-layer.js';
import { parseRecords } from './record.js';
import type { DtlsRecord } from './record.js';
import type { HandshakeMessage } from './reassembly.js';

/** Default path MTU for WebRTC (RFC 8831 5: 1200-byte datagrams are safe). */
export const DEFAULT_MTU = 1200;
/** Records of the next epoch held until its ChangeCipherSpec arrives (RFC 6347 4.1 allows buffering them). */
export const MAX_BUFFERED_FUTURE_RECORDS = 16;
/** Datagrams waiting in pollTransmit before the oldest are dropped (a flight is a handful). */
export const MAX_TRANSMIT_QUEUE = 256;
/** Events waiting in pollEvent before the oldest application data is dropped. */
export const MAX_EVENT_QUEUE = 1024;
/**
 * Shortest gap between two resends of our flight triggered by the peer repeating its own
 * (RFC 6347 4.2.4); bounds what a stream of replayed datagrams can make us send.
 */
export const MIN_TRIGGERED_RETRANSMIT_GAP_MS = 100;
/** Largest application data plaintext per record (RFC 5246 6.2.1: 2^14). */
export const MAX_APPLICATION_DATA = 16384;
/** The exporter label for DTLS-SRTP keys (RFC 5764 4.2). */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

export interface DtlsEndpointOptions {
  readonly role: 'client' | 'server';
  /** Our certificate (DER) and its P-256 private key, e.g. from crypto `generateCertificate`. */
  readonly certificate: { readonly der: Uint8Array; readonly privateKey: Uint8Array };
  /** The peer's fingerprints from SDP (RFC 8122); the handshake fails unless one matches. Empty: accept any. */
  readonly remoteFingerprints?: readonly Fingerprint[];
  /** In preference order; default all three. */
  readonly cipherSuites?: readonly CipherSuiteName[];
  /** In preference order; default x25519 then secp256r1. */
  readonly groups?: readonly ('x25519' | 'secp256r1')[];
  /** In preference order; default AEAD_AES_128_GCM, AEAD_AES_256_GCM, AES128_CM_HMAC_SHA1_80, _32. Empty: no use_srtp. */
  readonly srtpProfiles?: readonly SrtpProfileName[];
  /** Path MTU for fragmenting handshake flights (default 1200). */
  readonly mtu?: number;
  readonly initialRtoMs?: number;
  readonly maxRtoMs?: number;
  readonly maxRetransmits?: number;
  /** Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest (RFC 6347 4.2.1). */
  readonly cookies?: boolean;
  /** Server: HMAC key for cookies (random by default). */
  readonly cookieSecret?: Uint8Array;
  /** Server: transport context bound into cookies, e.g. the peer address bytes. */
  readonly cookieContext?: Uint8Array;
  readonly rng?: RandomSource;
  /**
   * DTLS 1.3 (RFC 9147) beside 1.2. Server: answer a ClientHello that offers 1.3 with a
   * usable key share (X25519MLKEM768, x25519 or secp256r1) in 1.3; with `cookies`, a
   * stateless HelloRetryRequest carries the cookie (RFC 9147 5.1). Client: offer 1.3
   * (X25519MLKEM768 and x25519 shares) and 1.2 in one ClientHello; the server picks.
   * Off by default.
   */
  readonly dtls13?: boolean;
}

export type DtlsEvent =
  | ({ readonly type: 'connected' } & HandshakeResult)
  | { readonly type: 'data'; readonly data: Uint8Array }
  | { readonly type: 'alert'; readonly level: number; readonly description: number; readonly name: string; readonly fromPeer: boolean }
  | { readonly type: 'closed'; readonly reason: string; readonly error: 'local' | 'remote' | undefined };

export type DtlsState = 'new' | 'handshaking' | 'connected' | 'closed';

/** Counters for dropped input (never thrown, RFC 6347 4.1.2.7: invalid records are silently discarded). */
export interface DtlsStats {
  datagramsIn: number;
  recordsDropped: number;
  datagramsMalformed: number;
  retransmits: number;
}

const DEFAULT_SRTP: readonly SrtpProfileName[] = ['SRTP_AEAD_AES_128_GCM', 'SRTP_AEAD_AES_256_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AES128_CM_HMAC_SHA1_32'];

export class DtlsEndpoint {
  readonly role: 'client' | 'server';
  state: DtlsState = 'new';
  readonly stats: DtlsStats = { datagramsIn: 0, recordsDropped: 0, datagramsMalformed: 0, retransmits: 0 };
  private readonly mtu: number;
  private readonly records = new RecordLayer();
  private readonly reassembler = new HandshakeReassembler();
  private readonly timer: FlightTimer;
  private readonly handshake: HandshakeMachine;
  private flight: FlightItem[] = [];
  private flightIsFinal = false;
  private readEpoch = 0;
  private futureRecords: DtlsRecord[] = [];
  /** Authenticated epoch-1 data that overtook the peer's Finished; delivered once connected. */
  private earlyData: Uint8Array[] = [];
  private readonly transmitQueue: Uint8Array[] = [];
  private readonly eventQueue: DtlsEvent[] = [];
  private pendingRead: AeadRecordCipher | undefined;
  /** Set when the server answered in DTLS 1.3; it then owns the connection. */
  private session13: Dtls13Session | undefined;
  private readonly offer13: Dtls13ClientOffer | undefined;
  private readonly cookieSecret: Uint8Array | undefined;
  private readonly cookieContext: Uint8Array;
  private config13: Dtls13Config | undefined;
  private retransmittedThisInput = false;
  private lastTriggeredRetransmitAt = -Infinity;
  private nowMs = 0;
  /** Record sequence number of the record being handled (mirrored by a stateless server, RFC 6347 4.2.1). */
  private inputRecordSeq = 0;

  constructor(options: DtlsEndpointOptions) {
    this.role = options.role;
    this.mtu = Math.max(MIN_MTU, options.mtu ?? DEFAULT_MTU);
    const suites = (options.cipherSuites ?? SUITES.map((s) => s.name)).map((n) => {
      const s = SUITES.find((x) => x.name === n);
      if (!s) throw new InvalidArgumentError(`unknown cipher suite ${n}`);
      return s;
    });
    if (suites.length === 0) throw new InvalidArgumentError('no cipher suites');
    const groups: EcdheGroup[] = (options.groups ?? ['x25519', 'secp256r1']).map((g) => (g === 'x25519' ? NamedGroup.x25519 : NamedGroup.secp256r1));
    if (groups.length === 0) throw new InvalidArgumentError('no groups');
    const srtpProfiles = (options.srtpProfiles ?? DEFAULT_SRTP).map((p) => {
      const id = SrtpProtectionProfile[p];
      if (id === undefined) throw new InvalidArgumentError(`unknown SRTP profile ${p}`);
      return id;
    });
    const rng = options.rng ?? secureRandom;
    this.timer = new FlightTimer({
      initialRtoMs: options.initialRtoMs ?? DEFAULT_INITIAL_RTO_MS,
      maxRtoMs: options.maxRtoMs ?? DEFAULT_MAX_RTO_MS,
      maxRetransmits: options.maxRetransmits ?? DEFAULT_MAX_RETRANSMITS,
    });
    const positive = (name: string, v: number | undefined): void => {
      if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
    };
    positive('initialRtoMs', options.initialRtoMs);
    positive('maxRtoMs', options.maxRtoMs);
    positive('mtu', options.mtu);
    if (options.maxRetransmits !== undefined && !(Number.isInteger(options.maxRetransmits) && options.maxRetransmits >= 0)) throw new InvalidArgumentError('maxRetransmits must be a non-negative integer');
    this.offer13 = options.role === 'client' && options.dtls13 ? dtls13ClientOffer(rng) : undefined;
    this.cookieSecret = options.role === 'server' && options.cookies ? (options.cookieSecret ?? rng.fill(new Uint8Array(32))) : undefined;
    this.cookieContext = options.cookieContext ?? new Uint8Array(0);
    this.config13 =
      options.dtls13
        ? {
            certificate: options.certificate,
            remoteFingerprints: options.remoteFingerprints ?? [],
            srtpProfiles,
            rng,
            mtu: this.mtu,
            retransmit: {
              initialRtoMs: options.initialRtoMs ?? DEFAULT_INITIAL_RTO_MS,
              maxRtoMs: options.maxRtoMs ?? DEFAULT_MAX_RTO_MS,
              maxRetransmits: options.maxRetransmits ?? DEFAULT_MAX_RETRANSMITS,
            },
          }
        : undefined;
    let now = 0;
    this.handshake = new Handshake12(
      {
        role: options.role,
        certificate: options.certificate,
        remoteFingerprints: options.remoteFingerprints ?? [],
        suites,
        groups,
        srtpProfiles,
        requireClientCertificate: true,
        cookieSecret: this.cookieSecret,
        cookieContext: this.cookieContext,
        rng,
        ...(this.offer13 ? { dtls13Offer: this.offer13 } : {}),
        supportsDtls13: options.role === 'server' && this.config13 !== undefined,
      },
      {
        sendFlight: (items, final) => {
          const first = items[0];
          if (first?.kind === 'handshake' && first.msgType === HandshakeType.ServerHello) this.records.setNextWriteSequence(0, this.inputRecordSeq);
          this.flight = items;
          this.flightIsFinal = final;
          // After our ChangeCipherSpec, alerts and data go out in the new epoch (RFC 5246 7.1).
          if (items.some((i) => i.kind === 'ccs')) this.records.writeEpoch = 1;
          this.transmitFlight();
          if (final) this.timer.stop();
          else this.timer.start(now);
        },
        sendStateless: (items) => {
          this.records.setNextWriteSequence(0, this.inputRecordSeq);
          for (const d of buildFlightDatagrams(items, this.mtu, this.records)) this.queueTransmit(d);
        },
        installEpoch1: (write, read) => {
          this.records.setWriteCipher(1, write);
          this.pendingRead = read;
        },
        expectMessageSeq: (seq) => {
          this.reassembler.reset(seq);
        },
        startDtls13: (clientHello, serverHello, retry) => {
          const config = this.config13;
          const offer = this.offer13;
          if (!config || !offer) return;
          this.session13 = new Dtls13ClientSession(config, this.host13(), clientHello, serverHello, offer, retry);
          this.state = this.session13.state;
        },
      },
    );
    this.clock = (t: number) => {
      now = t;
      this.nowMs = t;
    };
  }

  private readonly clock: (now: number) => void;

  /**
   * The path's round-trip time (e.g. ICE's `rttMs`, measured on the same 5-tuple): flights
   * started from now on first time out after 2 x RTT within [50 ms, 3 s] rather than the
   * default 1 s (RFC 6347 4.2.4.1 leaves timer values to the implementation; see flight.ts).
   * Call before `start` to cover the first flight.
   */
  setRttEstimate(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    const ms = initialRtoFromRtt(rttMs);
    this.timer.setInitialRto(ms);
    this.session13?.setInitialRto(ms);
    if (this.config13) this.config13 = { ...this.config13, retransmit: { ...this.config13.retransmit, initialRtoMs: ms } };
  }

  /** Client: sends the first ClientHello. Server: starts listening (no-op beyond state). */
  start(now: number): void {
    if (this.state !== 'new') return;
    this.clock(now);
    this.state = 'handshaking';
    if (this.role === 'client') this.handshake.start();
  }

  /** One UDP datagram from the peer. Never throws on its contents. */
  handleInput(now: number, datagram: Uint8Array): void {
    this.clock(now);
    if (this.state === 'closed') return;
    if (this.state === 'new') this.state = 'handshaking';
    this.stats.datagramsIn++;
    if (this.session13) {
      this.session13.handleInput(now, datagram);
      this.state = this.session13.state;
      return;
    }
    this.retransmittedThisInput = false;
    if (this.offer13) {
      this.handleInputOffering13(now, datagram);
      return;
    }
    let records: DtlsRecord[];
    try {
      records = parseRecords(datagram);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.datagramsMalformed++;
      return;
    }
    for (const r of records) {
      if (this.isClosed()) return;
      this.handleRecord(r);
    }
  }

  private handleRecord(r: DtlsRecord): void {
    if (r.epoch > this.readEpoch) {
      if (r.epoch === this.readEpoch + 1 && this.futureRecords.length < MAX_BUFFERED_FUTURE_RECORDS) this.futureRecords.push({ ...r, fragment: r.fragment.slice() });
      else this.stats.recordsDropped++;
      return;
    }
    const opened = this.records.open(r);
    if (!opened) {
      this.stats.recordsDropped++;
      return;
    }
    this.inputRecordSeq = opened.sequenceNumber;
    try {
      switch (opened.contentType) {
        case ContentType.Handshake:
          this.onHandshakeRecord(opened.plaintext, opened.epoch);
          break;
        case ContentType.ChangeCipherSpec:
          this.onChangeCipherSpec(opened.plaintext);
          break;
        case ContentType.Alert:
          this.onAlert(opened.plaintext, opened.epoch);
          break;
        case ContentType.ApplicationData:
          if (opened.epoch === 0 || opened.epoch !== this.readEpoch) this.stats.recordsDropped++;
          else if (this.state === 'connected') this.pushEvent({ type: 'data', data: opened.plaintext });
          else if (this.earlyData.length < MAX_BUFFERED_FUTURE_RECORDS) this.earlyData.push(opened.plaintext); // RecordLayer.open: a fresh array for epoch >= 1
          else this.stats.recordsDropped++;
          break;
        default:
          this.stats.recordsDropped++;
      }
    } catch (e) {
      if (e instanceof HandshakeFailure) this.fatal(e.alert, e.message, e.side);
      else if (e instanceof Fatal13) this.fatal(e.alert, e.message, e.side);
      else if (e instanceof ProtocolError) this.fatal(AlertDescription.illegal_parameter, e.message, e.side);
      else if (e instanceof ParseError) this.fatal(AlertDescription.decode_error, `malformed handshake message: ${e.message}`, 'remote');
      else throw e;
    }
  }

  private onHandshakeRecord(payload: Uint8Array, epoch: number): void {
    let fragments;
    try {
      fragments = parseFragments(payload);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.recordsDropped++;
      return;
    }
    if (epoch < this.readEpoch) {
      // Plaintext handshake records after the switch to epoch 1 can only be the peer's
      // retransmissions (or forgeries): they may trigger our resend, never state changes.
      for (const f of fragments) if (f.messageSeq < this.reassembler.nextSeq) this.onPeerRetransmission();
      return;
    }
    for (const f of fragments) {
      if (this.handshake.waitingForHello && (f.msgType === HandshakeType.ClientHello || f.msgType === HandshakeType.ServerHello || f.msgType === HandshakeType.HelloVerifyRequest)) {
        // The peer's first message may carry any message_seq (RFC 6347 4.2.2: a server echoes the ClientHello's).
        if (f.messageSeq !== this.reassembler.nextSeq && epoch === 0) this.reassembler.reset(f.messageSeq);
      }
      const verdict = this.reassembler.add(f);
      if (verdict === 'old') {
        this.onPeerRetransmission();
        continue;
      }
      if (verdict === 'dropped') continue;
      for (let m = this.reassembler.next(); m !== undefined; m = this.reassembler.next()) {
        if (m.msgType === HandshakeType.Finished && epoch === 0) throw new HandshakeFailure('remote', AlertDescription.unexpected_message, 'Finished sent without encryption');
        if (m.msgType === HandshakeType.HelloRequest) continue; // renegotiation is refused silently (RFC 5246 7.4.1.1)
        if (m.msgType === HandshakeType.ClientHello && this.config13 && this.handshake.waitingForHello && this.tryDtls13(m)) return;
        if (this.handshake.done) {
          // A new handshake after completion is a renegotiation attempt (RFC 5746); we refuse it.
          this.sendAlert(AlertLevel.Warning, AlertDescription.no_renegotiation);
          continue;
        }
        this.handshake.handleMessage(m);
        if (this.handshake.done && this.state !== 'connected') this.onHandshakeDone();
      }
    }
  }

  /**
   * Client that offered DTLS 1.3: until the ServerHello shows which version the server
   * chose, datagrams may mix DTLSPlaintext and DTLS 1.3 unified-header records (RFC
   * 9147 4); the rest of the datagram that carried a 1.3 ServerHello goes to the session.
   */
  private handleInputOffering13(now: number, datagram: Uint8Array): void {
    let records: Record13[];
    try {
      records = parseRecords13(datagram);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.datagramsMalformed++;
      return;
    }
    for (let i = 0; i < records.length; i++) {
      if (this.isClosed()) return;
      if (this.session13) {
        this.session13.handleRecords(now, records.slice(i));
        this.state = this.session13.state;
        return;
      }
      const r = records[i] as Record13;
      if (r.kind === 'plaintext') this.handleRecord({ contentType: r.contentType, version: DtlsVersion.Dtls12, epoch: r.epoch, sequenceNumber: r.sequenceNumber, fragment: r.fragment });
      else this.stats.recordsDropped++;
    }
    if (this.session13) this.state = this.session13.state;
  }

  private host13(): { transmit: (d: Uint8Array) => void; event: (e: DtlsEvent) => void } {
    return { transmit: (d) => this.queueTransmit(d), event: (e) => this.pushEvent(e) };
  }

  /** Server: hand the connection to a DTLS 1.3 session when the ClientHello allows it. */
  private tryDtls13(m: HandshakeMessage): boolean {
    const config = this.config13;
    if (!config || this.role !== 'server') return false;
    const ch = parseClientHello(m.body);
    const choice = chooseDtls13(ch);
    if (!choice) return false;
    let prefix: Uint8Array[] = [];
    if (this.cookieSecret) {
      const ok = checkCookie13(this.cookieSecret, this.cookieContext, choice.suite, ch);
      if (!ok) {
        // Stateless HelloRetryRequest carrying a cookie (RFC 9147 5.1, RFC 8446 4.2.2).
        const body = helloRetryRequestBody(ch.sessionId, choice.suite, makeCookie13(this.cookieSecret, this.cookieContext, choice.suite, m.body));
        this.records.setNextWriteSequence(0, this.inputRecordSeq);
        for (const d of buildFlightDatagrams([{ kind: 'handshake', epoch: 0, msgType: HandshakeType.ServerHello, messageSeq: m.messageSeq, body }], this.mtu, this.records)) this.queueTransmit(d);
        this.reassembler.reset(m.messageSeq + 1);
        return true;
      }
      prefix = helloRetryTranscript(ok.clientHello1Hash, helloRetryRequestBody(ch.sessionId, choice.suite, ok.cookie));
    }
    this.session13 = new Dtls13ServerSession(config, this.host13(), this.nowMs, m, ch, choice, prefix, this.inputRecordSeq);
    this.state = this.session13.state;
    return true;
  }

  private onChangeCipherSpec(payload: Uint8Array): void {
    if (payload.length !== 1 || payload[0] !== 1) {
      this.stats.recordsDropped++;
      return;
    }
    if (this.readEpoch !== 0 || !this.pendingRead) return; // early or duplicate: ignore
    if (!this.handshake.handleChangeCipherSpec()) return;
    this.records.setReadCipher(1, this.pendingRead);
    this.readEpoch = 1;
    const buffered = this.futureRecords;
    this.futureRecords = [];
    for (const r of buffered) {
      if (this.isClosed()) return;
      this.handleRecord(r);
    }
  }

  private onAlert(payload: Uint8Array, epoch: number): void {
    let a;
    try {
      a = parseAlert(payload);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.recordsDropped++;
      return;
    }
    if (epoch < this.readEpoch) {
      // Unprotected alerts after the switch to epoch 1 are not authenticated: ignore them.
      this.stats.recordsDropped++;
      return;
    }
    this.pushEvent({ type: 'alert', level: a.level, description: a.description, name: alertName(a.description), fromPeer: true });
    if (a.description === AlertDescription.close_notify) {
      if (this.state === 'connected') this.sendAlert(AlertLevel.Warning, AlertDescription.close_notify);
      this.shutdown('peer sent close_notify', undefined);
    } else if (a.level === AlertLevel.Fatal) {
      this.shutdown(`peer sent fatal alert ${alertName(a.description)}`, 'remote');
    }
  }

  private onPeerRetransmission(): void {
    // RFC 6347 4.2.4: a retransmitted flight from the peer means ours was lost; resend it once per datagram.
    if (this.retransmittedThisInput || this.flight.length === 0) return;
    if (this.handshake.waitingForHello) return;
    if (this.nowMs - this.lastTriggeredRetransmitAt < MIN_TRIGGERED_RETRANSMIT_GAP_MS) return;
    this.lastTriggeredRetransmitAt = this.nowMs;
    this.retransmittedThisInput = true;
    this.stats.retransmits++;
    this.transmitFlight();
  }

  /** The negotiated parameters once connected (what the connected event carried). */
  get negotiated(): HandshakeResult | undefined {
    if (this.session13) return this.session13.result();
    return this.state === 'connected' ? this.handshake.result() : undefined;
  }

  private onHandshakeDone(): void {
    const res = this.handshake.result();
    if (!res) return;
    this.state = 'connected';
    this.records.writeEpoch = 1;
    if (!this.flightIsFinal) {
      // Client: the server's Finished acknowledges flight 5; stop resending it.
      this.timer.stop();
      this.flight = [];
    }
    this.pushEvent({ type: 'connected', ...res });
    for (const data of this.earlyData) this.pushEvent({ type: 'data', data });
    this.earlyData = [];
  }

  /** The retransmission deadline fired (or any time at or after it). */
  handleTimeout(now: number): void {
    this.clock(now);
    if (this.session13) {
      this.session13.handleTimeout(now);
      this.state = this.session13.state;
      return;
    }
    const d = this.timer.deadline;
    if (this.state === 'closed' || d === undefined || now < d) return;
    if (this.timer.expire(now) === 'give-up') {
      this.fatal(AlertDescription.handshake_failure, `handshake timed out after ${this.stats.retransmits} retransmissions`, 'local', false);
      return;
    }
    this.stats.retransmits++;
    this.transmitFlight();
  }

  pollTransmit(): Uint8Array | undefined {
    return this.transmitQueue.shift();
  }

  pollEvent(): DtlsEvent | undefined {
    return this.eventQueue.shift();
  }

  pollTimeout(): number | undefined {
    if (this.session13) return this.session13.pollTimeout();
    return this.state === 'closed' ? undefined : this.timer.deadline;
  }

  /** Sends application data in one record (epoch 1). Throws InvalidStateError before `connected`. */
  send(data: Uint8Array): void {
    if (this.session13) {
      if (data.length > MAX_APPLICATION_DATA) throw new InvalidArgumentError(`dtls: application data of ${data.length} bytes exceeds ${MAX_APPLICATION_DATA}`);
      this.session13.send(data);
      return;
    }
    if (this.state !== 'connected') throw new InvalidStateError(`dtls: cannot send in state ${this.state}`);
    if (data.length > MAX_APPLICATION_DATA) throw new InvalidArgumentError(`dtls: application data of ${data.length} bytes exceeds ${MAX_APPLICATION_DATA}`);
    const rec = this.records.seal(ContentType.ApplicationData, 1, data);
    if (rec) this.queueTransmit(rec);
  }

  /** Sends close_notify (RFC 5246 7.2.1) and closes. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.session13) {
      this.session13.close();
      this.state = this.session13.state;
      return;
    }
    this.sendAlert(AlertLevel.Warning, AlertDescription.close_notify);
    this.shutdown('closed locally', undefined);
  }

  /**
   * RFC 5705 exporter; for DTLS-SRTP use label "EXTRACTOR-dtls_srtp" and no context
   * (RFC 5764 4.2), split by `srtpKeysFromExporter()` in src/srtp.
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (!Number.isInteger(length) || length < 0 || length > 0xffff) throw new InvalidArgumentError('export length out of range');
    if (context !== undefined && context.length > 0xffff) throw new InvalidArgumentError('export context too long');
    if (this.session13) return this.session13.exportKeyingMaterial(label, length, context);
    const out = this.handshake.exportKeyingMaterial(label, length, context);
    if (!out) throw new InvalidStateError('dtls: keying material is available once connected');
    return out;
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private sendAlert(level: number, description: number): void {
    const epoch = this.records.writeEpoch;
    const rec = this.records.seal(ContentType.Alert, epoch, serializeAlert({ level, description }));
    if (rec) this.queueTransmit(rec);
    this.pushEvent({ type: 'alert', level, description, name: alertName(description), fromPeer: false });
  }

  private fatal(description: number, reason: string, side: 'local' | 'remote', sendAlert = true): void {
    if (this.state === 'closed') return;
    if (sendAlert) this.sendAlert(AlertLevel.Fatal, description);
    this.shutdown(reason, side);
  }

  private shutdown(reason: string, error: 'local' | 'remote' | undefined): void {
    this.state = 'closed';
    this.timer.stop();
    this.flight = [];
    this.futureRecords = [];
    this.earlyData = [];
    this.pushEvent({ type: 'closed', reason, error });
  }

  private transmitFlight(): void {
    for (const d of buildFlightDatagrams(this.flight, this.mtu, this.records)) this.queueTransmit(d);
  }

  private queueTransmit(d: Uint8Array): void {
    if (this.transmitQueue.length >= MAX_TRANSMIT_QUEUE) this.transmitQueue.shift();
    this.transmitQueue.push(d);
  }

  private pushEvent(e: DtlsEvent): void {
    if (this.eventQueue.length >= MAX_EVENT_QUEUE) {
      const i = this.eventQueue.findIndex((x) => x.type === 'data');
      if (i >= 0) this.eventQueue.splice(i, 1);
      else this.eventQueue.shift();
    }
    this.eventQueue.push(e);
  }
}
