/**
 * DTLS handshake cost (1.2, and 1.3 with X25519MLKEM768): purertc client+server in one process over an in-memory link
 * (sans-IO, no timers), next to werift's DtlsClient/DtlsServer in the same process over
 * an in-memory transport. Also the cost of each primitive a handshake uses.
 *
 *   npx tsx bench/dtls.ts
 */
import { performance } from 'node:perf_hooks';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, generateKeyPairSync, diffieHellman } from 'node:crypto';
import { privateKeyToPkcs8 } from '../src/crypto/x509.js';
import { DtlsClient, DtlsServer } from 'werift';
import { DtlsEndpoint } from '../src/dtls/endpoint.js';
import { generateCertificate, certificateFingerprint, certificateToPem, privateKeyToPem } from '../src/crypto/x509.js';
import { secureRandom } from '../src/common/random.js';
import { ecdsaP256Sign, ecdsaP256Verify } from '../src/crypto/ecdsa.js';
import { NamedGroup, ecdheSharedSecret, generateEcdheKeyPair } from '../src/crypto/ecdh.js';
import { tls12Prf } from '../src/crypto/prf.js';
import { sha256 } from '../src/crypto/hash.js';
import { p256 } from '@noble/curves/nist.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { aesGcmSeal } from '../src/crypto/cipher.js';

const cc = generateCertificate({ notBefore: new Date(), rng: secureRandom });
const sc = generateCertificate({ notBefore: new Date(), rng: secureRandom });

function oursOnce(group: 'x25519' | 'secp256r1', dtls13 = false): void {
  const client = new DtlsEndpoint({ role: 'client', certificate: cc, remoteFingerprints: [certificateFingerprint(sc.der)], groups: [group], dtls13 });
  const server = new DtlsEndpoint({ role: 'server', certificate: sc, remoteFingerprints: [certificateFingerprint(cc.der)], groups: [group], dtls13 });
  client.start(0);
  server.start(0);
  for (let i = 0; i < 20 && !(client.state === 'connected' && server.state === 'connected'); i++) {
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) server.handleInput(i, d);
    for (let d = server.pollTransmit(); d; d = server.pollTransmit()) client.handleInput(i, d);
  }
  if (client.state !== 'connected' || server.state !== 'connected') throw new Error('handshake did not complete');
}

function rate(label: string, seconds: number, f: () => void): number {
  for (let i = 0; i < 5; i++) f();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    f();
    n++;
  }
  const per = (performance.now() - start) / n;
  console.log(`${label.padEnd(48)} ${(1000 / per).toFixed(1).padStart(9)} /s   ${per.toFixed(3).padStart(8)} ms each`);
  return 1000 / per;
}

async function weriftHandshakes(concurrency: number): Promise<number> {
  const cert = certificateToPem(cc.der);
  const key = privateKeyToPem(cc.privateKey, cc.publicKey);
  const one = async (): Promise<void> => {
    const mk = () => ({ type: 'udp', address: {}, closed: false, onData: (_d: Buffer, _a: unknown) => {}, send: async (_d: Buffer) => {}, close: async () => {} });
    const tc = mk();
    const ts = mk();
    tc.send = async (d: Buffer) => void setImmediate(() => ts.onData(d, {}));
    ts.send = async (d: Buffer) => void setImmediate(() => tc.onData(d, {}));
    const opts = { cert, key, certificateRequest: true, extendedMasterSecret: true, srtpProfiles: [7 as never], signatureHash: { hash: 4, signature: 3 } as never };
    const server = new DtlsServer({ transport: ts as never, ...opts });
    const client = new DtlsClient({ transport: tc as never, ...opts });
    await client.connect();
    while (!server.connected) await new Promise((r) => setImmediate(r));
    client.close();
    server.close();
  };
  await one();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, one));
  const ms = performance.now() - start;
  return (concurrency * 1000) / ms;
}

async function main(): Promise<void> {
  console.log('primitives (one call):');
  const kp = generateEcdheKeyPair(NamedGroup.secp256r1, secureRandom);
  const xk = generateEcdheKeyPair(NamedGroup.x25519, secureRandom);
  const msg = new Uint8Array(600);
  const sig = ecdsaP256Sign(cc.privateKey, msg);
  rate('ECDSA P-256 sign (RFC 6979, k*G on node:crypto)', 0.5, () => ecdsaP256Sign(cc.privateKey, msg));
  rate('ECDSA P-256 verify (node:crypto)', 0.5, () => ecdsaP256Verify(cc.publicKey.slice(), msg, sig));
  rate('ECDHE X25519 keygen+shared (node:crypto)', 0.5, () => ecdheSharedSecret(generateEcdheKeyPair(NamedGroup.x25519, secureRandom), xk.publicKey.slice()));
  rate('ECDHE P-256 keygen+shared (node:crypto)', 0.5, () => ecdheSharedSecret(generateEcdheKeyPair(NamedGroup.secp256r1, secureRandom), kp.publicKey.slice()));
  const digest = sha256(msg);
  rate('  for comparison: @noble/curves ECDSA P-256 sign', 0.5, () => p256.sign(digest, cc.privateKey, { prehash: false, format: 'der', lowS: false }));
  rate('  for comparison: @noble/curves ECDSA P-256 verify', 0.5, () => p256.verify(sig, digest, cc.publicKey, { prehash: false, format: 'der', lowS: false }));
  rate('  for comparison: @noble/curves X25519 keygen+shared', 0.5, () => x25519.getSharedSecret(x25519.utils.randomSecretKey(), xk.publicKey));
  rate('  for comparison: @noble/curves P-256 keygen+shared', 0.5, () => p256.getSharedSecret(p256.utils.randomSecretKey(), kp.publicKey));
  const nodePriv = createPrivateKey({ key: Buffer.from(privateKeyToPkcs8(cc.privateKey, cc.publicKey)), format: 'der', type: 'pkcs8' });
  const nodePub = createPublicKey(nodePriv);
  rate('  for comparison: node:crypto ECDSA P-256 sign', 0.5, () => nodeSign('sha256', msg, nodePriv));
  rate('  for comparison: node:crypto ECDSA P-256 verify', 0.5, () => nodeVerify('sha256', msg, nodePub, Buffer.from(sig)));
  const peerX = generateKeyPairSync('x25519');
  rate('  for comparison: node:crypto X25519 keygen+shared', 0.5, () => diffieHellman({ privateKey: generateKeyPairSync('x25519').privateKey, publicKey: peerX.publicKey }));
  rate('TLS PRF SHA-256, 48 bytes (node:crypto HMAC)', 0.3, () => tls12Prf('sha256', msg.subarray(0, 48), 'master secret', msg.subarray(0, 64), 48));
  rate('AES-128-GCM seal 1200 bytes (node:crypto)', 0.3, () => aesGcmSeal(msg.subarray(0, 16), msg.subarray(0, 12), msg.subarray(0, 13), new Uint8Array(1200)));
  rate('certificate generation (P-256 keygen + sign)', 0.5, () => generateCertificate({ notBefore: new Date(), rng: secureRandom }));
  console.log('\nfull handshakes, client+server in one process (mutual auth, EMS, use_srtp):');
  rate('purertc DTLS 1.2 x25519', 3, () => oursOnce('x25519'));
  rate('purertc DTLS 1.2 secp256r1', 3, () => oursOnce('secp256r1'));
  rate('purertc DTLS 1.3 X25519MLKEM768', 3, () => oursOnce('x25519', true));
  for (const c of [1, 20, 100]) {
    const r = await weriftHandshakes(c);
    console.log(`${`werift 0.25.2 DTLS 1.2, ${c} concurrent`.padEnd(48)} ${r.toFixed(1).padStart(9)} /s`);
  }
}

await main();
