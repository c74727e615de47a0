/**
 * @module dtls/handshake
 * The seam between the version-independent endpoint (records, epochs, reassembly,
 * retransmission: RFC 6347 4.1-4.2, RFC 9147 4-5) and a version's handshake state
 * machine (dtls/handshake12 for DTLS 1.2; DTLS 1.3's machine implements the same
 * interface). The machine sees complete, in-order handshake messages and answers with
 * flights and keys through `HandshakeHost`.
 */
import type { Fingerprint } from '../crypto/x509.js';
import type { CipherSuiteName, SrtpProfileName } from './constants.js';
import type { FlightItem } from './flight.js';
import type { AeadRecordCipher } from './keys12.js';
import type { HandshakeMessage } from './reassembly.js';

/** What a handshake machine asks of the endpoint. */
export interface HandshakeHost {
  /** Replace the current flight and send it; `final` flights are resent only when the peer repeats its last flight (RFC 6347 4.2.4). */
  sendFlight(items: FlightItem[], final: boolean): void;
  /** Send once and keep no state (HelloVerifyRequest, RFC 6347 4.2.1). */
  sendStateless(items: FlightItem[]): void;
  /** Keys for epoch 1 are known: the write side is used for items marked epoch 1, the read side after the peer's ChangeCipherSpec. */
  installEpoch1(write: AeadRecordCipher, read: AeadRecordCipher): void;
  /** Expect the peer's next handshake message with this message_seq. */
  expectMessageSeq(seq: number): void;
  /**
   * Client: the server answered in DTLS 1.3; a 1.3 session takes over from here. `retry`
   * holds ClientHello1 and the HelloRetryRequest when a cookie exchange came first.
   */
  startDtls13?(clientHello: HandshakeMessage, serverHello: HandshakeMessage, retry?: { readonly clientHello1: Uint8Array; readonly helloRetryRequest: Uint8Array }): void;
}

/** TLS 1.3 suite names (RFC 8446 B.4) as negotiated in DTLS 1.3. */
export type CipherSuiteName13 = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';
export type GroupName = 'x25519' | 'secp256r1' | 'X25519MLKEM768';

export interface HandshakeResult {
  readonly version: 'DTLS 1.2' | 'DTLS 1.3';
  readonly cipherSuite: CipherSuiteName | CipherSuiteName13;
  readonly srtpProfile: SrtpProfileName | undefined;
  readonly peerCertificate: Uint8Array;
  readonly peerFingerprint: Fingerprint;
  readonly group: GroupName;
}

export interface HandshakeMachine {
  /** True while the peer's first message may carry any message_seq (hellos, RFC 6347 4.2.2). */
  readonly waitingForHello: boolean;
  readonly done: boolean;
  /** Client: send the first flight. */
  start(): void;
  /** One complete, in-order handshake message; throws HandshakeFailure on a fatal error. */
  handleMessage(msg: HandshakeMessage): void;
  /** The peer's ChangeCipherSpec; true when it was expected (reads switch to epoch 1). */
  handleChangeCipherSpec(): boolean;
  result(): HandshakeResult | undefined;
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array | undefined;
}
