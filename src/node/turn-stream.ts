/**
 * @module node/turn-stream
 * The control connection to a TURN server reached over TCP or TLS (RFC 8656 section 3.1;
 * URIs `turn:host:port?transport=tcp` and `turns:host[:port]`, RFC 7065 section 3.1, TLS
 * default port 5349): one node:net / node:tls connection, opened on the first frame the
 * sans-IO TurnClient sends, carrying STUN messages and padded ChannelData (RFC 8656 12.5)
 * back to back. Incoming bytes are split with `StunStreamFramer` and each frame goes to
 * `onFrame`; a stream we cannot follow (ParseError), an error or the peer's close ends it,
 * and the TurnClient's own transaction timeout (RFC 8489 6.2.2) reports the failure.
 *
 * TLS verifies the server certificate against Node's default CA store and the URI's host
 * name (RFC 8656 3.1 / RFC 6125); `ca` adds trust anchors and `rejectUnauthorized: false`
 * turns verification off (tests with self-signed certificates only).
 *
 * This module also remembers the relayed address from the Allocate success response
 * (XOR-RELAYED-ADDRESS, RFC 8656 7.3) so getStats can label the relayed candidate with
 * its relayProtocol (webrtc-stats 7.17).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ParseError } from '../common/errors.js';
import type { TransportAddress } from '../ice/stun-binding.js';
import { StunStreamFramer } from '../stun/stream-framing.js';
import { decodeStunMessage } from '../stun/message.js';
import { StunMethod } from '../stun/constants.js';

/** Bytes held while connecting, and the socket write-buffer level beyond which frames are dropped. */
export const MAX_TURN_STREAM_QUEUED_BYTES = 1 << 20;
/** RFC 7065 section 3: default ports for `turn:` (UDP and TCP) and `turns:`. */
export const TURN_DEFAULT_PORT = 3478;
export const TURNS_DEFAULT_PORT = 5349;
/** After close(), how long the socket may sit idle (draining the deallocating Refresh) before it is destroyed. */
export const TURN_STREAM_CLOSE_LINGER_MS = 1000;

export type TurnStreamTransport = 'tcp' | 'tls';

export interface TurnStreamOptions {
  readonly server: TransportAddress;
  readonly transport: TurnStreamTransport;
  /** Host name from the URI, for TLS SNI and certificate verification (an IP literal is checked as an IP SAN). */
  readonly host: string;
  /** TLS: extra trust anchors (PEM). */
  readonly ca?: string | readonly string[];
  /** TLS: verify the server certificate (default true). */
  readonly rejectUnauthorized?: boolean;
  /** Local address to connect from (the allocation's host base). */
  readonly localAddress?: string;
  readonly onFrame: (frame: Uint8Array) => void;
}

export class TurnStream {
  readonly options: TurnStreamOptions;
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private readonly queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private readonly framer = new StunStreamFramer();
  /** Frames dropped because the queue (or the socket's write buffer) held MAX_TURN_STREAM_QUEUED_BYTES. */
  dropped = 0;
  /** The relayed address from the server's Allocate success response, once seen. */
  relayed: TransportAddress | undefined;

  constructor(options: TurnStreamOptions) {
    this.options = options;
  }

  get transport(): TurnStreamTransport {
    return this.options.transport;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one frame (a STUN message or padded ChannelData), connecting first if needed. */
  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (!this.socket) this.open();
    const socket = this.socket;
    if (this.connected && socket) {
      // A whole frame or nothing: a backed-up connection drops (datagram semantics, RFC 8656 12.5).
      if (socket.writableLength < MAX_TURN_STREAM_QUEUED_BYTES) socket.write(frame);
      else this.dropped++;
      return;
    }
    if (this.queuedBytes + frame.length > MAX_TURN_STREAM_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    this.queued.push(frame);
    this.queuedBytes += frame.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    this.queuedBytes = 0;
    const s = this.socket;
    if (s) {
      // Let queued bytes (the deallocating Refresh) go, then close; never wait on the peer.
      s.end();
      s.setTimeout(TURN_STREAM_CLOSE_LINGER_MS, () => s.destroy());
      s.unref();
    }
  }

  private open(): void {
    const o = this.options;
    const local = o.localAddress !== undefined ? { localAddress: o.localAddress } : {};
    const onConnect = (): void => {
      this.connected = true;
      const s = this.socket;
      if (!s || this.closed) return;
      for (const f of this.queued.splice(0)) s.write(f);
      this.queuedBytes = 0;
    };
    let socket: Socket;
    if (o.transport === 'tls') {
      socket = tlsConnect(
        {
          host: o.server.address,
          port: o.server.port,
          // Node checks the certificate against `servername` (the URI's host name), or `host`
          // (the IP literal) when there is none.
          ...(isIP(o.host) === 0 ? { servername: o.host } : {}),
          ...(o.ca !== undefined ? { ca: typeof o.ca === 'string' ? o.ca : [...o.ca] } : {}),
          rejectUnauthorized: o.rejectUnauthorized ?? true,
          ...local,
        },
        onConnect,
      );
    } else {
      socket = netConnect({ host: o.server.address, port: o.server.port, ...local }, onConnect);
    }
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('error', () => this.abort());
    socket.on('close', () => this.abort());
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      let frames: Uint8Array[];
      try {
        frames = this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        socket.destroy();
        return;
      }
      for (const f of frames) {
        this.learn(f);
        o.onFrame(f);
      }
    });
  }

  private abort(): void {
    this.closed = true;
    this.connected = false;
    this.queued.length = 0;
    this.queuedBytes = 0;
    this.socket?.destroy();
  }

  /** Records XOR-RELAYED-ADDRESS from an Allocate success response. */
  private learn(frame: Uint8Array): void {
    if ((frame[0] ?? 0xff) >= 0x40) return;
    try {
      const m = decodeStunMessage(frame);
      if (m.class !== 'success' || m.method !== StunMethod.Allocate) return;
      const a = m.attributes.find((x) => x.type === 'XOR-RELAYED-ADDRESS');
      if (a && a.type === 'XOR-RELAYED-ADDRESS') this.relayed = { address: a.address, port: a.port };
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  }
}
