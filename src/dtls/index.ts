/**
 * @module dtls
 * DTLS 1.2 (RFC 6347) and DTLS 1.3 (RFC 9147, with the X25519MLKEM768 hybrid) with
 * DTLS-SRTP (RFC 5764): a sans-IO endpoint and the codecs it is built from. DTLS 1.3 is
 * opt-in (`dtls13: true`); the endpoint negotiates 1.2 or 1.3 with the peer.
 *
 * ```ts
 * const cert = generateCertificate({ notBefore: new Date(), rng: secureRandom });
 * const dtls = new DtlsEndpoint({ role: 'client', certificate: cert,
 *   remoteFingerprints: [parseFingerprint('sha-256 AB:CD:...')] });
 * dtls.start(now);                         // client: ClientHello goes out
 * dtls.handleInput(now, datagram);         // every DTLS datagram (first byte 20..63)
 * dtls.handleTimeout(now);                 // when pollTimeout() has passed
 * for (let d; (d = dtls.pollTransmit()); ) socket.send(d);
 * for (let e; (e = dtls.pollEvent()); ) if (e.type === 'connected') srtpKeysFromExporter(...) // purertc/srtp, RFC 5764 4.2
 * ```
 */
export { DtlsEndpoint, DEFAULT_MTU, DTLS_SRTP_EXPORTER_LABEL, MAX_APPLICATION_DATA, MAX_BUFFERED_FUTURE_RECORDS, MAX_EVENT_QUEUE, MAX_TRANSMIT_QUEUE } from './endpoint.js';
export type { DtlsEndpointOptions, DtlsEvent, DtlsState, DtlsStats } from './endpoint.js';
export {
  ContentType,
  DtlsVersion,
  HandshakeType,
  CipherSuite,
  SUITES,
  suiteById,
  SignatureScheme,
  ExtensionType,
  AlertLevel,
  AlertDescription,
  alertName,
  SrtpProtectionProfile,
  SRTP_KEY_LENGTHS,
  srtpProfileName,
} from './constants.js';
export type { CipherSuiteName, SuiteParameters, SrtpProfileName } from './constants.js';
export { parseRecords, serializeRecord, readRecord, writeRecordHeader, writeEpochAndSequence, RECORD_HEADER_LENGTH, MAX_RECORD_FRAGMENT_LENGTH, MAX_RECORDS_PER_DATAGRAM } from './record.js';
export type { DtlsRecord } from './record.js';
export { parseFragments, serializeFragment, fragmentMessage, wholeMessage, HANDSHAKE_HEADER_LENGTH, MAX_HANDSHAKE_MESSAGE_LENGTH } from './fragment.js';
export type { HandshakeFragment } from './fragment.js';
export { HandshakeReassembler, MAX_MESSAGES_AHEAD } from './reassembly.js';
export type { HandshakeMessage } from './reassembly.js';
export { ReplayWindow, REPLAY_WINDOW_SIZE } from './replay.js';
export { parseAlert, serializeAlert } from './alert.js';
export type { Alert } from './alert.js';
export { parseClientHello, serializeClientHello, parseServerHello, serializeServerHello, parseHelloVerifyRequest, serializeHelloVerifyRequest } from './hello.js';
export type { ClientHello, ServerHello, HelloVerifyRequest } from './hello.js';
export { parseExtensions, serializeExtensions, findExtension, parseUseSrtp, useSrtpExtension } from './extensions.js';
export type { Extension, UseSrtp } from './extensions.js';
export {
  parseCertificateMessage,
  serializeCertificateMessage,
  parseServerKeyExchange,
  serializeServerKeyExchange,
  parseCertificateRequest,
  serializeCertificateRequest,
  parseClientKeyExchange,
  serializeClientKeyExchange,
  parseDigitallySigned,
  serializeDigitallySigned,
} from './messages12.js';
export type { ServerKeyExchange, CertificateRequest, DigitallySigned } from './messages12.js';
export type { HandshakeResult } from './handshake.js';
export { DEFAULT_INITIAL_RTO_MS, DEFAULT_MAX_RTO_MS, DEFAULT_MAX_RETRANSMITS } from './flight.js';
export { exportKeyingMaterial12, extendedMasterSecret, keyBlock, finishedVerifyData } from './keys12.js';
export { deriveSecret, handshakeSecrets, applicationSecrets, trafficKeys, finishedKey, exportKeyingMaterial13, DTLS13_LABEL_PREFIX } from './keys13.js';
export type { HandshakeSecrets, ApplicationSecrets, TrafficKeys, LabelPrefix } from './keys13.js';
export { HandshakeFailure } from './handshake12.js';
export type { HandshakeMachine, HandshakeHost } from './handshake.js';
export { Dtls13ServerSession, chooseDtls13 } from './handshake13.js';
export type { Dtls13Choice } from './handshake13.js';
export { Dtls13ClientSession, dtls13ClientOffer, serverHelloSelectsDtls13 } from './handshake13-client.js';
export type { Dtls13ClientOffer } from './handshake13-client.js';
export { Dtls13Session, Fatal13, EPOCH_HANDSHAKE, EPOCH_APPLICATION, MAX_ACK_RECORDS, MAX_EARLY_RECORDS } from './session13.js';
export type { Dtls13Config, Dtls13Host } from './session13.js';
export { RecordLayer13, parseRecords13, reconstruct as reconstructSequenceNumber, Suites13, CONTENT_TYPE_ACK } from './record13.js';
export type { Record13, Opened13, Suite13, Aead13 } from './record13.js';
export {
  parseAck,
  serializeAck,
  parseCertificate13,
  serializeCertificate13,
  parseClientKeyShares,
  parseEncryptedExtensions,
  parseCertificateRequest13,
  transcriptMessage,
  MAX_KEY_SHARES,
  HELLO_RETRY_REQUEST_RANDOM,
} from './messages13.js';
export type { KeyShareEntry } from './messages13.js';
export type { CipherSuiteName13, GroupName } from './handshake.js';
