/**
 * @module ice
 * The ICE agent (RFC 8445 full and lite, RFC 8838 trickle, RFC 7675 consent), sans-IO,
 * and the candidate and pair helpers it is built from.
 */
export {
  IceAgent,
  DEFAULT_TA_MS,
  MIN_TA_MS,
  MAX_TA_MS,
  MIN_RTO_MS,
  MAX_CHECK_RTO_MS,
  DEFAULT_CHECK_TRANSMISSIONS,
  DEFAULT_GATHER_TRANSMISSIONS,
  DEFAULT_MAX_PAIRS,
  DEFAULT_MAX_REMOTE_CANDIDATES,
  MAX_LOCAL_CANDIDATES,
  MAX_TRIGGERED_CHECKS,
  MAX_EARLY_CHECKS,
  MAX_EARLY_SEND_DATAGRAMS,
  MAX_PENDING_MDNS,
  MAX_CONSENT_TRANSACTIONS,
  MAX_QUEUED_TRANSMITS,
  MAX_QUEUED_EVENTS,
  DEFAULT_CONSENT_INTERVAL_MS,
  DEFAULT_CONSENT_TIMEOUT_MS,
  DEFAULT_DISCONNECTED_TIMEOUT_MS,
  DEFAULT_NOMINATION_DELAY_MS,
  MAX_NOMINATION_ATTEMPTS,
} from './agent.js';
export type {
  IceRole,
  IceGatheringState,
  IceConnectionState,
  IceEvent,
  IceAgentOptions,
  IceStats,
  Transmit,
  Datagram,
  SelectedPair,
  RelayedCandidateInfo,
} from './agent.js';
export {
  TYPE_PREFERENCE,
  computePriority,
  computeFoundation,
  isRedundant,
  parseCandidate,
  serializeCandidate,
  familyOf,
  addressKey,
  isMdnsName,
  MAX_FOUNDATION_CHARS,
  MAX_CANDIDATE_TEXT,
  MAX_CANDIDATE_EXTENSIONS,
} from './candidate.js';
export type { Candidate, CandidateType } from './candidate.js';
export { pairPriority, pairPriorityFor, comparePairs } from './pair.js';
export type { PairState } from './pair.js';
export type { TransportAddress } from './stun-binding.js';
