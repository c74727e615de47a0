// purertc's RTCPeerConnection in the data-channel interop matrix (harness/matrix.ts):
// against itself, werift, libwebrtc (@roamhq/wrtc), libdatachannel (node-datachannel
// polyfill) and Chromium, as offerer and as answerer, every MATRIX_CHECKS column
// (RFC 8831/8832 channels: strings, binary up to the agreed max-message-size, unordered,
// maxRetransmits 0, negotiated ids, many channels, closes, stats). Every cell must pass
// except the two third-party bugs matrix-baseline.test.ts measured among the other stacks
// (KNOWN below): they fail with purertc exactly as they fail with everyone else.
// Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/peer-matrix.test.ts'
import { afterAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from '../../src/node/rtc-peer-connection.js';
import { chromeAvailable, useChrome } from './harness/index.js';
import { cleanupNodeDatachannel } from './harness/node-peers.js';
import type { NodeStackSpec, PeerConnectionConstructor } from './harness/node-peers.js';
import { chromePeerFactory, concurrencyLimit, expectedStatus, nodePeerFactory, runPair, writeMatrix } from './harness/matrix.js';
import type { CheckResult, KnownResult, PeerFactory } from './harness/matrix.js';

/** Failures of the other stack, as measured among third-party pairs in matrix-baseline.test.ts. */
const KNOWN: readonly KnownResult[] = [
  // werift sends an empty message as an empty DATA chunk with PPID 51/53 instead of one
  // zero byte with PPID 56/57 (RFC 8831 6.6; RFC 4960 3.3.1 forbids empty DATA chunks).
  { offerer: 'werift', checks: ['str-0', 'bin-0'], status: 'fail', why: 'werift cannot send empty messages' },
  { answerer: 'werift', checks: ['str-0', 'bin-0'], status: 'fail', why: 'werift cannot send empty messages' },
  // The node-datachannel polyfill reports defaults (ordered, no maxRetransmits) for a
  // channel the remote opened, whatever DATA_CHANNEL_OPEN said (RFC 8832 5.1).
  { answerer: 'node-datachannel', checks: ['unordered', 'rexmit-0'], status: 'fail', why: "node-datachannel's polyfill misreports a remote channel's reliability" },
];

const purertc: NodeStackSpec = {
  name: 'purertc',
  RTCPeerConnection: RTCPeerConnection as unknown as PeerConnectionConstructor,
  config: { iceInterfaceAddresses: ['127.0.0.1'] },
};

const CHECK_TIMEOUT_MS = 4_000;

afterAll(() => cleanupNodeDatachannel());

describe('purertc in the data-channel interop matrix', () => {
  const chrome = chromeAvailable ? useChrome() : undefined;

  it('passes every check with every stack, both roles', async () => {
    const us = nodePeerFactory(purertc);
    const others: PeerFactory[] = [us, nodePeerFactory('werift'), nodePeerFactory('wrtc'), nodePeerFactory('node-datachannel')];
    if (chrome) others.push(chromePeerFactory(() => chrome.session));
    const limit = concurrencyLimit(3);
    const pairs: [PeerFactory, PeerFactory][] = [];
    for (const o of others) {
      pairs.push([us, o]);
      if (o !== us) pairs.push([o, us]);
    }
    const results: CheckResult[] = (await Promise.all(pairs.map(([a, b]) => limit(() => runPair(a, b, { timeoutMs: CHECK_TIMEOUT_MS }))))).flat();
    // The printout the issue asks for: test-artifacts/interop-matrix.md (MATRIX_PATH).
    console.log(await writeMatrix(results, undefined, 'purertc data-channel interop matrix'));
    const unexpected = results
      .filter((r) => r.status !== expectedStatus(KNOWN, r.offerer, r.answerer, r.check))
      .map((r) => `${r.offerer} -> ${r.answerer} ${r.check}: ${r.status} ${r.detail}\n${r.log.join('\n')}`);
    expect(unexpected).toEqual([]);
    // Every cell with purertc on both ends passes.
    expect(results.filter((r) => r.offerer === 'purertc' && r.answerer === 'purertc' && r.status !== 'pass')).toEqual([]);
  }, 300_000);
});
