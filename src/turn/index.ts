/**
 * @module turn
 * TURN (RFC 8656) over UDP: a sans-IO server core (allocations, long-term credentials,
 * permissions, channels, lifetimes, quotas) and a sans-IO client core for one
 * allocation. ChannelData framing lives in `stun/channel-data`.
 */
export {
  DEFAULT_ALLOCATION_LIFETIME_S,
  MAX_ALLOCATION_LIFETIME_S,
  PERMISSION_LIFETIME_S,
  CHANNEL_LIFETIME_S,
  CHANNEL_REBIND_COOLDOWN_S,
  DEFAULT_NONCE_LIFETIME_S,
  DEFAULT_MAX_ALLOCATIONS,
  DEFAULT_MAX_ALLOCATIONS_PER_USER,
  MAX_PERMISSIONS_PER_ALLOCATION,
  MAX_CHANNELS_PER_ALLOCATION,
  MAX_RELAY_PORT_ATTEMPTS,
  RELAY_OPEN_TIMEOUT_MS,
  RESERVATION_LIFETIME_MS,
  MAX_DATA_INDICATION_PAYLOAD,
  TurnServer,
} from './server.js';
export type { TurnServerOptions, TurnServerEvent, TurnServerTransmit, TurnServerStats, ClientTransport } from './server.js';
export { REFRESH_MARGIN_S, MAX_AUTH_RETRIES, MAX_PERMISSIONS, TCP_TRANSACTION_TIMEOUT_MS, TurnClient } from './client.js';
export type { TurnClientOptions, TurnClientState, TurnOperation, TurnClientEvent } from './client.js';
export { addressKey, defaultPeerAllowed } from './address.js';
export type { TransportAddress } from './address.js';
