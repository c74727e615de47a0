/**
 * @module datachannel
 * WebRTC data channels (RFC 8831) with DCEP (RFC 8832) over a purertc SCTP association.
 */
export { DataChannelManager, CLOSE_LINGER_MS, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_REMOTE_MAX_MESSAGE_SIZE, MAX_CHANNEL_ID, MAX_CHANNELS } from './manager.js';
export type { DataChannelEvent, DataChannelInfo, DataChannelInit, DataChannelManagerOptions, DataChannelState } from './manager.js';
export { parseDcep, serializeDcep, Ppid, ChannelType, DcepMessageType } from './dcep.js';
export type { DcepAck, DcepMessage, DcepOpen } from './dcep.js';
