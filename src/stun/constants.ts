/**
 * @module stun/constants
 * Wire numbers of STUN: message classes and methods (RFC 8489 5, 18.2; RFC 8656 17;
 * RFC 6062 6.1), attribute types (RFC 8489 18.3; RFC 8445 16.1; RFC 8656 18;
 * RFC 6062 6.2; Chrome's GOOG-NETWORK-INFO 0xC057), error codes (RFC 8489 18.4;
 * RFC 8656 19; RFC 8445 7.3.1.1) and password algorithms (RFC 8489 18.5).
 */

/** The fixed magic cookie in bytes 4..7 of every RFC 5389/8489 message (RFC 8489 5). */
export const MAGIC_COOKIE = 0x2112a442;
/** XOR-ed with the CRC-32 of the message to form FINGERPRINT (RFC 8489 14.7). */
export const FINGERPRINT_XOR = 0x5354554e;
/** Size of the STUN header (RFC 8489 5). */
export const HEADER_BYTES = 20;
/** Size of the transaction id (RFC 8489 5). */
export const TRANSACTION_ID_BYTES = 12;

export const StunClass = {
  Request: 'request',
  Indication: 'indication',
  SuccessResponse: 'success',
  ErrorResponse: 'error',
} as const;
export type StunClass = (typeof StunClass)[keyof typeof StunClass];

export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
} as const;
export type StunMethod = (typeof StunMethod)[keyof typeof StunMethod];

export const AttributeType = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  EVEN_PORT: 0x0018,
  REQUESTED_TRANSPORT: 0x0019,
  DONT_FRAGMENT: 0x001a,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  PASSWORD_ALGORITHM: 0x001d,
  USERHASH: 0x001e,
  XOR_MAPPED_ADDRESS: 0x0020,
  RESERVATION_TOKEN: 0x0022,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  CONNECTION_ID: 0x002a,
  ADDITIONAL_ADDRESS_FAMILY: 0x8000,
  ADDRESS_ERROR_CODE: 0x8001,
  PASSWORD_ALGORITHMS: 0x8002,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
  GOOG_NETWORK_INFO: 0xc057,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

/** Attribute types 0x0000-0x7FFF are comprehension-required (RFC 8489 14). */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

export const ErrorCodes = {
  TryAlternate: 300,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  MobilityForbidden: 405,
  UnknownAttribute: 420,
  AllocationMismatch: 437,
  StaleNonce: 438,
  AddressFamilyNotSupported: 440,
  WrongCredentials: 441,
  UnsupportedTransportProtocol: 442,
  PeerAddressFamilyMismatch: 443,
  AllocationQuotaReached: 486,
  RoleConflict: 487,
  ServerError: 500,
  InsufficientCapacity: 508,
} as const;

/** Default reason phrases (RFC 8489 14.8, RFC 8656 19, RFC 8445 7.3.1.1). */
export const ERROR_REASONS: Readonly<Record<number, string>> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  405: 'Mobility Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  486: 'Allocation Quota Reached',
  487: 'Role Conflict',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

/** PASSWORD-ALGORITHM numbers (RFC 8489 18.5). */
export const PasswordAlgorithm = { MD5: 0x0001, SHA256: 0x0002 } as const;
export type PasswordAlgorithm = (typeof PasswordAlgorithm)[keyof typeof PasswordAlgorithm];

/** Address family numbers in address attributes (RFC 8489 14.1) and RFC 8656 18.8/18.11. */
export const AddressFamily = { IPv4: 0x01, IPv6: 0x02 } as const;

/** Transport protocol numbers for REQUESTED-TRANSPORT (RFC 8656 18.10, IANA protocol numbers). */
export const TransportProtocol = { UDP: 17, TCP: 6 } as const;
