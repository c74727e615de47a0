/**
 * @module dtls/handshake13
 * The DTLS 1.3 server (RFC 9147 over RFC 8446 2, 4): full 1-RTT handshake with a
 * required client certificate, key exchange X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem),
 * x25519 or secp256r1 (RFC 8446 4.2.8), ECDSA P-256 signatures (4.4.3), use_srtp in
 * EncryptedExtensions (RFC 5764 4.1.1 as RFC 9147 carries it) and an ACK for the
 * client's final flight (RFC 9147 7.1). The endpoint hands over to it once a
 * ClientHello offering DTLS 1.3 (supported_versions 0xfefc) with a usable key share is
 * complete; there is no HelloRetryRequest: a client without a usable share gets DTLS 1.2.
 *
 *   ClientHello  -->
 *                <--  ServerHello (epoch 0); EncryptedExtensions, CertificateRequest,
 *                     Certificate, CertificateVerify, Finished (epoch 2)
 *   Certificate, CertificateVerify, Finished (epoch 2)  -->
 *                <--  ACK (epoch 3); application data (epoch 3)
 */
import { ParseError } from '../common/errors.js';
import { Reader, Writer, concatBytes, constantTimeEqual } from '../common/bytes.js';
import { hash, hmac } from '../crypto/hash.js';
import { NamedGroup, ecdheSharedSecret, generateEcdheKeyPair } from '../crypto/ecdh.js';
import { x25519Mlkem768ServerEncapsulate, X25519MLKEM768_CLIENT_SHARE_LENGTH } from '../crypto/hybrid-kem.js';
import { AlertDescription, DtlsVersion, ExtensionType, HandshakeType, SignatureScheme } from './constants.js';
import { findExtension, parseClientSupportedVersions, parseSignatureAlgorithms, parseUseSrtp, signatureAlgorithmsExtension, useSrtpExtension } from './extensions.js';
import type { Extension } from './extensions.js';
import { serializeServerHello } from './hello.js';
import type { ClientHello } from './hello.js';
import {
  HELLO_RETRY_REQUEST_RANDOM,
  parseCertificate13,
  parseClientKeyShares,
  serializeCertificate13,
  serializeCertificateRequest13,
  serializeEncryptedExtensions,
  serverKeyShareExtension,
  serverSupportedVersionsExtension,
} from './messages13.js';
import type { KeyShareEntry } from './messages13.js';
import { applicationSecrets, handshakeSecrets, trafficKeys } from './keys13.js';
import { Suites13 } from './record13.js';
import type { Suite13 } from './record13.js';
import type { FlightItem } from './flight.js';
import type { HandshakeMessage } from './reassembly.js';
import { Dtls13Session, EPOCH_APPLICATION, EPOCH_HANDSHAKE, Fatal13 } from './session13.js';
import type { Dtls13Config, Dtls13Host } from './session13.js';

export type { Dtls13Config, Dtls13Host } from './session13.js';

/** What the server needs to answer a DTLS 1.3 ClientHello. */
export interface Dtls13Choice {
  readonly suite: Suite13;
  readonly share: KeyShareEntry;
}

/** The suite and key share we would use for `ch`, or undefined when DTLS 1.3 is not possible without a HelloRetryRequest. */
export function chooseDtls13(ch: ClientHello): Dtls13Choice | undefined {
  try {
    const sv = findExtension(ch.extensions, ExtensionType.supported_versions);
    if (!sv || !parseClientSupportedVersions(sv.data).includes(DtlsVersion.Dtls13)) return undefined;
    const sa = findExtension(ch.extensions, ExtensionType.signature_algorithms);
    if (!sa || !parseSignatureAlgorithms(sa.data).includes(SignatureScheme.ecdsa_secp256r1_sha256)) return undefined;
    const suite = Suites13.find((s) => ch.cipherSuites.includes(s.id));
    const ks = findExtension(ch.extensions, ExtensionType.key_share);
    if (!suite || !ks) return undefined;
    const shares = parseClientKeyShares(ks.data);
    const share =
      shares.find((e) => e.group === NamedGroup.X25519MLKEM768 && e.keyExchange.length === X25519MLKEM768_CLIENT_SHARE_LENGTH) ??
      shares.find((e) => e.group === NamedGroup.x25519 && e.keyExchange.length === 32) ??
      shares.find((e) => e.group === NamedGroup.secp256r1 && e.keyExchange.length === 65);
    return share ? { suite, share } : undefined;
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

/** message_hash handshake type of the synthetic transcript entry after a HelloRetryRequest (RFC 8446 4.4.1). */
const MESSAGE_HASH = 254;
/** Bytes of HMAC kept in a 1.3 cookie. */
const COOKIE_MAC_LENGTH = 16;

/**
 * The HelloRetryRequest a stateless server sends to get a cookie back (RFC 9147 5.1,
 * RFC 8446 4.1.4, 4.2.2). It is rebuilt byte for byte from the second ClientHello, so
 * the server keeps no state: cookie = Hash(ClientHello1) || HMAC(secret, context ||
 * Hash(ClientHello1))[..16].
 */
export function helloRetryRequestBody(sessionId: Uint8Array, suite: Suite13, cookie: Uint8Array): Uint8Array {
  return serializeServerHello({
    version: DtlsVersion.Dtls12,
    random: HELLO_RETRY_REQUEST_RANDOM,
    sessionId,
    cipherSuite: suite.id,
    compressionMethod: 0,
    extensions: [serverSupportedVersionsExtension(DtlsVersion.Dtls13), { type: ExtensionType.cookie, data: new Writer(2 + cookie.length).u16(cookie.length).bytes(cookie).finish() }],
  });
}

export function makeCookie13(secret: Uint8Array, context: Uint8Array, suite: Suite13, clientHello1: Uint8Array): Uint8Array {
  const chHash = hash(suite.hash, new Writer(4 + clientHello1.length).u8(HandshakeType.ClientHello).u24(clientHello1.length).bytes(clientHello1).finish());
  return concatBytes(chHash, hmac('sha256', secret, context, chHash).subarray(0, COOKIE_MAC_LENGTH));
}

/** Hash(ClientHello1) and the cookie from a second ClientHello, or undefined when absent or forged. */
export function checkCookie13(secret: Uint8Array, context: Uint8Array, suite: Suite13, ch: ClientHello): { clientHello1Hash: Uint8Array; cookie: Uint8Array } | undefined {
  const ext = findExtension(ch.extensions, ExtensionType.cookie);
  if (!ext) return undefined;
  try {
    const r = new Reader(ext.data);
    const cookie = r.bytesView(r.u16('cookie length'), 'cookie');
    const n = suite.hash === 'sha384' ? 48 : 32;
    if (!r.done || cookie.length !== n + COOKIE_MAC_LENGTH) return undefined;
    const chHash = cookie.subarray(0, n);
    return constantTimeEqual(cookie.subarray(n), hmac('sha256', secret, context, chHash).subarray(0, COOKIE_MAC_LENGTH)) ? { clientHello1Hash: chHash.slice(), cookie: cookie.slice() } : undefined;
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

/** The transcript entries that stand for ClientHello1 and the HelloRetryRequest (RFC 8446 4.4.1). */
export function helloRetryTranscript(clientHello1Hash: Uint8Array, hrrBody: Uint8Array): Uint8Array[] {
  return [
    new Writer(4 + clientHello1Hash.length).u8(MESSAGE_HASH).u24(clientHello1Hash.length).bytes(clientHello1Hash).finish(),
    new Writer(4 + hrrBody.length).u8(HandshakeType.ServerHello).u24(hrrBody.length).bytes(hrrBody).finish(),
  ];
}

export class Dtls13ServerSession extends Dtls13Session {
  private readonly clientHandshakeSecret: Uint8Array;
  private waiting: 'certificate' | 'certificate-verify' | 'finished' | 'done' = 'certificate';

  /**
   * `transcriptPrefix` stands for ClientHello1 and our HelloRetryRequest after a cookie
   * exchange; `epoch0Sequence` mirrors the ClientHello's record sequence number in the
   * ServerHello record (as RFC 6347 4.2.1 does), keeping it above the HelloRetryRequest's.
   */
  constructor(config: Dtls13Config, host: Dtls13Host, now: number, chMsg: HandshakeMessage, ch: ClientHello, choice: Dtls13Choice, transcriptPrefix: readonly Uint8Array[] = [], epoch0Sequence = 0) {
    super(config, host, choice.suite, choice.share.group, chMsg.messageSeq + 1);
    this.transcript.push(...transcriptPrefix);
    this.records.setNextWriteSequence(0, epoch0Sequence);
    const h = this.hashName();
    let serverShare: Uint8Array;
    let shared: Uint8Array;
    if (choice.share.group === NamedGroup.X25519MLKEM768) {
      const r = x25519Mlkem768ServerEncapsulate(choice.share.keyExchange, config.rng);
      serverShare = r.share;
      shared = r.sharedSecret;
    } else {
      const kp = generateEcdheKeyPair(choice.share.group as typeof NamedGroup.x25519 | typeof NamedGroup.secp256r1, config.rng);
      serverShare = kp.publicKey;
      shared = ecdheSharedSecret(kp, choice.share.keyExchange);
    }
    const us = findExtension(ch.extensions, ExtensionType.use_srtp);
    if (us) {
      const offered = parseUseSrtp(us.data).profiles;
      this.srtpProfile = config.srtpProfiles.find((p) => offered.includes(p));
    }
    let seq = chMsg.messageSeq;
    const items: FlightItem[] = [];
    const add = (msgType: number, body: Uint8Array, epoch: number): void => {
      items.push({ kind: 'handshake', epoch, msgType, messageSeq: seq++, body });
      this.addTranscript(msgType, body);
    };
    this.addTranscript(HandshakeType.ClientHello, chMsg.body);
    add(
      HandshakeType.ServerHello,
      serializeServerHello({
        version: DtlsVersion.Dtls12,
        random: config.rng.fill(new Uint8Array(32)),
        sessionId: ch.sessionId,
        cipherSuite: this.suite.id,
        compressionMethod: 0,
        extensions: [serverSupportedVersionsExtension(DtlsVersion.Dtls13), serverKeyShareExtension({ group: choice.share.group, keyExchange: serverShare })],
      }),
      0,
    );
    const hs = handshakeSecrets(h, shared, this.transcriptHash());
    this.clientHandshakeSecret = hs.clientHandshakeTrafficSecret;
    this.records.setWriteKeys(EPOCH_HANDSHAKE, this.suite.aead, trafficKeys(h, hs.serverHandshakeTrafficSecret, this.suite.keyLength));
    this.records.setReadKeys(EPOCH_HANDSHAKE, this.suite.aead, trafficKeys(h, hs.clientHandshakeTrafficSecret, this.suite.keyLength));
    const ee: Extension[] = [];
    if (this.srtpProfile !== undefined) ee.push(useSrtpExtension({ profiles: [this.srtpProfile], mki: new Uint8Array(0) }));
    add(HandshakeType.EncryptedExtensions, serializeEncryptedExtensions(ee), EPOCH_HANDSHAKE);
    add(HandshakeType.CertificateRequest, serializeCertificateRequest13(new Uint8Array(0), [signatureAlgorithmsExtension([SignatureScheme.ecdsa_secp256r1_sha256])]), EPOCH_HANDSHAKE);
    add(HandshakeType.Certificate, serializeCertificate13(new Uint8Array(0), [config.certificate.der]), EPOCH_HANDSHAKE);
    add(HandshakeType.CertificateVerify, this.ownCertificateVerify('server'), EPOCH_HANDSHAKE);
    add(HandshakeType.Finished, this.finishedFor(hs.serverHandshakeTrafficSecret), EPOCH_HANDSHAKE);
    const app = applicationSecrets(h, hs, this.transcriptHash());
    this.exporterMasterSecret = app.exporterMasterSecret;
    this.records.setWriteKeys(EPOCH_APPLICATION, this.suite.aead, trafficKeys(h, app.serverApplicationTrafficSecret, this.suite.keyLength));
    this.records.setReadKeys(EPOCH_APPLICATION, this.suite.aead, trafficKeys(h, app.clientApplicationTrafficSecret, this.suite.keyLength));
    this.sendFlight(items, now, true);
  }

  protected onPeerRepeat(): void {
    if (this.state === 'connected') this.sendAck();
    else this.transmitFlight();
  }

  protected onMessage(m: HandshakeMessage): void {
    // Any part of the client's flight acknowledges ours (RFC 9147 7.2).
    this.flightAnswered();
    switch (this.waiting) {
      case 'certificate': {
        if (m.msgType !== HandshakeType.Certificate) throw new Fatal13(AlertDescription.unexpected_message, `expected Certificate, got ${m.msgType}`);
        const { context, chain } = parseCertificate13(m.body);
        if (context.length !== 0) throw new Fatal13(AlertDescription.illegal_parameter, 'non-empty certificate_request_context');
        this.checkPeerCertificate(chain);
        this.addTranscript(m.msgType, m.body);
        this.waiting = 'certificate-verify';
        return;
      }
      case 'certificate-verify': {
        if (m.msgType !== HandshakeType.CertificateVerify) throw new Fatal13(AlertDescription.unexpected_message, `expected CertificateVerify, got ${m.msgType}`);
        this.verifyPeerCertificateVerify('client', m.body);
        this.addTranscript(m.msgType, m.body);
        this.waiting = 'finished';
        return;
      }
      case 'finished': {
        if (m.msgType !== HandshakeType.Finished) throw new Fatal13(AlertDescription.unexpected_message, `expected Finished, got ${m.msgType}`);
        this.checkFinished(this.clientHandshakeSecret, m.body, 'client');
        this.waiting = 'done';
        this.flight = [];
        this.sendAck();
        this.becomeConnected();
        return;
      }
      default:
        // Post-handshake messages (NewSessionTicket, KeyUpdate) are not supported.
        throw new Fatal13(AlertDescription.unexpected_message, `unexpected post-handshake message ${m.msgType}`);
    }
  }
}
