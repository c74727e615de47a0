// RFC 8489 12 and 6.3.1: the sans-IO Binding server core.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  MAX_REQUEST_BYTES,
  StunBindingServer,
  verifyFingerprint,
} from '../../src/stun/index.js';
import type { TransportAddress } from '../../src/stun/index.js';

const v4: TransportAddress = { family: 'IPv4', address: '192.0.2.7', port: 40000 };
const v6: TransportAddress = { family: 'IPv6', address: '2001:db8::7', port: 50000 };
const tid = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

function bindingRequest(extra: Parameters<typeof encodeStunMessage>[0]['attributes'] = [], method = 1): Uint8Array {
  return encodeStunMessage({ class: 'request', method, transactionId: tid, attributes: extra }, { fingerprint: true });
}

describe('StunBindingServer', () => {
  it('answers a Binding request with XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT (IPv4 and IPv6)', () => {
    const server = new StunBindingServer({ software: 'test-server' });
    for (const from of [v4, v6]) {
      server.handleInput(0, from, bindingRequest());
      const out = server.pollTransmit();
      expect(out?.to).toEqual(from);
      const res = decodeStunMessage(out!.data);
      expect(res.class).toBe('success');
      expect(res.method).toBe(1);
      expect(res.transactionId).toEqual(tid);
      expect(res.attributes.map((a) => a.type)).toEqual(['XOR-MAPPED-ADDRESS', 'SOFTWARE', 'FINGERPRINT']);
      expect(getAttribute(res, 'XOR-MAPPED-ADDRESS')).toEqual({ type: 'XOR-MAPPED-ADDRESS', ...from });
      expect(getAttribute(res, 'SOFTWARE')?.value).toBe('test-server');
      expect(verifyFingerprint(res)).toBe(true);
    }
    expect(server.stats.answered).toBe(2);
  });

  it('answers 420 with UNKNOWN-ATTRIBUTES for unknown comprehension-required attributes, ignores optional ones', () => {
    const server = new StunBindingServer();
    server.handleInput(0, v4, bindingRequest([{ type: 'unknown', code: 0x0033, raw: new Uint8Array(4) }, { type: 'unknown', code: 0xc0ff, raw: new Uint8Array(0) }]));
    const res = decodeStunMessage(server.pollTransmit()!.data);
    expect(res.class).toBe('error');
    expect(getAttribute(res, 'ERROR-CODE')).toEqual({ type: 'ERROR-CODE', code: 420, reason: 'Unknown Attribute' });
    expect(getAttribute(res, 'UNKNOWN-ATTRIBUTES')?.types).toEqual([0x0033]);

    server.handleInput(0, v4, bindingRequest([{ type: 'unknown', code: 0xc0ff, raw: new Uint8Array(0) }]));
    expect(decodeStunMessage(server.pollTransmit()!.data).class).toBe('success');
  });

  it('answers 400 to requests of other methods', () => {
    const server = new StunBindingServer();
    server.handleInput(0, v4, bindingRequest([], 3));
    const res = decodeStunMessage(server.pollTransmit()!.data);
    expect(res.class).toBe('error');
    expect(res.method).toBe(3);
    expect(getAttribute(res, 'ERROR-CODE')?.code).toBe(400);
  });

  it('drops garbage, indications, responses, bad fingerprints and oversized datagrams without answering', () => {
    const server = new StunBindingServer();
    const indication = encodeStunMessage({ class: 'indication', method: 1, transactionId: tid, attributes: [] });
    const success = encodeStunMessage({ class: 'success', method: 1, transactionId: tid, attributes: [] });
    const badFp = bindingRequest();
    badFp[badFp.length - 1] = (badFp[badFp.length - 1] as number) ^ 1;
    const big = new Uint8Array(MAX_REQUEST_BYTES + 4);
    big.set(bindingRequest([{ type: 'DATA', value: new Uint8Array(MAX_REQUEST_BYTES) }]).subarray(0, big.length));
    for (const d of [new Uint8Array(0), new Uint8Array([0x16, 0xfe, 0xfd]), indication, success, badFp, big]) server.handleInput(0, v4, d);
    expect(server.pollTransmit()).toBeUndefined();
    expect(server.stats).toMatchObject({ droppedInvalid: 3, droppedNotRequest: 2, droppedTooLarge: 1, answered: 0 });
  });

  it('never throws and answers only well-formed requests, for random input', () => {
    const server = new StunBindingServer({ ratePerSecond: 0 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (d) => {
        server.handleInput(0, v4, d);
        for (let t = server.pollTransmit(); t; t = server.pollTransmit()) expect(decodeStunMessage(t.data).class).not.toBe('request');
      }),
      { numRuns: 2000 },
    );
  });

  it('rate-limits per source IP with a token bucket on the virtual clock', () => {
    const server = new StunBindingServer({ ratePerSecond: 10, rateBurst: 5 });
    const other: TransportAddress = { ...v4, address: '192.0.2.8' };
    let answered = 0;
    for (let i = 0; i < 20; i++) {
      server.handleInput(0, v4, bindingRequest());
      if (server.pollTransmit()) answered++;
    }
    expect(answered).toBe(5);
    server.handleInput(0, other, bindingRequest());
    expect(server.pollTransmit()).toBeDefined();
    // 1 s later: 10 more tokens, capped at the burst of 5.
    answered = 0;
    for (let i = 0; i < 20; i++) {
      server.handleInput(1000, v4, bindingRequest());
      if (server.pollTransmit()) answered++;
    }
    expect(answered).toBe(5);
    expect(server.stats.droppedRateLimited).toBe(30);
  });

  it('keeps rate state for a bounded number of sources', () => {
    const server = new StunBindingServer({ ratePerSecond: 1, rateBurst: 1, maxTrackedSources: 4 });
    const src = (i: number): TransportAddress => ({ family: 'IPv4', address: `10.0.0.${i}`, port: 1 });
    for (let i = 0; i < 6; i++) server.handleInput(0, src(i), bindingRequest());
    // Source 0 was evicted, so it gets a fresh bucket; source 5 is still tracked and empty.
    server.handleInput(0, src(0), bindingRequest());
    server.handleInput(0, src(5), bindingRequest());
    let n = 0;
    while (server.pollTransmit()) n++;
    expect(n).toBe(7);
  });
});
