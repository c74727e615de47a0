/**
 * @module dtls/session13
 * What the DTLS 1.3 client and server sessions share once keys exist (RFC 9147): the
 * record loop over DTLSPlaintext/DTLSCiphertext (4), handshake reassembly (5.5), ACKs
 * sent and received (7.1, 7.2), flight retransmission (5.8), alerts and close_notify
 * (RFC 8446 6.1), application data in epoch 3 with data that overtakes the handshake
 * held back (RFC 9147 4.2.1), the peer certificate check by fingerprint (RFC 8122) and
 * CertificateVerify/Finished (RFC 8446 4.4.3, 4.4.4), and the exporter (RFC 8446 7.5).
 */
import { ParseError, InvalidStateError, InvalidArgumentError, ProtocolError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';
import { concatBytes, constantTimeEqual } from '../common/bytes.js';
import { hash, hmac } from '../crypto/hash.js';
import { NamedGroup } from '../crypto/ecdh.js';
import { ecdsaP256Sign, ecdsaP256Verify } from '../crypto/ecdsa.js';
import { certificateFingerprint, certificateP256PublicKey, fingerprintMatches } from '../crypto/x509.js';
import type { Fingerprint } from '../crypto/x509.js';
import { parseAlert, serializeAlert } from './alert.js';
import { AlertDescription, AlertLevel, ContentType, SignatureScheme, alertName, srtpProfileName } from './constants.js';
import { parseDigitallySigned, serializeDigitallySigned } from './messages12.js';
import { parseAck, serializeAck, transcriptMessage } from './messages13.js';
import { exportKeyingMaterial13, finishedKey } from './keys13.js';
import { CONTENT_TYPE_ACK, RecordLayer13, parseRecords13 } from './record13.js';
import type { Record13, Suite13 } from './record13.js';
import { FlightTimer, buildFlightDatagrams } from './flight.js';
import type { FlightItem, RetransmitConfig } from './flight.js';
import { parseFragments } from './fragment.js';
import { HandshakeReassembler } from './reassembly.js';
import type { HandshakeMessage } from './reassembly.js';
import type { GroupName, HandshakeResult } from './handshake.js';
import type { DtlsEvent } from './endpoint.js';

/** Epochs of DTLS 1.3 (RFC 9147 6.1). */
export const EPOCH_HANDSHAKE = 2;
export const EPOCH_APPLICATION = 3;
/** Peer handshake records remembered for one ACK (a flight is a handful of records). */
export const MAX_ACK_RECORDS = 64;
/** Application records that overtake the handshake, held until it completes (RFC 9147 4.2.1). */
export const MAX_EARLY_RECORDS = 16;
/** Shortest gap between resends triggered by the peer repeating itself. */
const MIN_TRIGGERED_GAP_MS = 100;

const CERTIFICATE_VERIFY_PAD = new Uint8Array(64).fill(0x20);

export interface Dtls13Config {
  readonly certificate: { readonly der: Uint8Array; readonly privateKey: Uint8Array };
  readonly remoteFingerprints: readonly Fingerprint[];
  readonly srtpProfiles: readonly number[];
  readonly rng: RandomSource;
  readonly mtu: number;
  readonly retransmit: RetransmitConfig;
}

export interface Dtls13Host {
  transmit(datagram: Uint8Array): void;
  event(e: DtlsEvent): void;
}

/** A fatal handshake error with the alert to send. */
export class Fatal13 extends ProtocolError {
  readonly alert: number;
  constructor(alert: number, message: string) {
    super('remote', message);
    this.alert = alert;
  }
}

export function groupName(group: number): GroupName {
  return group === NamedGroup.X25519MLKEM768 ? 'X25519MLKEM768' : group === NamedGroup.x25519 ? 'x25519' : 'secp256r1';
}

/** The content a TLS 1.3 CertificateVerify signs (RFC 8446 4.4.3). */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  return concatBytes(CERTIFICATE_VERIFY_PAD, new TextEncoder().encode(`TLS 1.3, ${side} CertificateVerify`), Uint8Array.of(0), transcriptHash);
}

export abstract class Dtls13Session {
  state: 'handshaking' | 'connected' | 'closed' = 'handshaking';
  protected readonly config: Dtls13Config;
  protected readonly host: Dtls13Host;
  protected readonly records = new RecordLayer13();
  protected readonly reassembler: HandshakeReassembler;
  protected readonly timer: FlightTimer;
  protected suite: Suite13;
  protected group: number;
  protected transcript: Uint8Array[] = [];
  protected exporterMasterSecret: Uint8Array | undefined;
  protected flight: FlightItem[] = [];
  /** True once our flight needs no more timer resends (ACKed or answered). */
  private flightRecords: [number, number][] = [];
  private readonly acked = new Set<string>();
  protected peerRecords: [number, number][] = [];
  private earlyRecords: Uint8Array[] = [];
  protected peerCertificate: Uint8Array | undefined;
  protected peerPublicKey: Uint8Array | undefined;
  protected srtpProfile: number | undefined;
  private lastTriggeredAt = -Infinity;

  constructor(config: Dtls13Config, host: Dtls13Host, suite: Suite13, group: number, nextPeerSeq: number) {
    this.config = config;
    this.host = host;
    this.suite = suite;
    this.group = group;
    this.timer = new FlightTimer(config.retransmit);
    this.reassembler = new HandshakeReassembler(nextPeerSeq);
  }

  /** The initial retransmission timeout for flights from now on (see flight.ts). */
  setInitialRto(ms: number): void {
    this.timer.setInitialRto(ms);
  }

  /** One complete, in-order handshake message of the peer (epoch 2). Throws Fatal13/ParseError. */
  protected abstract onMessage(m: HandshakeMessage, now: number): void;
  /** The peer repeated records of an earlier flight: resend ours, or re-ACK. */
  protected abstract onPeerRepeat(): void;

  result(): HandshakeResult | undefined {
    if (this.state !== 'connected' || !this.peerCertificate) return undefined;
    return {
      version: 'DTLS 1.3',
      cipherSuite: this.suite.name,
      srtpProfile: this.srtpProfile === undefined ? undefined : srtpProfileName(this.srtpProfile),
      peerCertificate: this.peerCertificate,
      peerFingerprint: certificateFingerprint(this.peerCertificate, this.config.remoteFingerprints[0]?.algorithm ?? 'sha-256'),
      group: groupName(this.group),
    };
  }

  protected hashName(): 'sha256' | 'sha384' {
    return this.suite.hash;
  }

  protected addTranscript(msgType: number, body: Uint8Array): void {
    this.transcript.push(transcriptMessage(msgType, body));
  }

  protected transcriptHash(): Uint8Array {
    return hash(this.suite.hash, ...this.transcript);
  }

  /** Sends `items` as the current flight; `timed` flights are resent until acknowledged. */
  protected sendFlight(items: FlightItem[], now: number, timed: boolean): void {
    this.flight = items;
    this.transmitFlight();
    if (timed) this.timer.start(now);
    else this.timer.stop();
  }

  protected transmitFlight(): void {
    this.records.takeSent();
    // Simplification of RFC 9147 7.2: only ACKs naming records of the latest transmission
    // count; a late ACK for an earlier one leaves the timer to the next ACK or the peer's flight.
    this.acked.clear();
    for (const d of buildFlightDatagrams(this.flight, this.config.mtu, this.records)) this.host.transmit(d);
    this.flightRecords = this.records.takeSent();
  }

  /** Our flight was implicitly acknowledged by the peer's next flight (RFC 9147 7.2). */
  protected flightAnswered(): void {
    this.timer.stop();
  }

  protected checkPeerCertificate(chain: readonly Uint8Array[]): void {
    const leaf = chain[0];
    if (!leaf) throw new Fatal13(AlertDescription.certificate_required, 'peer sent no certificate; one is required');
    const fps = this.config.remoteFingerprints;
    if (fps.length > 0 && !fps.some((fp) => fingerprintMatches(leaf, fp))) {
      const got = certificateFingerprint(leaf, fps[0]?.algorithm ?? 'sha-256');
      throw new Fatal13(AlertDescription.bad_certificate, `peer certificate fingerprint ${got.algorithm} ${got.value} does not match the expected ${fps.map((f) => `${f.algorithm} ${f.value}`).join(' or ')}`);
    }
    try {
      this.peerPublicKey = certificateP256PublicKey(leaf);
    } catch (e) {
      throw new Fatal13(AlertDescription.unsupported_certificate, `peer certificate unusable: ${(e as Error).message}`);
    }
    this.peerCertificate = leaf;
  }

  protected verifyPeerCertificateVerify(side: 'server' | 'client', body: Uint8Array): void {
    const ds = parseDigitallySigned(body);
    if (ds.signatureScheme !== SignatureScheme.ecdsa_secp256r1_sha256) throw new Fatal13(AlertDescription.illegal_parameter, `unsupported signature scheme 0x${ds.signatureScheme.toString(16)}`);
    if (!this.peerPublicKey || !ecdsaP256Verify(this.peerPublicKey, certificateVerifyContent(side, this.transcriptHash()), ds.signature)) {
      throw new Fatal13(AlertDescription.decrypt_error, `${side} CertificateVerify does not verify`);
    }
  }

  protected ownCertificateVerify(side: 'server' | 'client'): Uint8Array {
    const signature = ecdsaP256Sign(this.config.certificate.privateKey, certificateVerifyContent(side, this.transcriptHash()));
    return serializeDigitallySigned({ signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature });
  }

  protected finishedFor(trafficSecret: Uint8Array): Uint8Array {
    return hmac(this.suite.hash, finishedKey(this.suite.hash, trafficSecret), this.transcriptHash());
  }

  protected checkFinished(trafficSecret: Uint8Array, body: Uint8Array, who: string): void {
    if (!constantTimeEqual(body, this.finishedFor(trafficSecret))) throw new Fatal13(AlertDescription.decrypt_error, `${who} Finished does not verify`);
  }

  /** The handshake is complete on our side. */
  protected becomeConnected(): void {
    this.state = 'connected';
    this.transcript = [];
    const res = this.result();
    if (res) this.host.event({ type: 'connected', ...res });
    for (const data of this.earlyRecords) this.host.event({ type: 'data', data });
    this.earlyRecords = [];
  }

  handleInput(now: number, datagram: Uint8Array): void {
    if (this.state === 'closed') return;
    let recs: Record13[];
    try {
      recs = parseRecords13(datagram);
    } catch (e) {
      if (e instanceof ParseError) return;
      throw e;
    }
    this.handleRecords(now, recs);
  }

  /** Records already split from a datagram (the endpoint hands over the rest of the datagram that carried the ServerHello). */
  handleRecords(now: number, recs: readonly Record13[]): void {
    let sawRepeat = false;
    for (const r of recs) {
      if (this.state === 'closed') return;
      const opened = this.records.open(r, [EPOCH_APPLICATION, EPOCH_HANDSHAKE]);
      if (!opened) continue;
      try {
        switch (opened.contentType) {
          case ContentType.Handshake: {
            if (opened.epoch !== EPOCH_HANDSHAKE) {
              // Epoch 0 carries only the hellos; a repeat means our flight was lost.
              if (opened.epoch === 0) sawRepeat = true;
              break;
            }
            let buffered = false;
            for (const f of parseFragments(opened.plaintext)) {
              const v = this.reassembler.add(f);
              if (v === 'old') sawRepeat = true;
              if (v === 'buffered') buffered = true;
            }
            if (buffered && this.peerRecords.length < MAX_ACK_RECORDS) this.peerRecords.push([opened.epoch, opened.sequenceNumber]);
            for (let m = this.reassembler.next(); m; m = this.reassembler.next()) {
              if (this.isClosed()) return;
              this.onMessage(m, now);
            }
            break;
          }
          case CONTENT_TYPE_ACK:
            this.onAck(parseAck(opened.plaintext));
            break;
          case ContentType.Alert: {
            const a = parseAlert(opened.plaintext);
            this.host.event({ type: 'alert', level: a.level, description: a.description, name: alertName(a.description), fromPeer: true });
            if (a.description === AlertDescription.close_notify) {
              if (this.state === 'connected') this.sendAlert(AlertLevel.Warning, AlertDescription.close_notify);
              this.shutdown('peer sent close_notify', undefined);
            } else if (a.level === AlertLevel.Fatal) this.shutdown(`peer sent fatal alert ${alertName(a.description)}`, 'remote');
            break;
          }
          case ContentType.ApplicationData:
            if (opened.epoch !== EPOCH_APPLICATION) break;
            if (this.state === 'connected') this.host.event({ type: 'data', data: opened.plaintext.slice() });
            else if (this.earlyRecords.length < MAX_EARLY_RECORDS) this.earlyRecords.push(opened.plaintext.slice());
            break;
          default:
            break;
        }
      } catch (e) {
        if (e instanceof Fatal13) this.fatal(e.alert, e.message);
        else if (e instanceof ParseError) this.fatal(AlertDescription.decode_error, `malformed message: ${e.message}`);
        else if (e instanceof ProtocolError) this.fatal(AlertDescription.illegal_parameter, e.message);
        else throw e;
      }
    }
    if (sawRepeat && this.state !== 'closed' && now - this.lastTriggeredAt >= MIN_TRIGGERED_GAP_MS) {
      this.lastTriggeredAt = now;
      this.onPeerRepeat();
    }
  }

  protected isClosed(): boolean {
    return this.state === 'closed';
  }

  private onAck(records: readonly [number, number][]): void {
    // Only record numbers of our current flight matter, which also bounds the set.
    const ours = new Set(this.flightRecords.map(([e, s]) => `${e}/${s}`));
    for (const [e, s] of records) if (ours.has(`${e}/${s}`)) this.acked.add(`${e}/${s}`);
    if (this.flightRecords.length > 0 && this.flightRecords.every(([e, s]) => this.acked.has(`${e}/${s}`))) this.timer.stop();
  }

  protected sendAck(): void {
    const sorted = [...this.peerRecords].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const rec = this.records.seal(CONTENT_TYPE_ACK, EPOCH_APPLICATION, serializeAck(sorted));
    if (rec) this.host.transmit(rec);
  }

  handleTimeout(now: number): void {
    const d = this.timer.deadline;
    if (this.state === 'closed' || d === undefined || now < d) return;
    if (this.timer.expire(now) === 'give-up') {
      // A client already connected only lacks the ACK of its final flight: stop resending.
      if (this.state !== 'connected') this.shutdown('handshake timed out', 'local');
      return;
    }
    this.transmitFlight();
  }

  pollTimeout(): number | undefined {
    return this.state === 'closed' ? undefined : this.timer.deadline;
  }

  send(data: Uint8Array): void {
    if (this.state !== 'connected') throw new InvalidStateError(`dtls: cannot send in state ${this.state}`);
    const rec = this.records.seal(ContentType.ApplicationData, EPOCH_APPLICATION, data);
    if (rec) this.host.transmit(rec);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.sendAlert(AlertLevel.Warning, AlertDescription.close_notify);
    this.shutdown('closed locally', undefined);
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (this.state !== 'connected' || !this.exporterMasterSecret) throw new InvalidStateError('dtls: keying material is available once connected');
    if (length < 0 || length > 0xffff) throw new InvalidArgumentError('export length out of range');
    return exportKeyingMaterial13(this.suite.hash, this.exporterMasterSecret, label, context ?? new Uint8Array(0), length);
  }

  protected sendAlert(level: number, description: number): void {
    const rec = this.records.seal(ContentType.Alert, this.state === 'connected' ? EPOCH_APPLICATION : EPOCH_HANDSHAKE, serializeAlert({ level, description }));
    if (rec) this.host.transmit(rec);
    this.host.event({ type: 'alert', level, description, name: alertName(description), fromPeer: false });
  }

  protected fatal(description: number, reason: string): void {
    if (this.state === 'closed') return;
    this.sendAlert(AlertLevel.Fatal, description);
    this.shutdown(reason, 'remote');
  }

  private shutdown(reason: string, error: 'local' | 'remote' | undefined): void {
    this.state = 'closed';
    this.timer.stop();
    this.flight = [];
    this.earlyRecords = [];
    this.host.event({ type: 'closed', reason, error });
  }
}
