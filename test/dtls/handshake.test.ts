import { describe, expect, it } from 'vitest';
import { Pair } from './harness.js';
import { SUITES } from '../../src/dtls/constants.js';
import { bytesEqual } from '../../src/common/bytes.js';

describe('DTLS 1.2 handshake, two sans-IO endpoints on a virtual clock', () => {
  for (const suite of SUITES) {
    for (const cookies of [false, true]) {
      it(`${suite.name}${cookies ? ' with HelloVerifyRequest' : ''}`, () => {
        const p = new Pair({ cipherSuites: [suite.name] }, { cookies });
        p.start();
        expect(p.runUntil(() => p.connected())).toBe(true);
        const ce = p.events[0].find((e) => e.type === 'connected');
        const se = p.events[1].find((e) => e.type === 'connected');
        expect(ce?.type === 'connected' && ce.cipherSuite).toBe(suite.name);
        expect(se?.type === 'connected' && se.srtpProfile).toBe('SRTP_AEAD_AES_128_GCM');
        const a = p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56);
        const b = p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56);
        expect(bytesEqual(a, b)).toBe(true);
        p.client.send(new TextEncoder().encode('hello'));
        p.server.send(new TextEncoder().encode('world'));
        p.runUntil(() => p.events[0].some((e) => e.type === 'data') && p.events[1].some((e) => e.type === 'data'));
        const sd = p.events[1].find((e) => e.type === 'data');
        const cd = p.events[0].find((e) => e.type === 'data');
        expect(sd?.type === 'data' && new TextDecoder().decode(sd.data)).toBe('hello');
        expect(cd?.type === 'data' && new TextDecoder().decode(cd.data)).toBe('world');
        p.client.close();
        p.runUntil(() => p.server.state === 'closed');
        expect(p.events[1].at(-1)).toMatchObject({ type: 'closed', reason: 'peer sent close_notify' });
      });
    }
  }
});
