/**
 * Test-only minimal DTLS 1.3 client built from our own codecs and key schedule, so the
 * DTLS 1.3 server session can be driven on a virtual clock (ACKs, retransmission, data,
 * exporter agreement, hostile input). Interop truth comes from Chrome
 * (interop-chrome.test.ts); this is the deterministic harness beside it.
 */
import { Writer, concatBytes } from '../../src/common/bytes.js';
import { seededRandom } from '../../src/common/random.js';
import { hash, hmac } from '../../src/crypto/hash.js';
import { ecdsaP256Sign } from '../../src/crypto/ecdsa.js';
import { x25519Mlkem768ClientDecapsulate, x25519Mlkem768ClientShare } from '../../src/crypto/hybrid-kem.js';
import type { Certificate } from '../../src/crypto/x509.js';
import { ContentType, ExtensionType, HandshakeType, SignatureScheme } from '../../src/dtls/constants.js';
import { findExtension, signatureAlgorithmsExtension, supportedGroupsExtension, useSrtpExtension } from '../../src/dtls/extensions.js';
import type { Extension } from '../../src/dtls/extensions.js';
import { parseServerHello, serializeClientHello } from '../../src/dtls/hello.js';
import { serializeDigitallySigned } from '../../src/dtls/messages12.js';
import { parseAck, serializeCertificate13, transcriptMessage } from '../../src/dtls/messages13.js';
import { applicationSecrets, exportKeyingMaterial13, finishedKey, handshakeSecrets, trafficKeys } from '../../src/dtls/keys13.js';
import type { ApplicationSecrets } from '../../src/dtls/keys13.js';
import { CONTENT_TYPE_ACK, RecordLayer13, parseRecords13 } from '../../src/dtls/record13.js';
import { buildFlightDatagrams } from '../../src/dtls/flight.js';
import type { FlightItem } from '../../src/dtls/flight.js';
import { fragmentMessage, parseFragments, serializeFragment } from '../../src/dtls/fragment.js';
import { HandshakeReassembler } from '../../src/dtls/reassembly.js';
import { serializeRecord } from '../../src/dtls/record.js';

const PAD = new Uint8Array(64).fill(0x20);

export class TestClient13 {
  readonly records = new RecordLayer13();
  readonly outbox: Uint8Array[] = [];
  readonly received: Uint8Array[] = [];
  acks: [number, number][][] = [];
  serverMessages: number[] = [];
  connected = false;
  private readonly share = x25519Mlkem768ClientShare(seededRandom(77));
  private transcript: Uint8Array[] = [];
  private readonly reassembler = new HandshakeReassembler(0);
  private hsClientSecret: Uint8Array | undefined;
  private app: ApplicationSecrets | undefined;
  private readonly cert: Certificate;
  private finalFlight: FlightItem[] = [];
  readonly clientHelloRecord: Uint8Array;

  constructor(cert: Certificate) {
    this.cert = cert;
    const exts: Extension[] = [
      { type: ExtensionType.supported_versions, data: Uint8Array.of(2, 0xfe, 0xfc) },
      supportedGroupsExtension([0x11ec, 0x001d]),
      signatureAlgorithmsExtension([SignatureScheme.ecdsa_secp256r1_sha256]),
      { type: ExtensionType.key_share, data: new Writer().u16(4 + this.share.share.length).u16(0x11ec).u16(this.share.share.length).bytes(this.share.share).finish() },
      useSrtpExtension({ profiles: [7, 1], mki: new Uint8Array(0) }),
    ];
    const body = serializeClientHello({ version: 0xfefd, random: seededRandom(78).fill(new Uint8Array(32)), sessionId: new Uint8Array(0), cookie: new Uint8Array(0), cipherSuites: [0x1301], compressionMethods: [0], extensions: exts });
    this.transcript.push(transcriptMessage(HandshakeType.ClientHello, body));
    this.clientHelloRecord = serializeRecord({ contentType: ContentType.Handshake, version: 0xfefd, epoch: 0, sequenceNumber: 0, fragment: serializeFragment(fragmentMessage(HandshakeType.ClientHello, 0, body, 5000)[0]!) });
    this.outbox.push(this.clientHelloRecord);
  }

  handle(datagram: Uint8Array): void {
    for (const r of parseRecords13(datagram)) {
      const o = this.records.open(r, [3, 2]);
      if (!o) continue;
      if (o.contentType === CONTENT_TYPE_ACK) {
        this.acks.push(parseAck(o.plaintext));
        this.connected = true;
        continue;
      }
      if (o.contentType === ContentType.ApplicationData) {
        this.received.push(o.plaintext.slice());
        continue;
      }
      if (o.contentType !== ContentType.Handshake) continue;
      for (const f of parseFragments(o.plaintext)) this.reassembler.add(f);
      for (let m = this.reassembler.next(); m; m = this.reassembler.next()) {
        this.serverMessages.push(m.msgType);
        if (m.msgType === HandshakeType.ServerHello) {
          const sh = parseServerHello(m.body);
          const ks = findExtension(sh.extensions, ExtensionType.key_share)!.data;
          const shared = x25519Mlkem768ClientDecapsulate(this.share, ks.subarray(4));
          this.transcript.push(transcriptMessage(m.msgType, m.body));
          const hs = handshakeSecrets('sha256', shared, hash('sha256', ...this.transcript));
          this.hsClientSecret = hs.clientHandshakeTrafficSecret;
          this.records.setReadKeys(2, 'aes-128-gcm', trafficKeys('sha256', hs.serverHandshakeTrafficSecret, 16));
          this.records.setWriteKeys(2, 'aes-128-gcm', trafficKeys('sha256', hs.clientHandshakeTrafficSecret, 16));
          this.hs = hs;
          continue;
        }
        this.transcript.push(transcriptMessage(m.msgType, m.body));
        if (m.msgType === HandshakeType.Finished && this.hs) {
          this.app = applicationSecrets('sha256', this.hs, hash('sha256', ...this.transcript));
          this.records.setReadKeys(3, 'aes-128-gcm', trafficKeys('sha256', this.app.serverApplicationTrafficSecret, 16));
          this.records.setWriteKeys(3, 'aes-128-gcm', trafficKeys('sha256', this.app.clientApplicationTrafficSecret, 16));
          this.sendFinalFlight();
        }
      }
    }
  }

  private hs: ReturnType<typeof handshakeSecrets> | undefined;

  private sendFinalFlight(): void {
    let seq = 1; // the client's ClientHello was message_seq 0
    const items: FlightItem[] = [];
    const add = (msgType: number, body: Uint8Array): void => {
      items.push({ kind: 'handshake', epoch: 2, msgType, messageSeq: seq++, body });
      this.transcript.push(transcriptMessage(msgType, body));
    };
    add(HandshakeType.Certificate, serializeCertificate13(new Uint8Array(0), [this.cert.der]));
    const signed = concatBytes(PAD, new TextEncoder().encode('TLS 1.3, client CertificateVerify'), Uint8Array.of(0), hash('sha256', ...this.transcript));
    add(HandshakeType.CertificateVerify, serializeDigitallySigned({ signatureScheme: 0x0403, signature: ecdsaP256Sign(this.cert.privateKey, signed) }));
    add(HandshakeType.Finished, hmac('sha256', finishedKey('sha256', this.hsClientSecret!), hash('sha256', ...this.transcript)));
    this.finalFlight = items;
    this.resendFinalFlight();
  }

  resendFinalFlight(): void {
    for (const d of buildFlightDatagrams(this.finalFlight, 1200, this.records)) this.outbox.push(d);
  }

  send(data: Uint8Array): void {
    this.outbox.push(this.records.seal(ContentType.ApplicationData, 3, data)!);
  }

  exporter(label: string, length: number): Uint8Array {
    return exportKeyingMaterial13('sha256', this.app!.exporterMasterSecret, label, new Uint8Array(0), length);
  }
}
