/**
 * @module dtls/handshake13-client
 * The DTLS 1.3 client (RFC 9147 over RFC 8446 2, 4), entered when a server answers our
 * ClientHello (which offers DTLS 1.3 and 1.2 together, RFC 8446 4.2.1) with a DTLS 1.3
 * ServerHello: key exchange with the X25519MLKEM768 or x25519 share we sent (RFC 8446
 * 4.2.8), server authentication by certificate fingerprint and CertificateVerify
 * (4.4.3), our certificate when asked (4.3.2), use_srtp from EncryptedExtensions, and
 * our final flight resent until the server ACKs it (RFC 9147 7.1, 5.8). A
 * HelloRetryRequest is refused (we always send shares for both groups we offer).
 *
 *   ClientHello  -->
 *                <--  ServerHello; EncryptedExtensions, [CertificateRequest],
 *                     Certificate, CertificateVerify, Finished
 *   [Certificate, CertificateVerify], Finished  -->
 *                <--  ACK
 */
import { Reader, Writer, bytesEqual } from '../common/bytes.js';
import type { RandomSource } from '../common/random.js';
import { NamedGroup, ecdheSharedSecret, generateEcdheKeyPair } from '../crypto/ecdh.js';
import type { EcdheKeyPair } from '../crypto/ecdh.js';
import { x25519Mlkem768ClientDecapsulate, x25519Mlkem768ClientShare } from '../crypto/hybrid-kem.js';
import type { HybridClientKeyShare } from '../crypto/hybrid-kem.js';
import { AlertDescription, DtlsVersion, ExtensionType, HandshakeType } from './constants.js';
import { findExtension, parseUseSrtp } from './extensions.js';
import type { Extension } from './extensions.js';
import { parseServerHello } from './hello.js';
import { HELLO_RETRY_REQUEST_RANDOM, parseCertificate13, parseCertificateRequest13, parseEncryptedExtensions, serializeCertificate13, transcriptMessage } from './messages13.js';
import { hash } from '../crypto/hash.js';

/** message_hash handshake type (RFC 8446 4.4.1). */
const MESSAGE_HASH = 254;
import { applicationSecrets, handshakeSecrets, trafficKeys } from './keys13.js';
import type { HandshakeSecrets } from './keys13.js';
import { Suites13 } from './record13.js';
import type { FlightItem } from './flight.js';
import type { HandshakeMessage } from './reassembly.js';
import { Dtls13Session, EPOCH_APPLICATION, EPOCH_HANDSHAKE, Fatal13 } from './session13.js';
import type { Dtls13Config, Dtls13Host } from './session13.js';

/** The key shares a client offers for DTLS 1.3, kept until the ServerHello. */
export interface Dtls13ClientOffer {
  readonly hybrid: HybridClientKeyShare;
  readonly x25519: EcdheKeyPair;
  /** ClientHello extensions to add: supported_versions (1.3, 1.2) and key_share. */
  readonly extensions: readonly Extension[];
  /** TLS 1.3 suites to list before the 1.2 ones. */
  readonly suites: readonly number[];
  /** Groups to list first in supported_groups. */
  readonly groups: readonly number[];
}

export function dtls13ClientOffer(rng: RandomSource): Dtls13ClientOffer {
  const hybrid = x25519Mlkem768ClientShare(rng);
  const x25519 = generateEcdheKeyPair(NamedGroup.x25519, rng);
  const shares = new Writer(8 + hybrid.share.length + 32);
  shares.u16(4 + hybrid.share.length + 4 + 32);
  shares.u16(NamedGroup.X25519MLKEM768).u16(hybrid.share.length).bytes(hybrid.share);
  shares.u16(NamedGroup.x25519).u16(32).bytes(x25519.publicKey);
  return {
    hybrid,
    x25519,
    extensions: [
      { type: ExtensionType.supported_versions, data: Uint8Array.of(4, 0xfe, 0xfc, 0xfe, 0xfd) },
      { type: ExtensionType.key_share, data: shares.finish() },
    ],
    suites: Suites13.map((s) => s.id),
    groups: [NamedGroup.X25519MLKEM768],
  };
}

/** True when a ServerHello body selects DTLS 1.3 (supported_versions = 0xfefc). */
export function serverHelloSelectsDtls13(body: Uint8Array): boolean {
  try {
    const sv = findExtension(parseServerHello(body).extensions, ExtensionType.supported_versions);
    return sv !== undefined && sv.data.length === 2 && new Reader(sv.data).u16() === DtlsVersion.Dtls13;
  } catch {
    return false;
  }
}

export class Dtls13ClientSession extends Dtls13Session {
  private hs: HandshakeSecrets | undefined;
  private waiting: 'encrypted-extensions' | 'certificate-request-or-certificate' | 'certificate-verify' | 'finished' | 'done' = 'encrypted-extensions';
  private requestContext: Uint8Array | undefined;
  private nextSendSeq: number;

  constructor(
    config: Dtls13Config,
    host: Dtls13Host,
    clientHello: HandshakeMessage,
    serverHello: HandshakeMessage,
    offer: Dtls13ClientOffer,
    retry?: { readonly clientHello1: Uint8Array; readonly helloRetryRequest: Uint8Array },
  ) {
    const sh = parseServerHello(serverHello.body);
    const suite = Suites13.find((s) => s.id === sh.cipherSuite);
    const ks = findExtension(sh.extensions, ExtensionType.key_share);
    const group = ks && ks.data.length >= 4 ? (ks.data[0]! << 8) | ks.data[1]! : -1;
    super(config, host, suite ?? Suites13[0], group, serverHello.messageSeq + 1);
    this.nextSendSeq = clientHello.messageSeq + 1;
    if (bytesEqual(sh.random, HELLO_RETRY_REQUEST_RANDOM)) throw new Fatal13(AlertDescription.handshake_failure, 'HelloRetryRequest is not supported');
    if (!suite) throw new Fatal13(AlertDescription.illegal_parameter, `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`);
    if (!ks) throw new Fatal13(AlertDescription.missing_extension, 'ServerHello without key_share');
    const r = new Reader(ks.data);
    r.u16('group');
    const share = r.bytesView(r.u16('key_exchange length'), 'key_exchange');
    let shared: Uint8Array;
    if (group === NamedGroup.X25519MLKEM768) shared = x25519Mlkem768ClientDecapsulate(offer.hybrid, share);
    else if (group === NamedGroup.x25519) shared = ecdheSharedSecret(offer.x25519, share);
    else throw new Fatal13(AlertDescription.illegal_parameter, `server chose group 0x${group.toString(16)} we sent no share for`);
    if (retry) {
      // ClientHello1 becomes message_hash(Hash(ClientHello1)) (RFC 8446 4.4.1).
      const ch1Hash = hash(suite.hash, transcriptMessage(HandshakeType.ClientHello, retry.clientHello1));
      this.transcript.push(transcriptMessage(MESSAGE_HASH, ch1Hash));
      this.addTranscript(HandshakeType.ServerHello, retry.helloRetryRequest);
    }
    this.addTranscript(HandshakeType.ClientHello, clientHello.body);
    this.addTranscript(HandshakeType.ServerHello, serverHello.body);
    const h = this.hashName();
    this.hs = handshakeSecrets(h, shared, this.transcriptHash());
    this.records.setReadKeys(EPOCH_HANDSHAKE, suite.aead, trafficKeys(h, this.hs.serverHandshakeTrafficSecret, suite.keyLength));
    this.records.setWriteKeys(EPOCH_HANDSHAKE, suite.aead, trafficKeys(h, this.hs.clientHandshakeTrafficSecret, suite.keyLength));
  }

  protected onPeerRepeat(): void {
    // The server repeated its flight: our final flight (if sent) was lost.
    if (this.flight.length > 0) this.transmitFlight();
  }

  protected onMessage(m: HandshakeMessage, now: number): void {
    const hs = this.hs;
    if (!hs) throw new Fatal13(AlertDescription.internal_error, 'no handshake secrets');
    switch (this.waiting) {
      case 'encrypted-extensions': {
        if (m.msgType !== HandshakeType.EncryptedExtensions) throw new Fatal13(AlertDescription.unexpected_message, `expected EncryptedExtensions, got ${m.msgType}`);
        const us = findExtension(parseEncryptedExtensions(m.body), ExtensionType.use_srtp);
        if (us) {
          const chosen = parseUseSrtp(us.data).profiles;
          const p = chosen[0];
          if (chosen.length !== 1 || p === undefined || !this.config.srtpProfiles.includes(p)) throw new Fatal13(AlertDescription.illegal_parameter, 'server chose an SRTP profile we did not offer');
          this.srtpProfile = p;
        }
        this.addTranscript(m.msgType, m.body);
        this.waiting = 'certificate-request-or-certificate';
        return;
      }
      case 'certificate-request-or-certificate': {
        if (m.msgType === HandshakeType.CertificateRequest) {
          if (this.requestContext) throw new Fatal13(AlertDescription.unexpected_message, 'second CertificateRequest');
          this.requestContext = parseCertificateRequest13(m.body).context;
          this.addTranscript(m.msgType, m.body);
          return;
        }
        if (m.msgType !== HandshakeType.Certificate) throw new Fatal13(AlertDescription.unexpected_message, `expected Certificate, got ${m.msgType}`);
        this.checkPeerCertificate(parseCertificate13(m.body).chain);
        this.addTranscript(m.msgType, m.body);
        this.waiting = 'certificate-verify';
        return;
      }
      case 'certificate-verify': {
        if (m.msgType !== HandshakeType.CertificateVerify) throw new Fatal13(AlertDescription.unexpected_message, `expected CertificateVerify, got ${m.msgType}`);
        this.verifyPeerCertificateVerify('server', m.body);
        this.addTranscript(m.msgType, m.body);
        this.waiting = 'finished';
        return;
      }
      case 'finished': {
        if (m.msgType !== HandshakeType.Finished) throw new Fatal13(AlertDescription.unexpected_message, `expected Finished, got ${m.msgType}`);
        this.checkFinished(hs.serverHandshakeTrafficSecret, m.body, 'server');
        this.addTranscript(m.msgType, m.body);
        const h = this.hashName();
        const app = applicationSecrets(h, hs, this.transcriptHash());
        this.exporterMasterSecret = app.exporterMasterSecret;
        this.records.setReadKeys(EPOCH_APPLICATION, this.suite.aead, trafficKeys(h, app.serverApplicationTrafficSecret, this.suite.keyLength));
        this.records.setWriteKeys(EPOCH_APPLICATION, this.suite.aead, trafficKeys(h, app.clientApplicationTrafficSecret, this.suite.keyLength));
        const items: FlightItem[] = [];
        const add = (msgType: number, body: Uint8Array): void => {
          items.push({ kind: 'handshake', epoch: EPOCH_HANDSHAKE, msgType, messageSeq: this.nextSendSeq++, body });
          this.addTranscript(msgType, body);
        };
        if (this.requestContext) {
          add(HandshakeType.Certificate, serializeCertificate13(this.requestContext, [this.config.certificate.der]));
          add(HandshakeType.CertificateVerify, this.ownCertificateVerify('client'));
        }
        add(HandshakeType.Finished, this.finishedFor(hs.clientHandshakeTrafficSecret));
        this.waiting = 'done';
        this.sendFlight(items, now, true);
        this.becomeConnected();
        return;
      }
      default:
        // NewSessionTicket and other post-handshake messages: not used (no resumption),
        // but acknowledged so the server stops resending them (RFC 9147 7.1).
        this.sendAck();
        this.peerRecords = [];
        return;
    }
  }
}
