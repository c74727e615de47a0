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
