/**
 * The (D)TLS 1.3 key schedule (dtls/keys13) against RFC 8448 section 3's trace
 * (vectors/dtls/rfc8448-simple-1rtt.json), and the X25519MLKEM768 hybrid (crypto/
 * hybrid-kem) against Chrome 156's real key share from its captured ClientHello.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../src/common/hex.js';
import { seededRandom } from '../../src/common/random.js';
import { ProtocolError } from '../../src/common/errors.js';
import { Reader } from '../../src/common/bytes.js';
import { NamedGroup, ecdheSharedSecret } from '../../src/crypto/ecdh.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { applicationSecrets, handshakeSecrets, trafficKeys, exportKeyingMaterial13, finishedKey } from '../../src/dtls/keys13.js';
import {
  X25519MLKEM768_CLIENT_SHARE_LENGTH,
  x25519Mlkem768ClientDecapsulate,
  x25519Mlkem768ClientShare,
  x25519Mlkem768ServerEncapsulate,
} from '../../src/crypto/hybrid-kem.js';
import { parseRecords } from '../../src/dtls/record.js';
import { parseFragments } from '../../src/dtls/fragment.js';
import { HandshakeReassembler } from '../../src/dtls/reassembly.js';
import { parseClientHello } from '../../src/dtls/hello.js';
import { findExtension } from '../../src/dtls/extensions.js';
import { ExtensionType } from '../../src/dtls/constants.js';

const V = JSON.parse(readFileSync(new URL('../../vectors/dtls/rfc8448-simple-1rtt.json', import.meta.url), 'utf8')) as Record<string, string>;
const x = (k: string): Uint8Array => fromHex(V[k]!);

describe('TLS 1.3 key schedule (RFC 8448 section 3)', () => {
  it('x25519 shared secret', () => {
    const priv = x('serverX25519Private');
    expect(toHex(ecdheSharedSecret({ group: NamedGroup.x25519, privateKey: priv, publicKey: x25519.getPublicKey(priv) }, x('clientX25519Public')))).toBe(V.sharedSecret);
  });
  it('handshake and application secrets, traffic keys', () => {
    const hs = handshakeSecrets('sha256', x('sharedSecret'), x('helloHash'), 'tls13 ');
    expect(toHex(hs.earlySecret)).toBe(V.earlySecret);
    expect(toHex(hs.handshakeSecret)).toBe(V.handshakeSecret);
    expect(toHex(hs.clientHandshakeTrafficSecret)).toBe(V.clientHandshakeTrafficSecret);
    expect(toHex(hs.serverHandshakeTrafficSecret)).toBe(V.serverHandshakeTrafficSecret);
    expect(toHex(hs.derivedForMaster)).toBe(V.derivedForMaster);
    const keys = trafficKeys('sha256', hs.serverHandshakeTrafficSecret, 16, 'tls13 ');
    expect(toHex(keys.key)).toBe(V.serverHandshakeKey);
    expect(toHex(keys.iv)).toBe(V.serverHandshakeIv);
    const app = applicationSecrets('sha256', hs, x('finishedHash'), 'tls13 ');
    expect(toHex(app.masterSecret)).toBe(V.masterSecret);
    expect(toHex(app.clientApplicationTrafficSecret)).toBe(V.clientApplicationTrafficSecret);
    expect(toHex(app.serverApplicationTrafficSecret)).toBe(V.serverApplicationTrafficSecret);
    expect(toHex(app.exporterMasterSecret)).toBe(V.exporterMasterSecret);
  });
  it('the DTLS prefix changes every derived value (RFC 9147 5.9)', () => {
    const t = handshakeSecrets('sha256', x('sharedSecret'), x('helloHash'), 'tls13 ');
    const d = handshakeSecrets('sha256', x('sharedSecret'), x('helloHash'), 'dtls13');
    expect(toHex(d.earlySecret)).toBe(toHex(t.earlySecret));
    expect(toHex(d.handshakeSecret)).not.toBe(toHex(t.handshakeSecret));
    expect(finishedKey('sha256', d.clientHandshakeTrafficSecret)).toHaveLength(32);
    expect(exportKeyingMaterial13('sha256', x('exporterMasterSecret'), 'EXTRACTOR-dtls_srtp', new Uint8Array(0), 60)).toHaveLength(60);
  });
});

describe('X25519MLKEM768 (group 0x11ec)', () => {
  function chromeShare(): Uint8Array {
    const capture = JSON.parse(readFileSync(new URL('../../vectors/chromium-156/dtls-clienthello-first-flight.json', import.meta.url), 'utf8')) as { datagrams: string[] };
    const r = new HandshakeReassembler();
    for (const h of capture.datagrams) for (const rec of parseRecords(fromHex(h))) for (const f of parseFragments(rec.fragment)) r.add(f);
    const hello = parseClientHello(r.next()!.body);
    const ks = new Reader(findExtension(hello.extensions, ExtensionType.key_share)!.data);
    const end = ks.u16() + 2;
    while (ks.offset < end) {
      const group = ks.u16();
      const share = ks.bytesView(ks.u16());
      if (group === 0x11ec) return share;
    }
    throw new Error('no X25519MLKEM768 share');
  }

  it("accepts Chrome's client share and encapsulates to it", () => {
    const share = chromeShare();
    expect(share.length).toBe(X25519MLKEM768_CLIENT_SHARE_LENGTH);
    const out = x25519Mlkem768ServerEncapsulate(share, seededRandom(1));
    expect(out.share.length).toBe(1088 + 32);
    expect(out.sharedSecret.length).toBe(64);
  });
  it('client and server agree; malformed shares are remote errors', () => {
    const client = x25519Mlkem768ClientShare(seededRandom(2));
    const server = x25519Mlkem768ServerEncapsulate(client.share, seededRandom(3));
    expect(toHex(x25519Mlkem768ClientDecapsulate(client, server.share))).toBe(toHex(server.sharedSecret));
    expect(() => x25519Mlkem768ServerEncapsulate(client.share.subarray(1), seededRandom(4))).toThrow(ProtocolError);
    const badEk = client.share.slice();
    badEk.fill(0xff, 0, 384); // coefficients >= q fail the FIPS 203 modulus check
    expect(() => x25519Mlkem768ServerEncapsulate(badEk, seededRandom(4))).toThrow(ProtocolError);
    expect(() => x25519Mlkem768ClientDecapsulate(client, server.share.subarray(5))).toThrow(ProtocolError);
  });
});
