/**
 * Interop with werift 0.25.2's DTLS (`DtlsClient`, `DtlsServer`): both roles, each
 * group, each SRTP profile werift has, with the SRTP keys each side derives from the
 * RFC 5764 4.2 exporter compared byte for byte. werift keeps its own real timers, so
 * this in-memory bridge drives our endpoint with real time too (no sockets).
 */
import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { DtlsClient, DtlsServer } from 'werift';
import { DtlsEndpoint, DTLS_SRTP_EXPORTER_LABEL } from '../../src/dtls/endpoint.js';
import type { DtlsEvent, DtlsEndpointOptions } from '../../src/dtls/endpoint.js';
import type { SrtpProfileName } from '../../src/dtls/constants.js';
import { SRTP_KEY_LENGTHS, SrtpProtectionProfile } from '../../src/dtls/constants.js';
import { certificateFingerprint, certificateToPem, privateKeyToPem, pemToDer } from '../../src/crypto/x509.js';
import { toHex } from '../../src/common/hex.js';
import { testCertificate } from './harness.js';
import { srtpExporterLength, srtpKeysFromExporter } from '../../src/srtp/dtls-keys.js';

/** Our SRTP keys from a connected endpoint: its exporter, split by src/srtp (RFC 5764 4.2). */
function srtpKeyingMaterial(endpoint: DtlsEndpoint) {
  const profile = endpoint.negotiated!.srtpProfile!;
  const material = endpoint.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, srtpExporterLength(profile));
  const { local, remote } = srtpKeysFromExporter(profile, material, endpoint.role);
  return { profile, localMasterKey: local.masterKey, localMasterSalt: local.masterSalt, remoteMasterKey: remote.masterKey, remoteMasterSalt: remote.masterSalt };
}

const ours = testCertificate(21);
const theirs = testCertificate(22);

/** Bridges werift's Transport to our endpoint with real timers. */
class Bridge {
  readonly events: DtlsEvent[] = [];
  readonly endpoint: DtlsEndpoint;
  private timer: NodeJS.Timeout | undefined;
  closed = false;
  readonly transport = {
    type: 'udp',
    address: { address: '127.0.0.1', family: 'IPv4', port: 1 },
    closed: false,
    onData: (_data: Buffer, _addr: unknown): void => {},
    send: async (data: Buffer): Promise<void> => {
      if (this.closed) return;
      const copy = new Uint8Array(data);
      setImmediate(() => {
        if (this.closed) return;
        this.endpoint.handleInput(performance.now(), copy);
        this.flush();
      });
    },
    close: async (): Promise<void> => {},
  };

  constructor(opts: DtlsEndpointOptions) {
    this.endpoint = new DtlsEndpoint(opts);
  }

  flush(): void {
    for (let d = this.endpoint.pollTransmit(); d; d = this.endpoint.pollTransmit()) {
      const buf = Buffer.from(d);
      setImmediate(() => {
        if (!this.closed) this.transport.onData(buf, { address: '127.0.0.1', port: 2 });
      });
    }
    for (let e = this.endpoint.pollEvent(); e; e = this.endpoint.pollEvent()) this.events.push(e);
    if (this.timer) clearTimeout(this.timer);
    const at = this.endpoint.pollTimeout();
    if (at !== undefined && !this.closed) {
      this.timer = setTimeout(() => {
        this.endpoint.handleTimeout(performance.now());
        this.flush();
      }, Math.max(0, at - performance.now()));
    }
  }

  async waitFor(pred: (e: DtlsEvent) => boolean, timeoutMs = 10_000): Promise<DtlsEvent> {
    const start = performance.now();
    for (;;) {
      const e = this.events.find(pred);
      if (e) return e;
      if (performance.now() - start > timeoutMs) throw new Error(`timeout; events ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

describe('DTLS 1.3 offer against werift (1.2 only)', () => {
  it('our client offering DTLS 1.3 settles on 1.2 with werift DtlsServer', async () => {
    const bridge = new Bridge({ role: 'client', certificate: ours, remoteFingerprints: [certificateFingerprint(theirs.der)], dtls13: true });
    const server = new DtlsServer({
      transport: bridge.transport as never,
      cert: certificateToPem(theirs.der), key: privateKeyToPem(theirs.privateKey, theirs.publicKey),
      certificateRequest: true, srtpProfiles: [7 as never], extendedMasterSecret: true,
      signatureHash: { hash: 4, signature: 3 } as never,
    });
    try {
      bridge.endpoint.start(performance.now());
      bridge.flush();
      const ev = await bridge.waitFor((e) => e.type === 'connected' || e.type === 'closed');
      expect(ev).toMatchObject({ type: 'connected', version: 'DTLS 1.2' });
      while (!server.connected) await new Promise((r) => setTimeout(r, 5));
      const w = server.extractSessionKeys(16, 12);
      expect(toHex(srtpKeyingMaterial(bridge.endpoint).localMasterKey)).toBe(w.remoteKey.toString('hex'));
    } finally {
      bridge.stop();
      server.close();
    }
  });
});

const PROFILES: [SrtpProfileName, number][] = [
  ['SRTP_AEAD_AES_128_GCM', SrtpProtectionProfile.SRTP_AEAD_AES_128_GCM],
  ['SRTP_AES128_CM_HMAC_SHA1_80', SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80],
];

function ourSrtpKeys(ep: DtlsEndpoint, profile: SrtpProfileName): { clientKey: string; serverKey: string; clientSalt: string; serverSalt: string } {
  const { keyLength: k, saltLength: s } = SRTP_KEY_LENGTHS[profile];
  const m = ep.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (k + s));
  return {
    clientKey: toHex(m.subarray(0, k)),
    serverKey: toHex(m.subarray(k, 2 * k)),
    clientSalt: toHex(m.subarray(2 * k, 2 * k + s)),
    serverSalt: toHex(m.subarray(2 * k + s)),
  };
}

describe('DTLS 1.2 against werift', () => {
  for (const [profile, profileId] of PROFILES) {
    for (const group of ['x25519', 'secp256r1'] as const) {
      it(`our client -> werift DtlsServer, ${group}, ${profile}`, async () => {
        const bridge = new Bridge({
          role: 'client', certificate: ours, remoteFingerprints: [certificateFingerprint(theirs.der)],
          groups: [group], srtpProfiles: [profile],
        });
        const server = new DtlsServer({
          transport: bridge.transport as never,
          cert: certificateToPem(theirs.der), key: privateKeyToPem(theirs.privateKey, theirs.publicKey),
          certificateRequest: true, srtpProfiles: [profileId as never], extendedMasterSecret: true,
          signatureHash: { hash: 4, signature: 3 } as never, // sha256, ecdsa (RFC 5246 7.4.1.4.1)
        });
        const received: string[] = [];
        server.onData.subscribe((d: Buffer) => received.push(d.toString()));
        try {
          bridge.endpoint.start(performance.now());
          bridge.flush();
          const ev = await bridge.waitFor((e) => e.type === 'connected' || e.type === 'closed');
          expect(ev).toMatchObject({ type: 'connected', cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', group, srtpProfile: profile });
          while (!server.connected) await new Promise((r) => setTimeout(r, 5));
          const { keyLength: k, saltLength: s } = SRTP_KEY_LENGTHS[profile];
          const w = server.extractSessionKeys(k, s);
          const o = ourSrtpKeys(bridge.endpoint, profile);
          // werift names keys local/remote; it is the server here.
          expect(w.localKey.toString('hex')).toBe(o.serverKey);
          expect(w.localSalt.toString('hex')).toBe(o.serverSalt);
          expect(w.remoteKey.toString('hex')).toBe(o.clientKey);
          expect(w.remoteSalt.toString('hex')).toBe(o.clientSalt);
          const mine = srtpKeyingMaterial(bridge.endpoint);
          expect(mine.profile).toBe(profile);
          expect(toHex(mine.localMasterKey)).toBe(w.remoteKey.toString('hex'));
          expect(toHex(mine.localMasterSalt)).toBe(w.remoteSalt.toString('hex'));
          expect(toHex(mine.remoteMasterKey)).toBe(w.localKey.toString('hex'));
          expect(toHex(mine.remoteMasterSalt)).toBe(w.localSalt.toString('hex'));
          expect(toHex(new Uint8Array(server.remoteCertificate ?? []))).toBe(toHex(ours.der));
          bridge.endpoint.send(new TextEncoder().encode('to-werift'));
          bridge.flush();
          await server.send(Buffer.from('to-purertc'));
          const data = await bridge.waitFor((e) => e.type === 'data');
          expect(data.type === 'data' && new TextDecoder().decode(data.data)).toBe('to-purertc');
          for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
          expect(received).toEqual(['to-werift']);
        } finally {
          bridge.stop();
          server.close();
        }
      });

      it(`werift DtlsClient -> our server, ${group}, ${profile}`, async () => {
        const bridge = new Bridge({
          role: 'server', certificate: ours, remoteFingerprints: [certificateFingerprint(theirs.der)],
          groups: [group], srtpProfiles: [profile],
        });
        bridge.endpoint.start(performance.now());
        const client = new DtlsClient({
          transport: bridge.transport as never,
          cert: certificateToPem(theirs.der), key: privateKeyToPem(theirs.privateKey, theirs.publicKey),
          certificateRequest: true, srtpProfiles: [profileId as never], extendedMasterSecret: true,
          signatureHash: { hash: 4, signature: 3 } as never, // sha256, ecdsa (RFC 5246 7.4.1.4.1)
        });
        try {
          const connected = client.connect();
          const ev = await bridge.waitFor((e) => e.type === 'connected' || e.type === 'closed');
          expect(ev).toMatchObject({ type: 'connected', group, srtpProfile: profile });
          await connected;
          const { keyLength: k, saltLength: s } = SRTP_KEY_LENGTHS[profile];
          const w = client.extractSessionKeys(k, s);
          const o = ourSrtpKeys(bridge.endpoint, profile);
          const mine = srtpKeyingMaterial(bridge.endpoint);
          expect(toHex(mine.localMasterKey)).toBe(w.remoteKey.toString('hex'));
          expect(toHex(mine.remoteMasterSalt)).toBe(w.localSalt.toString('hex'));
          expect(w.localKey.toString('hex')).toBe(o.clientKey);
          expect(w.localSalt.toString('hex')).toBe(o.clientSalt);
          expect(w.remoteKey.toString('hex')).toBe(o.serverKey);
          expect(w.remoteSalt.toString('hex')).toBe(o.serverSalt);
          expect(ev.type === 'connected' && toHex(ev.peerCertificate)).toBe(toHex(pemToDer(certificateToPem(theirs.der))));
          await client.send(Buffer.from('hello-from-werift'));
          const data = await bridge.waitFor((e) => e.type === 'data');
          expect(data.type === 'data' && new TextDecoder().decode(data.data)).toBe('hello-from-werift');
        } finally {
          bridge.stop();
          client.close();
        }
      });
    }
  }
});
