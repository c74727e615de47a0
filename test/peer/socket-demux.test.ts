/**
 * The shared-socket demultiplexer (src/peer/socket-demux.ts): STUN checks routed by the
 * local ufrag in USERNAME (RFC 8445 7.2.2; the RFC 5769 section 2.1 sample request names
 * "evtj:h6vY"), other datagrams by the route their peer's own transmissions taught,
 * never by what unauthenticated input claims; every table bounded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEMUX_PEERS, MAX_DEMUX_ROUTES, SocketDemux, stunUsernameUfrag } from '../../src/peer/socket-demux.js';
import type { DemuxPeer } from '../../src/peer/socket-demux.js';

function vector(name: string): Uint8Array {
  const v = JSON.parse(readFileSync(join(import.meta.dirname, '../../vectors/rfc5769', name), 'utf8')) as { bytes: { hex: string }[] };
  return Uint8Array.from(Buffer.from(v.bytes.map((b) => b.hex.replace(/\s+/g, '')).join(''), 'hex'));
}

const sampleRequest = vector('sample-request.json');
const sampleResponse = vector('sample-ipv4-response.json');
const peer = (ufrag: string): DemuxPeer & { name: string } => ({ name: ufrag, ufrags: () => [ufrag] });
const A = { address: '192.0.2.1', port: 32853 };
const B = { address: '192.0.2.2', port: 4000 };
const dtls = new Uint8Array([22, 0xfe, 0xfd, 0, 0]);

describe('stunUsernameUfrag', () => {
  it('reads the local ufrag from the RFC 5769 sample request and nothing from the response', () => {
    expect(stunUsernameUfrag(sampleRequest)).toBe('evtj');
    expect(stunUsernameUfrag(sampleResponse)).toBeUndefined();
    expect(stunUsernameUfrag(dtls)).toBeUndefined();
  });
  it('never throws on random bytes, nor on the sample request cut or with bytes flipped', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void stunUsernameUfrag(b)));
    fc.assert(
      fc.property(fc.nat(sampleRequest.length), fc.nat(sampleRequest.length - 1), fc.integer({ min: 0, max: 255 }), (cut, at, v) => {
        const b = sampleRequest.slice(0, Math.max(cut, 0));
        if (at < b.length) b[at] = v;
        const r = stunUsernameUfrag(b);
        expect(r === undefined || typeof r === 'string').toBe(true);
      }),
    );
  });
});

describe('SocketDemux', () => {
  it('routes a check by USERNAME to the peer owning the ufrag, and data by the learned route', () => {
    const d = new SocketDemux<ReturnType<typeof peer>>();
    const p1 = peer('evtj');
    const p2 = peer('zzzz');
    d.attach(p1);
    d.attach(p2);
    expect(d.route(A, sampleRequest)).toBe(p1);
    // Data from A is unknown until p1 answers it (a route is learned from our sends only).
    expect(d.route(A, dtls)).toBeUndefined();
    d.noteSent(p1, A);
    expect(d.route(A, dtls)).toBe(p1);
    d.noteSent(p2, B);
    expect(d.route(B, dtls)).toBe(p2);
    expect(d.route(B, sampleRequest)).toBe(p1); // USERNAME wins over the address
    expect(d.stats.unroutedDropped).toBe(1);
    d.detach(p1);
    expect(d.route(A, dtls)).toBeUndefined();
    expect(d.route(A, sampleRequest)).toBeUndefined();
    expect(d.routeCount).toBe(1);
  });

  it('ignores sends by peers that are not attached, and bounds routes and peers', () => {
    const d = new SocketDemux<DemuxPeer>();
    const p = peer('a');
    d.noteSent(p, A);
    expect(d.routeCount).toBe(0);
    d.attach(p);
    for (let i = 0; i < MAX_DEMUX_ROUTES + 10; i++) d.noteSent(p, { address: '10.0.0.1', port: i });
    expect(d.routeCount).toBe(MAX_DEMUX_ROUTES);
    expect(d.stats.routesForgotten).toBe(10);
    // The oldest routes went first.
    expect(d.route({ address: '10.0.0.1', port: 0 }, dtls)).toBeUndefined();
    expect(d.route({ address: '10.0.0.1', port: MAX_DEMUX_ROUTES + 9 }, dtls)).toBe(p);
    for (let i = 1; i < MAX_DEMUX_PEERS; i++) d.attach(peer(String(i)));
    expect(() => d.attach(peer('one too many'))).toThrow(RangeError);
  });
});
