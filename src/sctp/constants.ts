/**
 * @module sctp/constants
 * Wire numbers of SCTP (RFC 9260 section 3.2 chunk types, 3.3.2.1 / 3.3.3.1 parameter
 * types, 3.3.10 error causes), PR-SCTP (RFC 3758 section 3), stream reconfiguration
 * (RFC 6525 section 3 and 4), I-DATA (RFC 8260 section 2), PAD (RFC 4820), and the
 * protocol parameters of RFC 9260 section 16 as profiled for WebRTC by RFC 8261.
 */

/** Chunk types (RFC 9260 3.2, RFC 3758 3.2, RFC 6525 3.1, RFC 8260 2.1 and 2.3, RFC 4820 3). */
export const ChunkType = {
  Data: 0,
  Init: 1,
  InitAck: 2,
  Sack: 3,
  Heartbeat: 4,
  HeartbeatAck: 5,
  Abort: 6,
  Shutdown: 7,
  ShutdownAck: 8,
  Error: 9,
  CookieEcho: 10,
  CookieAck: 11,
  ShutdownComplete: 14,
  IData: 64,
  ReConfig: 130,
  Pad: 132,
  ForwardTsn: 192,
  IForwardTsn: 194,
} as const;
export type ChunkType = (typeof ChunkType)[keyof typeof ChunkType];

/** INIT / INIT-ACK parameter types (RFC 9260 3.3.2.1, 3.3.3.1; RFC 3758 3.1; RFC 5061 4.2.7). */
export const ParamType = {
  HeartbeatInfo: 1,
  Ipv4Address: 5,
  Ipv6Address: 6,
  StateCookie: 7,
  UnrecognizedParameter: 8,
  CookiePreservative: 9,
  HostNameAddress: 11,
  SupportedAddressTypes: 12,
  OutgoingSsnResetRequest: 13,
  IncomingSsnResetRequest: 14,
  SsnTsnResetRequest: 15,
  ReconfigurationResponse: 16,
  AddOutgoingStreamsRequest: 17,
  AddIncomingStreamsRequest: 18,
  ZeroChecksumAcceptable: 0x8001,
  SupportedExtensions: 0x8008,
  ForwardTsnSupported: 0xc000,
  /**
   * purertc's own parameter: the largest SCTP packet this end accepts (u32). Its two
   * upper bits are 10, so a peer that does not know it skips it without reporting
   * (RFC 9260 3.2.1). Not IANA-assigned: see MAX_RECEIVE_PACKET_BYTES in association.ts.
   */
  ReceivePacketSize: 0xb7c0,
} as const;

/**
 * Error Detection Method Identifiers of the Zero Checksum Acceptable parameter (RFC 9653
 * 4 and 9.2): 0 is reserved, 1 is "SCTP over DTLS" (the DTLS record's integrity check,
 * RFC 8261, stands in for the CRC32c).
 */
export const ErrorDetectionMethod = {
  SctpOverDtls: 1,
} as const;

/** Error cause codes (RFC 9260 3.3.10). */
export const CauseCode = {
  InvalidStreamIdentifier: 1,
  MissingMandatoryParameter: 2,
  StaleCookie: 3,
  OutOfResource: 4,
  UnresolvableAddress: 5,
  UnrecognizedChunkType: 6,
  InvalidMandatoryParameter: 7,
  UnrecognizedParameters: 8,
  NoUserData: 9,
  CookieReceivedWhileShuttingDown: 10,
  RestartWithNewAddresses: 11,
  UserInitiatedAbort: 12,
  ProtocolViolation: 13,
} as const;

/** Reconfiguration response results (RFC 6525 4.4). */
export const ReconfigResult = {
  SuccessNothingToDo: 0,
  SuccessPerformed: 1,
  Denied: 2,
  ErrorWrongSsn: 3,
  ErrorRequestAlreadyInProgress: 4,
  ErrorBadSequenceNumber: 5,
  InProgress: 6,
} as const;

/** DATA chunk flag bits (RFC 9260 3.3.1; I bit from RFC 7053). */
export const DataFlag = {
  End: 0x01,
  Begin: 0x02,
  Unordered: 0x04,
  Immediate: 0x08,
} as const;

/** Size of the SCTP common header (RFC 9260 3). */
export const COMMON_HEADER_BYTES = 12;
/** Size of a chunk header: type, flags, length (RFC 9260 3.2). */
export const CHUNK_HEADER_BYTES = 4;
/** DATA chunk header before user data (RFC 9260 3.3.1). */
export const DATA_CHUNK_HEADER_BYTES = 16;
/** I-DATA chunk header before user data (RFC 8260 2.1). */
export const IDATA_CHUNK_HEADER_BYTES = 20;

/**
 * Default SCTP packet size for WebRTC: 1200 bytes fits every path that carries the
 * DTLS record and the UDP/IP headers (RFC 8831 5, RFC 8261 5).
 */
export const DEFAULT_MTU_BYTES = 1200;
/** Largest SCTP packet we build even where PMTU probing would allow more (RFC 8899 5.1.2 MAX_PLPMTU). */
export const MAX_MTU_BYTES = 65_535 - 8 - 40;
/**
 * Largest SCTP packet over DTLS: one packet is one record, whose plaintext is at most
 * 2^14 bytes (RFC 8261 5, RFC 6347 4.1 by reference to RFC 5246 6.2.1).
 */
export const DTLS_MAX_PACKET_BYTES = 16_384;
/**
 * Largest packet we send to a peer that did not announce what it receives, probes
 * included. libwebrtc (Chrome, @roamhq/wrtc) reads each DTLS record into a 2048-byte
 * buffer (kMaxDtlsPacketLen) and fails the whole DTLS transport when a record's
 * plaintext is longer (a "short DTLS read" is an error there, not a drop): a PMTU probe
 * above this size is not lost, it kills the connection, which RFC 8899 does not expect.
 */
export const UNANNOUNCED_PEER_MAX_PACKET_BYTES = 2048;
/** Smallest packet size accepted as an option: RFC 8899 5.1.2 BASE_PLPMTU for IPv6-sized paths. */
export const MIN_MTU_BYTES = 508;

/** RFC 9260 16: RTO.Initial, RTO.Min, RTO.Max (ms). */
export const RTO_INITIAL_MS = 1000;
export const RTO_MIN_MS = 1000;
export const RTO_MAX_MS = 60_000;
/** RFC 9260 16: RTO.Alpha = 1/8, RTO.Beta = 1/4. */
export const RTO_ALPHA = 1 / 8;
export const RTO_BETA = 1 / 4;
/** RFC 9260 16: Max.Init.Retransmits. */
export const MAX_INIT_RETRANSMITS = 8;
/** RFC 9260 16: Association.Max.Retrans (dead peer after this many consecutive errors, 8.1). */
export const ASSOCIATION_MAX_RETRANS = 10;
/** RFC 9260 16: Valid.Cookie.Life. */
export const VALID_COOKIE_LIFE_MS = 60_000;
/** RFC 9260 16: HB.interval. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** RFC 9260 6.2: SACK delay; MUST be below 500 ms, 200 ms the default. */
export const SACK_DELAY_MS = 200;
/** RFC 9260 16: Max.Burst, packets of new DATA per transmit opportunity (6.1 rule D). */
export const MAX_BURST = 4;
/** RFC 9260 7.2.4: a TSN is fast-retransmitted after this many miss indications. */
export const FAST_RTX_MISS_INDICATIONS = 3;
