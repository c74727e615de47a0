/**
 * @module peer/relay
 * One TURN allocation (RFC 8656) per configured server, feeding relayed candidates to the
 * ICE agent (RFC 8445 section 5.1.1.2 "Relayed candidates"): requests go out from a host
 * base, Data indications and ChannelData come back as datagrams on the relayed address,
 * and permissions (RFC 8656 section 9) are installed for each peer the agent sends to.
 * The server may be reached over UDP, or over TCP / TLS (RFC 8656 section 3.1, URIs of
 * RFC 7065): then the client runs in stream mode (no retransmissions, padded ChannelData,
 * RFC 8656 12.5) and the host carries its transmits on its stream connection, handing
 * each frame back to the core as a datagram from the server.
 */
import type { TransportAddress } from '../ice/stun-binding.js';
import { TurnClient } from '../turn/client.js';
import type { TurnClientEvent } from '../turn/client.js';
import type { RandomSource } from '../common/random.js';
import type { StunAddress } from '../stun/attributes.js';

function stunAddress(a: TransportAddress): StunAddress {
  return { family: a.address.includes(':') ? 'IPv6' : 'IPv4', address: a.address, port: a.port };
}

export interface TurnServerConfig {
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  /** The URL as configured (for icecandidateerror). */
  readonly url: string;
  /** How the host reaches the server (default 'udp'); 'tcp' and 'tls' are streams the host frames. */
  readonly transport?: 'udp' | 'tcp' | 'tls';
}

/** Peers one relay installs permissions for; beyond it sends are dropped (RFC 8656 9 quotas). */
export const MAX_RELAY_PEERS = 64;

const STUN_BINDING_METHOD = 0x0001;

export class Relay {
  readonly id: string;
  readonly config: TurnServerConfig;
  readonly base: TransportAddress;
  readonly client: TurnClient;
  private readonly permitted = new Set<string>();
  dropped = 0;

  constructor(id: string, config: TurnServerConfig, base: TransportAddress, random: RandomSource | undefined) {
    this.id = id;
    this.config = config;
    this.base = base;
    this.client = new TurnClient({
      server: stunAddress(config.server), username: config.username, password: config.password,
      transport: config.transport === 'tcp' || config.transport === 'tls' ? 'tcp' : 'udp',
      ...(random ? { random } : {}),
    });
  }

  get relayed(): TransportAddress | undefined {
    return this.client.relayed;
  }

  /**
   * Whether a datagram that arrived on `local` from `remote` belongs to this allocation:
   * anything from the server except STUN Binding messages (those answer the agent's own
   * srflx requests when the same server is also a STUN server, RFC 8656 section 3).
   */
  owns(local: TransportAddress, remote: TransportAddress, data: Uint8Array): boolean {
    if (local.port !== this.base.port || local.address !== this.base.address) return false;
    if (remote.port !== this.config.server.port || remote.address !== this.config.server.address) return false;
    const b0 = data[0] ?? 0;
    if (b0 < 4 && data.length >= 2) {
      const type = ((b0 << 8) | (data[1] as number)) & 0x3eef;
      if (type === STUN_BINDING_METHOD) return false;
    }
    return true;
  }

  /** Sends ICE data to `peer` through the allocation, installing its permission first. */
  send(now: number, peer: TransportAddress, data: Uint8Array): void {
    if (this.client.state !== 'allocated') {
      this.dropped++;
      return;
    }
    if (!this.permitted.has(peer.address)) {
      if (this.permitted.size >= MAX_RELAY_PEERS) {
        this.dropped++;
        return;
      }
      this.permitted.add(peer.address);
      this.client.createPermission(now, [stunAddress(peer)]);
    }
    this.client.send(stunAddress(peer), data);
  }

  pollEvent(): TurnClientEvent | undefined {
    return this.client.pollEvent();
  }
}
