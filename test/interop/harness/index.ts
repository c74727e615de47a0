/**
 * @module test/interop/harness
 * Helpers for interop tests against Chrome (see chrome.ts for the how and why), plus a
 * user-space UDP NAT on loopback (udp-nat.ts).
 */
export {
  ARTIFACTS_DIR,
  CHROME_ARGS,
  CHROMIUM_PATH,
  ChromePage,
  DEFAULT_WAIT_MS,
  PagePeer,
  artifactName,
  chromeAvailable,
  launchChrome,
  negotiate,
  nonLoopbackAddresses,
} from './chrome.js';
export type {
  ChromeOptions,
  ChromeSession,
  NegotiationRecord,
  NewPageOptions,
  PageCandidate,
  PageChannelCount,
  PageMessage,
  PageCondition,
  PageDescriptions,
  PageInboundStats,
  PageOutboundStats,
  PagePeerOptions,
  PagePeersApi,
  PageWindow,
  PagePeerSnapshot,
  PageRoutes,
  PageServer,
  PageStatsSummary,
  SignalingPeer,
  SignalingTransforms,
} from './chrome.js';
export { useChrome } from './fixture.js';
export type { ChromeFixture } from './fixture.js';
export { harnessPageHtml, startPageServer } from './page-server.js';
export { MAX_NAT_MAPPINGS, MAX_NAT_PENDING, startUdpNat } from './udp-nat.js';
export type { NatMapping, UdpEndpoint, UdpNat, UdpNatOptions } from './udp-nat.js';
export {
  ChromeMatrixPeer,
  DEFAULT_MAX_MESSAGE_SIZE,
  MATRIX_WAIT_MS,
  MAX_PEER_LOG_LINES,
  MAX_RECORDED_MESSAGES,
  MAX_TRACKED_CHANNELS,
  NodeMatrixPeer,
  STACKS,
  WaitFailure,
  cleanupNodeDatachannel,
  createChromePeer,
  createNodePeer,
  expectedMessage,
  fnv1a,
  fnv1aText,
  installMatrixPage,
  payloadBytes,
  payloadText,
  sdpMaxMessageSize,
  summarizeStats,
  waitUntil,
} from './node-peers.js';
export type {
  KnownNodeStack,
  LoosePeerConnection,
  MatrixChannelInfo,
  MatrixChannelInit,
  MatrixPeer,
  MatrixStats,
  MatrixStatsCandidate,
  MaxMessageSizes,
  NodeStackSpec,
  Payload,
  PeerConnectionConstructor,
  ReceivedMessage,
  StackQuirks,
} from './node-peers.js';
export {
  BURST_MESSAGES,
  CONNECT_CHECK,
  CONTROL_LABEL,
  CLOSE_TIMEOUT_MS,
  CheckFailure,
  LOG_TAIL_LINES,
  MANY_CHANNELS,
  MATRIX_CHECKS,
  MATRIX_PATH,
  NEGOTIATED_ID,
  agreedMaxMessageSize,
  chromePeerFactory,
  concurrencyLimit,
  expectedStatus,
  formatMatrix,
  nodePeerFactory,
  packageVersion,
  runPair,
  writeMatrix,
} from './matrix.js';
export type {
  CheckContext,
  CheckResult,
  CheckStatus,
  KnownResult,
  MatrixCheck,
  PeerFactory,
  RunPairOptions,
} from './matrix.js';
