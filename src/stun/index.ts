/**
 * @module stun
 * STUN (RFC 8489): message codec with the ICE (RFC 8445 16) and TURN (RFC 8656 18)
 * attributes, credentials and integrity, client transactions, a Binding server core,
 * TURN ChannelData framing (RFC 8656 12.4) and RFC 7983 demultiplexing.
 */
export {
  MAGIC_COOKIE,
  FINGERPRINT_XOR,
  HEADER_BYTES,
  TRANSACTION_ID_BYTES,
  StunClass,
  StunMethod,
  AttributeType,
  ErrorCodes,
  ERROR_REASONS,
  PasswordAlgorithm,
  AddressFamily,
  TransportProtocol,
  isComprehensionRequired,
} from './constants.js';
export { ATTRIBUTE_CODES, attributeName, attributeCode, parseAttribute, writeAttributeValue } from './attributes.js';
export type { StunAttribute, StunAttributeName, AttributeOf, StunAddress, PasswordAlgorithmEntry } from './attributes.js';
export {
  MAX_ATTRIBUTES,
  messageType,
  looksLikeStun,
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  verifyFingerprint,
  transactionKey,
} from './message.js';
export type { StunMessage, DecodedStunMessage, EncodeOptions } from './message.js';
export { saslPrep, opaqueString, shortTermKey, longTermKey, userHash } from './credentials.js';
export type { StringPrep } from './credentials.js';
export {
  DEFAULT_RTO_MS,
  DEFAULT_RC,
  DEFAULT_RM,
  MAX_PENDING_TRANSACTIONS,
  StunClientTransaction,
  StunTransactionTable,
} from './transaction.js';
export type { TransactionOptions, TransactionState, TransactionEvent, TableEvent } from './transaction.js';
export {
  MAX_REQUEST_BYTES,
  DEFAULT_RATE_PER_SECOND,
  DEFAULT_RATE_BURST,
  MAX_TRACKED_SOURCES,
  MAX_QUEUED_TRANSMITS,
  DEFAULT_SOFTWARE,
  StunBindingServer,
} from './binding-server.js';
export type { TransportAddress, BindingServerOptions, BindingServerStats } from './binding-server.js';
export {
  MIN_CHANNEL_NUMBER,
  MAX_CHANNEL_NUMBER,
  LEGACY_MAX_CHANNEL_NUMBER,
  CHANNEL_DATA_HEADER_BYTES,
  isValidChannelNumber,
  decodeChannelData,
  encodeChannelData,
} from './channel-data.js';
export type { ChannelData } from './channel-data.js';
export { MAX_STREAM_FRAME_BYTES, StunStreamFramer } from './stream-framing.js';
export { classifyPacket, isStun, isDtls, isChannelData, isRtpOrRtcp } from './demux.js';
export type { PacketKind } from './demux.js';
export { parseIp, formatIp, ipFamily } from './ip.js';
export type { IpFamily } from './ip.js';
