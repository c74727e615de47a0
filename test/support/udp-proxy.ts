/**
 * A loopback UDP relay for media interop tests: it sits between a browser (the "outer"
 * peer) and one purertc socket (the "inner" target) and can lose RTP in one direction.
 *
 * Mapping is full cone with one socket per side (RFC 4787 4.1 endpoint-independent
 * mapping, 5 endpoint-independent filtering): the outer peer sends to `outer` (the
 * address we put in the candidates purertc hands the browser, see `rewriteCandidate`);
 * whatever arrives there goes out of the `inner` socket to `target`, and whatever comes
 * back to `inner` from `target` goes out of `outer` to the outer endpoint that last sent
 * (ICE's checks and consent keep that current). purertc therefore sees the relay's inner
 * socket as its remote: a peer-reflexive candidate (RFC 8445 7.3.1.3), while the browser
 * sees the relay's outer socket as our host candidate.
 *
 * Loss applies to RTP only (RFC 7983 demultiplexing: first byte 128-191; RFC 5761 4:
 * second byte 192-223 is RTCP, which always passes), in one direction (`lossDirection`:
 * outer-to-inner by default, what the browser sends us; or inner-to-outer, what we send),
 * so STUN (ICE consent, RFC 7675), DTLS and RTCP feedback (NACK, PLI) are never lost:
 * - `lossFraction`: each RTP datagram is dropped with this probability, from a seeded
 *   generator (repeatable drop pattern for the same arrival order);
 * - `blackout(true)`: every RTP datagram is dropped until `blackout(false)` (a burst);
 * - `dropPayloadTypes([...])`: RTP datagrams with these payload types are dropped (e.g.
 *   the RTX payload types, RFC 4588, so that what a burst took cannot be repaired).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { seededRandom } from '../../src/common/random.js';

export interface UdpProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface UdpProxyOptions {
  /** The inner peer's socket (purertc's host candidate). */
  readonly target: UdpProxyEndpoint;
  /** Probability of dropping each RTP datagram in `lossDirection`; default 0. */
  readonly lossFraction?: number;
  /** Which way loss, blackouts and payload-type drops apply: 'inbound' (outer to inner, the default) or 'outbound'. */
  readonly lossDirection?: 'inbound' | 'outbound';
  /** Seed of the drop decisions; default 1. */
  readonly seed?: number;
  /** Loopback address to bind; default 127.0.0.1. */
  readonly host?: string;
}

/** What crossed the relay, per direction and kind. */
export interface UdpProxyCounters {
  /** Outer-to-inner datagrams forwarded (all kinds). */
  inbound: number;
  /** Inner-to-outer datagrams forwarded. */
  outbound: number;
  /** RTP datagrams seen in the loss direction (forwarded or dropped). */
  rtpSeen: number;
  /** RTP datagrams dropped by `lossFraction`. */
  rtpDroppedRandom: number;
  /** RTP datagrams dropped during a blackout. */
  rtpDroppedBlackout: number;
  /** RTP datagrams dropped for their payload type (`dropPayloadTypes`). */
  rtpDroppedPayloadType: number;
  /** RTCP datagrams forwarded in the loss direction. */
  rtcp: number;
  /** Datagrams from unexpected sources on the inner socket, or before the outer peer spoke. */
  strays: number;
}

export interface UdpProxy {
  /** Where the outer peer sends: put this in the candidates it gets. */
  readonly outer: UdpProxyEndpoint;
  /** The relay's socket facing the target (what the target sees as its remote). */
  readonly inner: UdpProxyEndpoint;
  readonly counters: Readonly<UdpProxyCounters>;
  /** Drop every RTP datagram in the loss direction while on. */
  blackout(on: boolean): void;
  /** Drops every RTP datagram in the loss direction with one of these payload types (empty: none). */
  dropPayloadTypes(payloadTypes: readonly number[]): void;
  /** Changes the random loss fraction from now on. */
  setLossFraction(fraction: number): void;
  /** Rewrites a candidate line for the target's address to the relay's outer address (others unchanged). */
  rewriteCandidate(candidate: string): string;
  /** True when a candidate line names the target (UDP, its address and port). */
  isTargetCandidate(candidate: string): boolean;
  /**
   * Rewrites the target's candidates inside an SDP (a=candidate lines) to the relay's
   * outer address; with `dropOthers`, removes every other candidate line (so that the
   * outer peer can reach us only through the relay).
   */
  rewriteSdp(sdp: string, options?: { readonly dropOthers?: boolean }): string;
  close(): Promise<void>;
}

/** RFC 7983 7: a first byte 128-191 is RTP or RTCP. */
export function isRtpOrRtcp(d: Uint8Array): boolean {
  const b = d[0];
  return b !== undefined && b >= 128 && b <= 191;
}

/** RFC 5761 4: RTP, not RTCP, when the second byte (M bit + payload type) is outside 192-223. */
export function isRtp(d: Uint8Array): boolean {
  const b1 = d[1];
  return isRtpOrRtcp(d) && b1 !== undefined && (b1 < 192 || b1 > 223);
}

function bind(socket: Socket, host: string): Promise<UdpProxyEndpoint> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      const a = socket.address();
      resolve({ address: a.address, port: a.port });
    });
  });
}

/** Starts a relay in front of `options.target`. */
export async function startUdpProxy(options: UdpProxyOptions): Promise<UdpProxy> {
  const host = options.host ?? '127.0.0.1';
  const { target } = options;
  const random = seededRandom(options.seed ?? 1);
  let lossFraction = options.lossFraction ?? 0;
  let blackout = false;
  let droppedTypes: ReadonlySet<number> = new Set();
  let closed = false;
  const outerSocket = createSocket('udp4');
  const innerSocket = createSocket('udp4');
  const [outer, inner] = await Promise.all([bind(outerSocket, host), bind(innerSocket, host)]);
  /** The outer peer's endpoint: the source of the latest datagram on the outer socket. */
  let peer: UdpProxyEndpoint | undefined;
  const counters: UdpProxyCounters = { inbound: 0, outbound: 0, rtpSeen: 0, rtpDroppedRandom: 0, rtpDroppedBlackout: 0, rtpDroppedPayloadType: 0, rtcp: 0, strays: 0 };

  const lossInbound = (options.lossDirection ?? 'inbound') === 'inbound';
  /** True when `msg`, going in the loss direction, is to be dropped (counted). */
  const drop = (msg: Uint8Array): boolean => {
    if (isRtp(msg)) {
      counters.rtpSeen++;
      // draw for every RTP datagram, so the pattern does not depend on blackouts
      const lose = random.float() < lossFraction;
      if (blackout) {
        counters.rtpDroppedBlackout++;
        return true;
      }
      if (droppedTypes.has((msg[1] as number) & 0x7f)) {
        counters.rtpDroppedPayloadType++;
        return true;
      }
      if (lose) {
        counters.rtpDroppedRandom++;
        return true;
      }
    } else if (isRtpOrRtcp(msg)) counters.rtcp++;
    return false;
  };

  outerSocket.on('message', (msg, rinfo) => {
    if (closed) return;
    peer = { address: rinfo.address, port: rinfo.port };
    if (lossInbound && drop(msg)) return;
    counters.inbound++;
    innerSocket.send(msg, target.port, target.address);
  });
  innerSocket.on('message', (msg, rinfo) => {
    if (closed) return;
    if (rinfo.address !== target.address || rinfo.port !== target.port || peer === undefined) {
      counters.strays++;
      return;
    }
    if (!lossInbound && drop(msg)) return;
    counters.outbound++;
    outerSocket.send(msg, peer.port, peer.address);
  });
  const onError = (): void => {
    counters.strays++;
  };
  outerSocket.on('error', onError);
  innerSocket.on('error', onError);

  const closeSocket = (s: Socket): Promise<void> =>
    new Promise((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });

  const isTargetCandidate = (candidate: string): boolean => {
    // RFC 8839 5.1: candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
    const parts = candidate.replace(/^a=/, '').split(' ');
    return parts.length >= 8 && parts[4] === target.address && Number(parts[5]) === target.port && parts[2]?.toLowerCase() === 'udp';
  };
  const rewriteCandidate = (candidate: string): string => {
    if (!isTargetCandidate(candidate)) return candidate;
    const parts = candidate.split(' ');
    parts[4] = outer.address;
    parts[5] = String(outer.port);
    return parts.join(' ');
  };

  return {
    outer,
    inner,
    counters,
    blackout(on) {
      blackout = on;
    },
    dropPayloadTypes(payloadTypes) {
      droppedTypes = new Set(payloadTypes);
    },
    setLossFraction(fraction) {
      lossFraction = fraction;
    },
    rewriteCandidate,
    isTargetCandidate,
    rewriteSdp(sdp, o = {}) {
      const dropped = o.dropOthers === true ? sdp.replace(/^a=candidate:[^\r\n]*\r?\n/gm, (line) => (isTargetCandidate(line.trim()) ? line : '')) : sdp;
      return dropped.replace(/^a=(candidate:[^\r\n]*)/gm, (_, c: string) => `a=${rewriteCandidate(c)}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([closeSocket(outerSocket), closeSocket(innerSocket)]);
    },
  };
}
