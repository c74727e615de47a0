/**
 * @module signaling
 * WebSocket rooms signaling: the protocol (protocol.ts), the sans-IO rooms core
 * (rooms.ts), the `ws` server (server.ts), the Node client (client.ts) and the browser
 * client script (browser-client.ts).
 */
export {
  MAX_DATA_DEPTH,
  MAX_MID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PEER_ID_LENGTH,
  MAX_ROOM_ID_LENGTH,
  SignalingErrorCode,
  checkCandidate,
  checkClientMessage,
  checkServerMessage,
  parseClientMessage,
  parseServerMessage,
  serializeClientMessage,
  serializeServerMessage,
} from './protocol.js';
export type { CandidateInit, ClientMessage, JsonValue, PeerInfo, RelayMessage, ServerMessage } from './protocol.js';
export { TokenBucket } from './token-bucket.js';
export {
  CLOSE_GOING_AWAY,
  CLOSE_TRY_AGAIN_LATER,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_PEERS_PER_ROOM,
  DEFAULT_MAX_ROOMS,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_SIGNALING_LIMITS,
  MAX_QUEUED_OUTPUTS,
  SignalingRooms,
  resolveLimits,
} from './rooms.js';
export type { SignalingEvent, SignalingLimits, SignalingRoomsOptions, SignalingStats, SignalingTransmit } from './rooms.js';
export { DEFAULT_SIGNALING_PATH, HARD_MAX_PAYLOAD_FACTOR, MAX_BUFFERED_BYTES, createSignalingServer, serveBrowserClient } from './server.js';
export type { SignalingServer, SignalingServerOptions } from './server.js';
export { CLIENT_MAX_PAYLOAD_BYTES, DEFAULT_CLIENT_TIMEOUT_MS, MAX_CLIENT_QUEUE, SignalingClient, SignalingClientError } from './client.js';
export type { ServerMessageOf, ServerMessageType, SignalingClientOptions } from './client.js';
export { BROWSER_CLIENT_PATH, BROWSER_CLIENT_SCRIPT } from './browser-client.js';
