/**
 * @module node/rtc-shared-socket
 * purertc-specific server option: one UDP socket shared by many RTCPeerConnections
 * (`new RTCPeerConnection({ sharedSocket })`), so a server needs one port for all its
 * peers. Datagrams are demultiplexed by the STUN USERNAME of connectivity checks (RFC 8445
 * section 7.2.2: `<our ufrag>:<their ufrag>`) and then by remote address, learned from what
 * each peer sends (src/peer/socket-demux.ts has the rules and bounds). Every peer's host
 * candidate is this socket's address and port. Peers on a shared socket should use no
 * TURN servers (two peers would share the server's address as a route).
 */
import { createIceSocket, remoteOf } from './udp-socket.js';
import type { Socket } from 'node:dgram';
import { SocketDemux } from '../peer/socket-demux.js';
import type { DemuxPeer } from '../peer/socket-demux.js';

/** Largest UDP datagram read. */
const MAX_DATAGRAM_BYTES = 65535;

/** What a peer connection gives the socket when it attaches. */
export interface SharedSocketPeer extends DemuxPeer {
  deliver(remote: { address: string; port: number }, data: Uint8Array): void;
}

/** What the socket gives back: a way to send and to leave. */
export interface SharedSocketAttachment {
  send(data: Uint8Array, to: { readonly address: string; readonly port: number }): void;
  detach(): void;
}

export class RTCSharedUdpSocket {
  readonly address: string;
  readonly port: number;
  readonly #socket: Socket;
  readonly #demux = new SocketDemux<SharedSocketPeer>();
  #closed = false;

  private constructor(socket: Socket, address: string, port: number) {
    this.#socket = socket;
    this.address = address;
    this.port = port;
    socket.on('error', () => undefined);
    socket.on('message', (msg, rinfo) => {
      if (this.#closed || msg.length > MAX_DATAGRAM_BYTES) return;
      const remote = remoteOf(rinfo);
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      this.#demux.route(remote, data)?.deliver(remote, data);
    });
  }

  /** Binds one UDP socket (default 127.0.0.1, port 0 = any). */
  static async bind(options: { address?: string; port?: number } = {}): Promise<RTCSharedUdpSocket> {
    const address = options.address ?? '127.0.0.1';
    const socket = createIceSocket(address);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RTCSharedUdpSocket(socket, address, socket.address().port);
  }

  /** Peers attached now. */
  get peerCount(): number {
    return this.#demux.peerCount;
  }
  /** Datagrams that matched no peer (dropped). */
  get unroutedDropped(): number {
    return this.#demux.stats.unroutedDropped;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal Used by RTCPeerConnection. */
  _attach(peer: SharedSocketPeer): SharedSocketAttachment {
    if (this.#closed) throw new DOMException('the shared socket is closed', 'InvalidStateError');
    this.#demux.attach(peer);
    return {
      send: (data, to) => {
        if (this.#closed) return;
        this.#demux.noteSent(peer, to);
        this.#socket.send(data, to.port, to.address);
      },
      detach: () => this.#demux.detach(peer),
    };
  }

  /** Closes the socket; attached peers can no longer send or receive. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}
