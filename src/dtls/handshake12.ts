/**
 * @module dtls/handshake12
 * The DTLS 1.2 handshake state machine, client and server (RFC 6347 4.2, over the TLS
 * 1.2 full handshake of RFC 5246 7.3), for ECDHE_ECDSA AEAD suites (RFC 8422, RFC 5289,
 * RFC 7905), with mutual certificate authentication (RFC 8827 6.5 / RFC 5763 5: certs
 * checked by fingerprint), extended master secret required (RFC 7627 5.2), secure
 * renegotiation signalling (RFC 5746 3.4/3.6; renegotiation itself refused), use_srtp
 * negotiation (RFC 5764 4.1) and stateless cookies (RFC 6347 4.2.1).
 *
 *   Client                                   Server
 *   ClientHello            -------->                         flight 1
 *                          <--------   HelloVerifyRequest    flight 2 (cookies on)
 *   ClientHello            -------->                         flight 3
 *                                             ServerHello    flight 4
 *                                             Certificate
 *                                       ServerKeyExchange
 *                                      CertificateRequest
 *                          <--------      ServerHelloDone
 *   Certificate, ClientKeyExchange, CertificateVerify,
 *   [ChangeCipherSpec], Finished  -------->                  flight 5
 *                          <--------  [ChangeCipherSpec], Finished   flight 6
 *
 * Record handling, reassembly, retransmission and events belong to dtls/endpoint; this
 * module only turns complete messages into flights and keys through a small host
 * interface, so the DTLS 1.3 machine can sit beside it.
 */
import { ProtocolError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';
import { bytesEqual, constantTimeEqual, concatBytes } from '../common/bytes.js';
import { hash } from '../crypto/hash.js';
import { NamedGroup, ecdheSharedSecret, generateEcdheKeyPair } from '../crypto/ecdh.js';
import type { EcdheGroup, EcdheKeyPair } from '../crypto/ecdh.js';
import { ecdsaP256Sign, ecdsaP256Verify } from '../crypto/ecdsa.js';
import { certificateFingerprint, certificateP256PublicKey, fingerprintMatches } from '../crypto/x509.js';
import type { Fingerprint } from '../crypto/x509.js';
import {
  AlertDescription,
  CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN,
  DtlsVersion,
  ExtensionType,
  HandshakeType,
  SignatureScheme,
  suiteById,
  srtpProfileName,
} from './constants.js';
import type { SuiteParameters } from './constants.js';
import {
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  findExtension,
  parseClientSupportedVersions,
  parseSignatureAlgorithms,
  parseSupportedGroups,
  parseUseSrtp,
  renegotiationInfoExtension,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  useSrtpExtension,
} from './extensions.js';
import type { Extension } from './extensions.js';
import {
  parseClientHello,
  parseHelloVerifyRequest,
  parseServerHello,
  serializeClientHello,
  serializeHelloVerifyRequest,
  serializeServerHello,
  RANDOM_LENGTH,
} from './hello.js';
import type { ClientHello } from './hello.js';
import {
  parseCertificateMessage,
  parseCertificateRequest,
  parseClientKeyExchange,
  parseDigitallySigned,
  parseFinished,
  parseServerHelloDone,
  parseServerKeyExchange,
  serializeCertificateMessage,
  serializeCertificateRequest,
  serializeClientKeyExchange,
  serializeDigitallySigned,
  serializeEcdhParams,
  serializeServerKeyExchange,
} from './messages12.js';
import { wholeMessage } from './fragment.js';
import { AeadRecordCipher, exportKeyingMaterial12, extendedMasterSecret, finishedVerifyData, keyBlock } from './keys12.js';
import { checkCookie, makeCookie } from './cookie.js';
import type { FlightItem } from './flight.js';
import type { HandshakeMessage } from './reassembly.js';
import type { HandshakeMachine, HandshakeHost, HandshakeResult } from './handshake.js';
import { serverHelloSelectsDtls13 } from './handshake13-client.js';
import { HELLO_RETRY_REQUEST_RANDOM } from './messages13.js';
import type { Dtls13ClientOffer } from './handshake13-client.js';

/** The last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates 1.2 (RFC 8446 4.1.3: "DOWNGRD" 01). */
export const DOWNGRADE_SENTINEL_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 3.3). */
const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;

/** A fatal handshake error: the alert to send and a reason for the closed event. */
export class HandshakeFailure extends ProtocolError {
  readonly alert: number;
  constructor(side: 'local' | 'remote', alert: number, message: string) {
    super(side, message);
    this.name = 'HandshakeFailure';
    this.alert = alert;
  }
}

function fail(alert: number, message: string): never {
  throw new HandshakeFailure('remote', alert, message);
}

export interface Handshake12Config {
  readonly role: 'client' | 'server';
  readonly certificate: { readonly der: Uint8Array; readonly privateKey: Uint8Array };
  readonly remoteFingerprints: readonly Fingerprint[];
  readonly suites: readonly SuiteParameters[];
  readonly groups: readonly EcdheGroup[];
  readonly srtpProfiles: readonly number[];
  readonly requireClientCertificate: boolean;
  readonly cookieSecret: Uint8Array | undefined;
  readonly cookieContext: Uint8Array;
  readonly rng: RandomSource;
  /** Server: DTLS 1.3 is enabled, so a 1.2 answer to a 1.3-offering client carries the downgrade sentinel (RFC 8446 4.1.3). */
  readonly supportsDtls13?: boolean;
  /** Client: also offer DTLS 1.3 in the same ClientHello (RFC 8446 4.2.1, RFC 9147 5.3). */
  readonly dtls13Offer?: Dtls13ClientOffer;
}


type State =
  | 'idle'
  | 'wait-server-hello'
  | 'wait-certificate'
  | 'wait-server-key-exchange'
  | 'wait-certificate-request-or-done'
  | 'wait-server-hello-done'
  | 'wait-client-hello'
  | 'wait-client-key-exchange'
  | 'wait-certificate-verify'
  | 'wait-ccs'
  | 'wait-finished'
  | 'done'
  /** Client: a DTLS 1.3 ServerHello arrived and a 1.3 session took over. */
  | 'handed-over';

export class Handshake12 implements HandshakeMachine {
  private readonly config: Handshake12Config;
  private readonly host: HandshakeHost;
  state: State;
  private sendSeq = 0;
  private transcript: Uint8Array[] = [];
  private clientRandom: Uint8Array = new Uint8Array(RANDOM_LENGTH);
  private serverRandom: Uint8Array = new Uint8Array(RANDOM_LENGTH);
  private suite: SuiteParameters | undefined;
  private group: EcdheGroup | undefined;
  private ecdhe: EcdheKeyPair | undefined;
  private peerEcdhePublic: Uint8Array | undefined;
  private peerCertificate: Uint8Array | undefined;
  private peerPublicKey: Uint8Array | undefined;
  private certificateRequested = false;
  private srtpProfile: number | undefined;
  private masterSecret: Uint8Array | undefined;
  private pendingRead: AeadRecordCipher | undefined;
  private lastClientHello: HandshakeMessage | undefined;
  /** Client offering 1.3: the cookie extension a HelloRetryRequest asked us to echo, and what the 1.3 transcript needs of it. */
  private retry: { readonly cookie: Extension; readonly clientHello1: Uint8Array; readonly helloRetryRequest: Uint8Array } | undefined;

  constructor(config: Handshake12Config, host: HandshakeHost) {
    this.config = config;
    this.host = host;
    this.state = config.role === 'client' ? 'idle' : 'wait-client-hello';
  }

  /** True while any message_seq is acceptable for the peer's first message (hellos). */
  get waitingForHello(): boolean {
    return this.state === 'wait-server-hello' || this.state === 'wait-client-hello';
  }

  get done(): boolean {
    return this.state === 'done';
  }

  result(): HandshakeResult | undefined {
    if (this.state !== 'done' || !this.suite || !this.peerCertificate || this.group === undefined) return undefined;
    return {
      cipherSuite: this.suite.name,
      srtpProfile: this.srtpProfile === undefined ? undefined : srtpProfileName(this.srtpProfile),
      peerCertificate: this.peerCertificate,
      peerFingerprint: certificateFingerprint(this.peerCertificate, this.config.remoteFingerprints[0]?.algorithm ?? 'sha-256'),
      group: this.group === NamedGroup.x25519 ? 'x25519' : 'secp256r1',
      version: 'DTLS 1.2',
    };
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array | undefined {
    if (this.state !== 'done' || !this.suite || !this.masterSecret) return undefined;
    return exportKeyingMaterial12(this.suite, this.masterSecret, this.clientRandom, this.serverRandom, label, length, context);
  }

  private record(msgType: number, body: Uint8Array, epoch = 0): FlightItem {
    const item: FlightItem = { kind: 'handshake', epoch, msgType, messageSeq: this.sendSeq++, body };
    this.transcript.push(wholeMessage(msgType, item.messageSeq, body));
    return item;
  }

  private transcriptHash(): Uint8Array {
    return hash(this.suite?.prfHash ?? 'sha256', ...this.transcript);
  }

  private addPeer(msg: HandshakeMessage): void {
    this.transcript.push(wholeMessage(msg.msgType, msg.messageSeq, msg.body));
  }

  // ---------------------------------------------------------------- client

  /** Client: send the first ClientHello (flight 1). */
  start(): void {
    if (this.config.role !== 'client' || this.state !== 'idle') return;
    this.config.rng.fill(this.clientRandom);
    this.state = 'wait-server-hello';
    this.sendClientHello(new Uint8Array(0));
  }

  private sendClientHello(cookie: Uint8Array): void {
    const c = this.config;
    const offer = c.dtls13Offer;
    const extensions: Extension[] = [
      supportedGroupsExtension([...(offer?.groups ?? []), ...c.groups]),
      ecPointFormatsExtension(),
      signatureAlgorithmsExtension([SignatureScheme.ecdsa_secp256r1_sha256]),
      extendedMasterSecretExtension(),
      renegotiationInfoExtension(),
    ];
    if (c.srtpProfiles.length > 0) extensions.push(useSrtpExtension({ profiles: c.srtpProfiles, mki: new Uint8Array(0) }));
    if (offer) extensions.push(...offer.extensions);
    if (this.retry) extensions.push(this.retry.cookie);
    const hello: ClientHello = {
      version: DtlsVersion.Dtls12,
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cookie,
      cipherSuites: [...(offer?.suites ?? []), ...c.suites.map((s) => s.id)],
      compressionMethods: [0],
      extensions,
    };
    this.transcript = [];
    const item = this.record(HandshakeType.ClientHello, serializeClientHello(hello));
    if (item.kind === 'handshake') this.lastClientHello = { msgType: item.msgType, messageSeq: item.messageSeq, body: item.body };
    this.host.sendFlight([item], false);
  }

  /** Handles one complete, in-order handshake message. Throws HandshakeFailure. */
  handleMessage(msg: HandshakeMessage): void {
    if (this.config.role === 'client') this.clientMessage(msg);
    else this.serverMessage(msg);
  }

  private expectType(msg: HandshakeMessage, type: number): void {
    if (msg.msgType !== type) fail(AlertDescription.unexpected_message, `unexpected handshake message ${msg.msgType} in state ${this.state}`);
  }

  private clientMessage(msg: HandshakeMessage): void {
    switch (this.state) {
      case 'wait-server-hello': {
        if (msg.msgType === HandshakeType.HelloVerifyRequest) {
          const hvr = parseHelloVerifyRequest(msg.body);
          if (hvr.cookie.length === 0) fail(AlertDescription.illegal_parameter, 'HelloVerifyRequest with empty cookie');
          this.sendSeq = msg.messageSeq + 1;
          this.host.expectMessageSeq(msg.messageSeq + 1);
          this.sendClientHello(hvr.cookie);
          return;
        }
        this.expectType(msg, HandshakeType.ServerHello);
        if (this.config.dtls13Offer && this.lastClientHello && this.host.startDtls13 && serverHelloSelectsDtls13(msg.body)) {
          const sh = parseServerHello(msg.body);
          if (bytesEqual(sh.random, HELLO_RETRY_REQUEST_RANDOM) && !this.retry) {
            // HelloRetryRequest with a cookie (RFC 8446 4.1.4, RFC 9147 5.1): send ClientHello2.
            const cookie = findExtension(sh.extensions, ExtensionType.cookie);
            if (!cookie) fail(AlertDescription.illegal_parameter, 'HelloRetryRequest without a cookie (changing key shares is not supported)');
            this.retry = { cookie, clientHello1: this.lastClientHello.body, helloRetryRequest: msg.body };
            this.sendSeq = msg.messageSeq + 1;
            this.host.expectMessageSeq(msg.messageSeq + 1);
            this.sendClientHello(new Uint8Array(0));
            return;
          }
          this.state = 'handed-over';
          this.host.startDtls13(this.lastClientHello, msg, this.retry);
          return;
        }
        this.onServerHello(msg);
        return;
      }
      case 'wait-certificate': {
        this.expectType(msg, HandshakeType.Certificate);
        this.addPeer(msg);
        this.onPeerCertificate(parseCertificateMessage(msg.body));
        this.state = 'wait-server-key-exchange';
        return;
      }
      case 'wait-server-key-exchange': {
        this.expectType(msg, HandshakeType.ServerKeyExchange);
        this.addPeer(msg);
        const ske = parseServerKeyExchange(msg.body);
        if (!this.config.groups.includes(ske.namedGroup as EcdheGroup)) fail(AlertDescription.illegal_parameter, `server chose group ${ske.namedGroup} we did not offer`);
        const signed = concatBytes(this.clientRandom, this.serverRandom, serializeEcdhParams(ske.namedGroup, ske.publicKey));
        this.verifySignature(ske.signatureScheme, signed, ske.signature, 'ServerKeyExchange');
        this.group = ske.namedGroup as EcdheGroup;
        this.peerEcdhePublic = ske.publicKey;
        this.state = 'wait-certificate-request-or-done';
        return;
      }
      case 'wait-certificate-request-or-done': {
        if (msg.msgType === HandshakeType.CertificateRequest) {
          this.addPeer(msg);
          const cr = parseCertificateRequest(msg.body);
          if (!cr.certificateTypes.includes(CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN)) fail(AlertDescription.handshake_failure, 'server does not accept ECDSA client certificates');
          if (!cr.signatureSchemes.includes(SignatureScheme.ecdsa_secp256r1_sha256)) fail(AlertDescription.handshake_failure, 'server does not accept ecdsa_secp256r1_sha256');
          this.certificateRequested = true;
          this.state = 'wait-server-hello-done';
          return;
        }
        this.state = 'wait-server-hello-done';
        this.clientMessage(msg);
        return;
      }
      case 'wait-server-hello-done': {
        this.expectType(msg, HandshakeType.ServerHelloDone);
        parseServerHelloDone(msg.body);
        this.addPeer(msg);
        this.sendClientFlight5();
        return;
      }
      case 'wait-finished': {
        this.expectType(msg, HandshakeType.Finished);
        this.checkFinished(msg, 'server finished');
        this.finish();
        return;
      }
      default:
        fail(AlertDescription.unexpected_message, `unexpected handshake message ${msg.msgType} in state ${this.state}`);
    }
  }

  private onServerHello(msg: HandshakeMessage): void {
    const sh = parseServerHello(msg.body);
    if (sh.version !== DtlsVersion.Dtls12) fail(AlertDescription.protocol_version, `server chose version 0x${sh.version.toString(16)}`);
    // A DTLS 1.3 server that answers 1.2 to a client offering 1.3 marks its random (RFC 8446 4.1.3).
    if (this.config.dtls13Offer && bytesEqual(sh.random.subarray(24), DOWNGRADE_SENTINEL_TLS12)) fail(AlertDescription.illegal_parameter, 'downgrade from DTLS 1.3 detected (ServerHello.random sentinel)');
    const suite = this.config.suites.find((s) => s.id === sh.cipherSuite);
    if (!suite) fail(AlertDescription.illegal_parameter, `server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`);
    if (sh.compressionMethod !== 0) fail(AlertDescription.illegal_parameter, 'server chose compression');
    if (!findExtension(sh.extensions, ExtensionType.extended_master_secret)) fail(AlertDescription.handshake_failure, 'server did not negotiate extended_master_secret (RFC 7627 is required)');
    const reneg = findExtension(sh.extensions, ExtensionType.renegotiation_info);
    if (reneg && !bytesEqual(reneg.data, Uint8Array.of(0))) fail(AlertDescription.handshake_failure, 'non-empty renegotiation_info in initial handshake');
    const srtp = findExtension(sh.extensions, ExtensionType.use_srtp);
    if (srtp) {
      const u = parseUseSrtp(srtp.data);
      const chosen = u.profiles[0];
      if (u.profiles.length !== 1 || chosen === undefined || !this.config.srtpProfiles.includes(chosen)) fail(AlertDescription.illegal_parameter, 'server chose an SRTP profile we did not offer');
      this.srtpProfile = chosen;
    }
    this.suite = suite;
    this.serverRandom = sh.random;
    this.addPeer(msg);
    this.sendSeq = Math.max(this.sendSeq, msg.messageSeq + 1);
    this.host.expectMessageSeq(msg.messageSeq + 1);
    this.state = 'wait-certificate';
  }

  private sendClientFlight5(): void {
    const suite = this.suite;
    const group = this.group;
    const peerPublic = this.peerEcdhePublic;
    if (!suite || group === undefined || !peerPublic) fail(AlertDescription.internal_error, 'missing key exchange state');
    const items: FlightItem[] = [];
    if (this.certificateRequested) items.push(this.record(HandshakeType.Certificate, serializeCertificateMessage([this.config.certificate.der])));
    const own = generateEcdheKeyPair(group, this.config.rng);
    const pre = this.sharedSecret(own, peerPublic);
    items.push(this.record(HandshakeType.ClientKeyExchange, serializeClientKeyExchange(own.publicKey)));
    this.deriveKeys(pre);
    if (this.certificateRequested) {
      const signature = ecdsaP256Sign(this.config.certificate.privateKey, concatBytes(...this.transcript));
      items.push(this.record(HandshakeType.CertificateVerify, serializeDigitallySigned({ signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature })));
    }
    items.push({ kind: 'ccs', epoch: 0 });
    items.push(this.record(HandshakeType.Finished, finishedVerifyData(suite, this.masterSecretOrFail(), 'client finished', this.transcriptHash()), 1));
    this.state = 'wait-ccs';
    this.host.sendFlight(items, false);
  }

  // ---------------------------------------------------------------- server

  private serverMessage(msg: HandshakeMessage): void {
    switch (this.state) {
      case 'wait-client-hello': {
        this.expectType(msg, HandshakeType.ClientHello);
        this.onClientHello(msg);
        return;
      }
      case 'wait-certificate': {
        this.expectType(msg, HandshakeType.Certificate);
        this.addPeer(msg);
        const chain = parseCertificateMessage(msg.body);
        if (chain.length === 0) fail(AlertDescription.handshake_failure, 'client sent no certificate; one is required');
        this.onPeerCertificate(chain);
        this.state = 'wait-client-key-exchange';
        return;
      }
      case 'wait-client-key-exchange': {
        this.expectType(msg, HandshakeType.ClientKeyExchange);
        this.addPeer(msg);
        const own = this.ecdhe;
        if (!own) fail(AlertDescription.internal_error, 'missing server key share');
        this.deriveKeys(this.sharedSecret(own, parseClientKeyExchange(msg.body)));
        this.ecdhe = undefined; // the ephemeral private key is not needed again
        this.state = this.peerCertificate ? 'wait-certificate-verify' : 'wait-ccs';
        return;
      }
      case 'wait-certificate-verify': {
        this.expectType(msg, HandshakeType.CertificateVerify);
        const ds = parseDigitallySigned(msg.body);
        this.verifySignature(ds.signatureScheme, concatBytes(...this.transcript), ds.signature, 'CertificateVerify');
        this.addPeer(msg);
        this.state = 'wait-ccs';
        return;
      }
      case 'wait-finished': {
        this.expectType(msg, HandshakeType.Finished);
        this.checkFinished(msg, 'client finished');
        const suite = this.suite;
        if (!suite) fail(AlertDescription.internal_error, 'no suite');
        const fin = this.record(HandshakeType.Finished, finishedVerifyData(suite, this.masterSecretOrFail(), 'server finished', this.transcriptHash()), 1);
        this.finish();
        this.host.sendFlight([{ kind: 'ccs', epoch: 0 }, fin], true);
        return;
      }
      default:
        fail(AlertDescription.unexpected_message, `unexpected handshake message ${msg.msgType} in state ${this.state}`);
    }
  }

  private onClientHello(msg: HandshakeMessage): void {
    const ch = parseClientHello(msg.body);
    const c = this.config;
    // DTLS versions count down (1.0 = 0xfeff, 1.2 = 0xfefd); a DTLS 1.3 client still says
    // 1.2 here and lists 1.3 in supported_versions (RFC 9147 5.3, RFC 8446 4.2.1).
    const sv = findExtension(ch.extensions, ExtensionType.supported_versions);
    if ((ch.version & 0xff00) !== 0xfe00) fail(AlertDescription.protocol_version, `client_version 0x${ch.version.toString(16)} is not DTLS`);
    if (sv) {
      if (!parseClientSupportedVersions(sv.data).includes(DtlsVersion.Dtls12)) fail(AlertDescription.protocol_version, 'client does not offer DTLS 1.2');
    } else if (ch.version > DtlsVersion.Dtls12) fail(AlertDescription.protocol_version, 'client offers only DTLS 1.0');
    if (c.cookieSecret) {
      if (!checkCookie(c.cookieSecret, ch, c.cookieContext)) {
        const cookie = makeCookie(c.cookieSecret, ch, c.cookieContext);
        const body = serializeHelloVerifyRequest({ version: DtlsVersion.Dtls10, cookie });
        this.host.sendStateless([{ kind: 'handshake', epoch: 0, msgType: HandshakeType.HelloVerifyRequest, messageSeq: msg.messageSeq, body }]);
        this.host.expectMessageSeq(msg.messageSeq + 1);
        return;
      }
    }
    const suite = c.suites.find((s) => ch.cipherSuites.includes(s.id));
    if (!suite) fail(AlertDescription.handshake_failure, 'no cipher suite in common');
    if (!ch.compressionMethods.includes(0)) fail(AlertDescription.illegal_parameter, 'client does not offer null compression');
    if (!findExtension(ch.extensions, ExtensionType.extended_master_secret)) fail(AlertDescription.handshake_failure, 'client did not offer extended_master_secret (RFC 7627 is required)');
    const sg = findExtension(ch.extensions, ExtensionType.supported_groups);
    const offeredGroups = sg ? parseSupportedGroups(sg.data) : [NamedGroup.secp256r1];
    const group = c.groups.find((g) => offeredGroups.includes(g));
    if (group === undefined) fail(AlertDescription.handshake_failure, 'no ECDHE group in common');
    const sa = findExtension(ch.extensions, ExtensionType.signature_algorithms);
    if (!sa || !parseSignatureAlgorithms(sa.data).includes(SignatureScheme.ecdsa_secp256r1_sha256)) fail(AlertDescription.handshake_failure, 'client does not accept ecdsa_secp256r1_sha256 signatures');
    const reneg = findExtension(ch.extensions, ExtensionType.renegotiation_info);
    if (reneg && !bytesEqual(reneg.data, Uint8Array.of(0))) fail(AlertDescription.handshake_failure, 'non-empty renegotiation_info in initial handshake');
    const secureReneg = reneg !== undefined || ch.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV);
    const us = findExtension(ch.extensions, ExtensionType.use_srtp);
    if (us) {
      const offered = parseUseSrtp(us.data).profiles;
      this.srtpProfile = c.srtpProfiles.find((p) => offered.includes(p));
    }
    this.clientRandom = ch.random;
    this.suite = suite;
    this.group = group;
    this.config.rng.fill(this.serverRandom);
    if (c.supportsDtls13 && sv && parseClientSupportedVersions(sv.data).includes(DtlsVersion.Dtls13)) this.serverRandom.set(DOWNGRADE_SENTINEL_TLS12, 24);
    this.sendSeq = msg.messageSeq;
    this.transcript = [];
    this.addPeer(msg);

    const extensions: Extension[] = [];
    if (secureReneg) extensions.push(renegotiationInfoExtension());
    extensions.push(extendedMasterSecretExtension());
    if (this.srtpProfile !== undefined) extensions.push(useSrtpExtension({ profiles: [this.srtpProfile], mki: new Uint8Array(0) }));
    if (findExtension(ch.extensions, ExtensionType.ec_point_formats)) extensions.push(ecPointFormatsExtension());
    const items: FlightItem[] = [];
    items.push(
      this.record(
        HandshakeType.ServerHello,
        serializeServerHello({ version: DtlsVersion.Dtls12, random: this.serverRandom, sessionId: new Uint8Array(0), cipherSuite: suite.id, compressionMethod: 0, extensions }),
      ),
    );
    items.push(this.record(HandshakeType.Certificate, serializeCertificateMessage([c.certificate.der])));
    this.ecdhe = generateEcdheKeyPair(group, c.rng);
    const params = serializeEcdhParams(group, this.ecdhe.publicKey);
    const signature = ecdsaP256Sign(c.certificate.privateKey, concatBytes(this.clientRandom, this.serverRandom, params));
    items.push(
      this.record(
        HandshakeType.ServerKeyExchange,
        serializeServerKeyExchange({ namedGroup: group, publicKey: this.ecdhe.publicKey, signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature }),
      ),
    );
    if (c.requireClientCertificate) {
      items.push(
        this.record(
          HandshakeType.CertificateRequest,
          serializeCertificateRequest({ certificateTypes: [CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN], signatureSchemes: [SignatureScheme.ecdsa_secp256r1_sha256], authorities: new Uint8Array(0) }),
        ),
      );
    }
    items.push(this.record(HandshakeType.ServerHelloDone, new Uint8Array(0)));
    this.state = c.requireClientCertificate ? 'wait-certificate' : 'wait-client-key-exchange';
    this.host.sendFlight(items, false);
  }

  // ---------------------------------------------------------------- shared

  /** The peer's ChangeCipherSpec arrived; true when it was expected (then epoch 1 reads begin). */
  handleChangeCipherSpec(): boolean {
    if (this.state !== 'wait-ccs' || !this.pendingRead) return false;
    this.state = 'wait-finished';
    return true;
  }

  private onPeerCertificate(chain: readonly Uint8Array[]): void {
    const leaf = chain[0];
    if (!leaf) fail(AlertDescription.handshake_failure, 'peer sent an empty certificate list');
    const fps = this.config.remoteFingerprints;
    if (fps.length > 0 && !fps.some((fp) => fingerprintMatches(leaf, fp))) {
      const got = certificateFingerprint(leaf, fps[0]?.algorithm ?? 'sha-256');
      fail(AlertDescription.bad_certificate, `peer certificate fingerprint ${got.algorithm} ${got.value} does not match the expected ${fps.map((f) => `${f.algorithm} ${f.value}`).join(' or ')}`);
    }
    try {
      this.peerPublicKey = certificateP256PublicKey(leaf);
    } catch (e) {
      fail(AlertDescription.unsupported_certificate, `peer certificate unusable: ${(e as Error).message}`);
    }
    this.peerCertificate = leaf;
  }

  private verifySignature(scheme: number, data: Uint8Array, signature: Uint8Array, what: string): void {
    const key = this.peerPublicKey;
    if (!key) fail(AlertDescription.unexpected_message, `${what} before Certificate`);
    let hashName: 'sha256' | 'sha384';
    if (scheme === SignatureScheme.ecdsa_secp256r1_sha256) hashName = 'sha256';
    else if (scheme === SignatureScheme.ecdsa_secp384r1_sha384) hashName = 'sha384';
    else fail(AlertDescription.illegal_parameter, `${what}: unsupported signature scheme 0x${scheme.toString(16)}`);
    if (!ecdsaP256Verify(key, data, signature, hashName)) fail(AlertDescription.decrypt_error, `${what}: signature does not verify`);
  }

  private sharedSecret(own: EcdheKeyPair, peer: Uint8Array): Uint8Array {
    try {
      return ecdheSharedSecret(own, peer);
    } catch (e) {
      fail(AlertDescription.illegal_parameter, (e as Error).message);
    }
  }

  private deriveKeys(preMasterSecret: Uint8Array): void {
    const suite = this.suite;
    if (!suite) fail(AlertDescription.internal_error, 'no suite');
    this.masterSecret = extendedMasterSecret(suite, preMasterSecret, this.transcriptHash());
    const kb = keyBlock(suite, this.masterSecret, this.clientRandom, this.serverRandom);
    const clientW = new AeadRecordCipher(suite, kb.clientWriteKey, kb.clientWriteIv);
    const serverW = new AeadRecordCipher(suite, kb.serverWriteKey, kb.serverWriteIv);
    const [write, read] = this.config.role === 'client' ? [clientW, serverW] : [serverW, clientW];
    this.pendingRead = read;
    this.host.installEpoch1(write, read);
  }

  /** Handshake complete: drop what only the handshake needed (transcript, peer key share). */
  private finish(): void {
    this.state = 'done';
    this.transcript = [];
    this.peerEcdhePublic = undefined;
    this.pendingRead = undefined;
  }

  private masterSecretOrFail(): Uint8Array {
    if (!this.masterSecret) fail(AlertDescription.internal_error, 'no master secret');
    return this.masterSecret;
  }

  private checkFinished(msg: HandshakeMessage, label: 'client finished' | 'server finished'): void {
    const suite = this.suite;
    if (!suite) fail(AlertDescription.internal_error, 'no suite');
    const expected = finishedVerifyData(suite, this.masterSecretOrFail(), label, this.transcriptHash());
    if (!constantTimeEqual(parseFinished(msg.body), expected)) fail(AlertDescription.decrypt_error, 'Finished verify_data does not match');
    this.addPeer(msg);
  }

  /** Suite lookup for callers holding only an id. */
  static suite(id: number): SuiteParameters | undefined {
    return suiteById(id);
  }
}
