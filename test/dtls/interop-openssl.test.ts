/**
 * Interop with OpenSSL 3.0's `s_server` / `s_client -dtls1_2` over UDP on 127.0.0.1:
 * each suite, both roles, with and without cookies (`-listen`), mutual certificates,
 * use_srtp, and the RFC 5705 exporter compared with `-keymatexport`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import type { CipherSuiteName } from '../../src/dtls/constants.js';
import { certificateFingerprint, certificateToPem, pemToDer, privateKeyToPem } from '../../src/crypto/x509.js';
import { toHex } from '../../src/common/hex.js';
import { UdpDriver } from './udp-driver.js';
import { testCertificate } from './harness.js';
import { seededRandom } from '../../src/common/random.js';
import type { Socket } from 'node:dgram';

const OPENSSL_CIPHER: Record<CipherSuiteName, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

let dir = '';
const ours = testCertificate(7);
let opensslCertDer: Uint8Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'purertc-dtls-openssl-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=openssl', '-days', '2', '-keyout', join(dir, 'os-key.pem'), '-out', join(dir, 'os-cert.pem')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'our-cert.pem'), certificateToPem(ours.der));
  writeFileSync(join(dir, 'our-key.pem'), privateKeyToPem(ours.privateKey, ours.publicKey));
  opensslCertDer = pemToDer(readFileSync(join(dir, 'os-cert.pem'), 'utf8'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

class OpenSsl {
  readonly proc: ChildProcessWithoutNullStreams;
  out = '';
  constructor(args: string[]) {
    this.proc = spawn('openssl', args, { stdio: 'pipe' });
    this.proc.stdout.on('data', (d: Buffer) => (this.out += d.toString('latin1')));
    this.proc.stderr.on('data', (d: Buffer) => (this.out += d.toString('latin1')));
  }
  async waitFor(re: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const start = Date.now();
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (Date.now() - start > timeoutMs) throw new Error(`openssl: no ${re} in output:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

function exportedFrom(out: string): string {
  const m = /Keying material: ([0-9A-Fa-f]+)/.exec(out);
  if (!m) throw new Error(`no keying material in:\n${out}`);
  return (m[1] as string).toLowerCase();
}

const common = (suite: CipherSuiteName): string[] => [
  '-dtls1_2',
  '-cipher', OPENSSL_CIPHER[suite],
  '-use_srtp', 'SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80',
  '-keymatexport', 'EXTRACTOR-dtls_srtp',
  '-keymatexportlen', '60',
];

describe('DTLS 1.2 against OpenSSL 3.0', () => {
  for (const suite of Object.keys(OPENSSL_CIPHER) as CipherSuiteName[]) {
    for (const listen of [false, true]) {
      it(`our client -> s_server ${suite}${listen ? ' -listen (cookie)' : ''}`, async () => {
        const port = await freePort();
        const server = new OpenSsl([
          's_server', ...common(suite), '-accept', `127.0.0.1:${port}`,
          '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'),
          '-Verify', '1', '-CAfile', join(dir, 'our-cert.pem'),
          ...(listen ? ['-listen'] : []),
        ]);
        const driver = await UdpDriver.bind(new DtlsEndpoint({
          role: 'client', certificate: ours, remoteFingerprints: [certificateFingerprint(opensslCertDer)],
          cipherSuites: [suite],
        }));
        try {
          await server.waitFor(/ACCEPT/);
          driver.connect(port);
          const ev = await driver.waitFor((e) => e.type === 'connected' || e.type === 'closed');
          expect(ev).toMatchObject({ type: 'connected', cipherSuite: suite, srtpProfile: 'SRTP_AEAD_AES_128_GCM' });
          await server.waitFor(/Keying material: [0-9A-F]+/i);
          expect(toHex(driver.endpoint.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(exportedFrom(server.out));
          driver.send(new TextEncoder().encode('ping-from-purertc\n'));
          await server.waitFor(/ping-from-purertc/);
          server.proc.stdin.write('pong-from-openssl\n');
          const data = await driver.waitFor((e) => e.type === 'data');
          expect(data.type === 'data' && new TextDecoder().decode(data.data)).toContain('pong-from-openssl');
        } finally {
          server.kill();
          driver.close();
        }
      });

      it(`s_client -> our server ${suite}${listen ? ' (our HelloVerifyRequest)' : ''}`, async () => {
        const driver = await UdpDriver.bind(new DtlsEndpoint({
          role: 'server', certificate: ours, remoteFingerprints: [certificateFingerprint(opensslCertDer)],
          cipherSuites: [suite], cookies: listen,
        }));
        driver.listen();
        const client = new OpenSsl([
          's_client', ...common(suite), '-connect', `127.0.0.1:${driver.port}`,
          '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'),
          '-verify', '1', '-CAfile', join(dir, 'our-cert.pem'),
        ]);
        try {
          const ev = await driver.waitFor((e) => e.type === 'connected' || e.type === 'closed');
          expect(ev).toMatchObject({ type: 'connected', cipherSuite: suite, srtpProfile: 'SRTP_AEAD_AES_128_GCM' });
          await client.waitFor(/Keying material: [0-9A-F]+/i);
          expect(toHex(driver.endpoint.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(exportedFrom(client.out));
          expect(client.out).toMatch(/Verify return code: 0 \(ok\)/);
          client.proc.stdin.write('ping-from-openssl\n');
          const data = await driver.waitFor((e) => e.type === 'data');
          expect(data.type === 'data' && new TextDecoder().decode(data.data)).toBe('ping-from-openssl\n');
          driver.send(new TextEncoder().encode('pong-from-purertc\n'));
          await client.waitFor(/pong-from-purertc/);
        } finally {
          client.kill();
          driver.close();
        }
      });
    }
  }
});

describe('DTLS 1.2 against OpenSSL 3.0: fragmentation, P-256, failures', () => {
  it('small MTUs both ways (openssl -mtu 400, ours 300), secp256r1', async () => {
    const port = await freePort();
    const server = new OpenSsl([
      's_server', ...common('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), '-accept', `127.0.0.1:${port}`,
      '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'),
      '-Verify', '1', '-CAfile', join(dir, 'our-cert.pem'), '-mtu', '400', '-groups', 'P-256',
    ]);
    const sizes: number[] = [];
    const driver = await UdpDriver.bind(new DtlsEndpoint({
      role: 'client', certificate: ours, remoteFingerprints: [certificateFingerprint(opensslCertDer)], mtu: 300,
    }));
    driver.socket.on('message', (m) => sizes.push(m.length));
    try {
      await server.waitFor(/ACCEPT/);
      driver.connect(port);
      const ev = await driver.waitFor((e) => e.type === 'connected' || e.type === 'closed');
      expect(ev).toMatchObject({ type: 'connected', group: 'secp256r1' });
      await server.waitFor(/Keying material: [0-9A-F]+/i);
      expect(toHex(driver.endpoint.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(exportedFrom(server.out));
      // openssl fragmented its flight to fit its MTU: several datagrams arrived.
      expect(sizes.length).toBeGreaterThan(2);
    } finally {
      server.kill();
      driver.close();
    }
  });

  it('s_client -> our server with secp256r1 only and a 300-byte MTU on our side', async () => {
    const driver = await UdpDriver.bind(new DtlsEndpoint({
      role: 'server', certificate: ours, remoteFingerprints: [certificateFingerprint(opensslCertDer)], mtu: 300, cookies: true,
    }));
    driver.listen();
    const client = new OpenSsl([
      's_client', ...common('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'), '-connect', `127.0.0.1:${driver.port}`,
      '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'), '-groups', 'P-256',
    ]);
    try {
      const ev = await driver.waitFor((e) => e.type === 'connected' || e.type === 'closed');
      expect(ev).toMatchObject({ type: 'connected', group: 'secp256r1', cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384' });
      await client.waitFor(/Keying material: [0-9A-F]+/i);
      expect(toHex(driver.endpoint.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(exportedFrom(client.out));
    } finally {
      client.kill();
      driver.close();
    }
  });

  it('our client offering DTLS 1.3 (X25519MLKEM768 share) settles on 1.2 with s_server', async () => {
    const port = await freePort();
    const server = new OpenSsl([
      's_server', ...common('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), '-accept', `127.0.0.1:${port}`,
      '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'), '-Verify', '1', '-CAfile', join(dir, 'our-cert.pem'),
    ]);
    const driver = await UdpDriver.bind(new DtlsEndpoint({ role: 'client', certificate: ours, remoteFingerprints: [certificateFingerprint(opensslCertDer)], dtls13: true }));
    try {
      await server.waitFor(/ACCEPT/);
      driver.connect(port);
      const ev = await driver.waitFor((e) => e.type === 'connected' || e.type === 'closed');
      expect(ev).toMatchObject({ type: 'connected', version: 'DTLS 1.2' });
      await server.waitFor(/Keying material: [0-9A-F]+/i);
      expect(toHex(driver.endpoint.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(exportedFrom(server.out));
    } finally {
      server.kill();
      driver.close();
    }
  });

  it('our server refuses an s_client that sends no certificate', async () => {
    const driver = await UdpDriver.bind(new DtlsEndpoint({ role: 'server', certificate: ours }));
    driver.listen();
    const client = new OpenSsl(['s_client', ...common('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), '-connect', `127.0.0.1:${driver.port}`]);
    try {
      const ev = await driver.waitFor((e) => e.type === 'closed');
      expect(ev).toMatchObject({ type: 'closed', error: 'remote', reason: expect.stringMatching(/no certificate/) });
      await client.waitFor(/alert handshake failure|handshake failure/i);
    } finally {
      client.kill();
      driver.close();
    }
  });

  it('our client refuses s_server when its certificate does not match the SDP fingerprint', async () => {
    const port = await freePort();
    const server = new OpenSsl([
      's_server', ...common('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), '-accept', `127.0.0.1:${port}`,
      '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'),
    ]);
    const driver = await UdpDriver.bind(new DtlsEndpoint({
      role: 'client', certificate: ours, remoteFingerprints: [certificateFingerprint(ours.der)],
    }));
    try {
      await server.waitFor(/ACCEPT/);
      driver.connect(port);
      const ev = await driver.waitFor((e) => e.type === 'closed');
      expect(ev).toMatchObject({ type: 'closed', error: 'remote', reason: expect.stringMatching(/fingerprint .* does not match/) });
      await server.waitFor(/bad certificate/i);
    } finally {
      server.kill();
      driver.close();
    }
  });
});

/** A UDP relay on 127.0.0.1 that drops datagrams with a seeded probability, both ways. */
async function lossyRelay(targetPort: number, loss: number, seed: number): Promise<{ port: number; dropped: () => number; close: () => void }> {
  const rng = seededRandom(seed);
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let client: { address: string; port: number } | undefined;
  let dropped = 0;
  sock.on('message', (msg, rinfo) => {
    if (rng.float() < loss) {
      dropped++;
      return;
    }
    if (rinfo.port === targetPort) {
      if (client) sock.send(msg, client.port, client.address);
    } else {
      client = { address: rinfo.address, port: rinfo.port };
      sock.send(msg, targetPort, '127.0.0.1');
    }
  });
  return { port: sock.address().port, dropped: () => dropped, close: () => sock.close() };
}

describe('DTLS 1.2 against OpenSSL 3.0 through a lossy relay', () => {
  it('s_client -> relay (25% loss each way) -> our server: both retransmit until done', async () => {
    const driver = await UdpDriver.bind(new DtlsEndpoint({
      role: 'server', certificate: ours, remoteFingerprints: [certificateFingerprint(opensslCertDer)], initialRtoMs: 200,
    }));
    driver.listen();
    const relay = await lossyRelay(driver.port, 0.25, 4);
    const client = new OpenSsl([
      's_client', ...common('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), '-connect', `127.0.0.1:${relay.port}`,
      '-cert', join(dir, 'os-cert.pem'), '-key', join(dir, 'os-key.pem'),
    ]);
    try {
      const ev = await driver.waitFor((e) => e.type === 'connected' || e.type === 'closed', 50_000);
      expect(ev).toMatchObject({ type: 'connected' });
      await client.waitFor(/Keying material: [0-9A-F]+/i, 50_000);
      expect(toHex(driver.endpoint.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(exportedFrom(client.out));
      expect(relay.dropped()).toBeGreaterThan(0);
    } finally {
      client.kill();
      driver.close();
      relay.close();
    }
  }, 60_000);
});
