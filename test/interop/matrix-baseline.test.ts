// The data-channel interop matrix among the stacks we did not write: werift (pure TS),
// @roamhq/wrtc (libwebrtc), node-datachannel (libdatachannel, its W3C polyfill) and
// Chromium (headless, the harness page), each as offerer and as answerer. This proves the
// harness (test/interop/harness/node-peers.ts, matrix.ts) before purertc plugs into it,
// and records what each third-party pair really does: every cell is asserted against
// EXPECTED below, where each known failure carries the reason we measured.
//
// Run as CI does, in a loopback-only network namespace:
//   unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/matrix-baseline.test.ts'
// The matrix is written to test-artifacts/interop-matrix-baseline.md and printed.
import { dirname } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { chromeAvailable, useChrome } from './harness/index.js';
import {
  cleanupNodeDatachannel,
  createNodePeer,
  DEFAULT_MAX_MESSAGE_SIZE,
  expectedMessage,
  fnv1a,
  fnv1aText,
  sdpMaxMessageSize,
  summarizeStats,
} from './harness/node-peers.js';
import type { KnownNodeStack } from './harness/node-peers.js';
import {
  CheckFailure,
  chromePeerFactory,
  concurrencyLimit,
  CONNECT_CHECK,
  expectedStatus,
  formatMatrix,
  MATRIX_CHECKS,
  MATRIX_PATH,
  nodePeerFactory,
  packageVersion,
  runPair,
  writeMatrix,
} from './harness/matrix.js';
import type { CheckResult, CheckStatus, KnownResult, PeerFactory } from './harness/matrix.js';

type Stack = KnownNodeStack | 'chrome';

/**
 * Per-step wait inside a check: loopback delivers in milliseconds, but each known
 * failure costs one whole wait, so this is the file's main cost. Connecting gets the
 * harness default (MATRIX_WAIT_MS).
 */
const CHECK_TIMEOUT_MS = 4_000;
/**
 * Pairs run concurrently, at most this many at once: most of a pair's time is idle
 * waiting (connects, the known failures' timeouts), and the machine has 2 cores.
 */
const CONCURRENT_PAIRS = 4;

/**
 * Known results that are not 'pass', measured here (werift 0.25.2, @roamhq/wrtc,
 * node-datachannel polyfill, Chromium 156); every other cell must pass.
 */
const KNOWN: readonly KnownResult[] = [
  {
    // werift's RTCSctpTransport.datachannelSend sends an empty message as a DATA chunk
    // with no user data and PPID 51/53, instead of one zero byte with PPID 56/57
    // (RFC 8831 section 6.6; RFC 4960 section 3.3.1 forbids empty DATA chunks), so the
    // message never arrives. The checks send both ways, so werift on either end fails
    // them (werift receives others' empty messages fine: that direction passes first).
    offerer: 'werift',
    checks: ['str-0', 'bin-0'],
    status: 'fail',
    why: 'werift cannot send empty messages',
  },
  { answerer: 'werift', checks: ['str-0', 'bin-0'], status: 'fail', why: 'werift cannot send empty messages' },
  {
    // The node-datachannel polyfill wraps a channel the REMOTE side opened without its
    // options (`new RTCDataChannel(channel)` in its ondatachannel path), so the channel
    // reports the defaults, ordered true and maxRetransmits null, whatever the DCEP
    // DATA_CHANNEL_OPEN said (RFC 8832 section 5.1). The messages do flow (checked
    // first); the checks then read the answerer's view, so node-datachannel as answerer
    // fails them.
    answerer: 'node-datachannel',
    checks: ['unordered', 'rexmit-0'],
    status: 'fail',
    why: "node-datachannel's polyfill misreports a remote channel's reliability",
  },
];

const NODE_STACKS: readonly KnownNodeStack[] = ['werift', 'wrtc', 'node-datachannel'];

describe('matrix helpers against outside references', () => {
  it('FNV-1a matches the published test vectors (draft-eastlake-fnv)', () => {
    // FNV-1a 32-bit: "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(fnv1aText('')).toBe(0x811c9dc5);
    expect(fnv1aText('a')).toBe(0xe40c292c);
    expect(fnv1aText('foobar')).toBe(0xbf9cf968);
    expect(fnv1a(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
    expect(expectedMessage({ binary: false, size: 0, seed: 9 })).toEqual({ binary: false, size: 0, digest: 0x811c9dc5 });
  });

  it('reads a=max-message-size as RFC 8841 section 4.5 and 6.1 say', () => {
    // The RFC 8841 section 4.5 example m-section.
    const example = ['m=application 12345 UDP/DTLS/SCTP webrtc-datachannel', 'a=sctp-port:5000', 'a=max-message-size:100000'].join('\r\n');
    expect(sdpMaxMessageSize(example)).toBe(100_000);
    // Section 6.1: absent means 64K.
    expect(sdpMaxMessageSize('m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n')).toBe(DEFAULT_MAX_MESSAGE_SIZE);
    expect(DEFAULT_MAX_MESSAGE_SIZE).toBe(65_536);
  });

  it('summarizes the stats shapes the stacks produce', () => {
    // node-datachannel's polyfill names the address `ip` and has no candidate protocol.
    const s = summarizeStats([
      { id: 'L', type: 'local-candidate', candidateType: 'host', ip: '127.0.0.1', port: 5000 },
      { id: 'R', type: 'remote-candidate', candidateType: 'host', ip: '127.0.0.1', port: 5001 },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', bytesSent: 10, bytesReceived: 20 },
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P', bytesSent: 1, bytesReceived: 2 },
    ]);
    expect(s.selectedPair?.local).toEqual({ candidateType: 'host', address: '127.0.0.1', port: 5000, protocol: '' });
    expect([s.bytesSent, s.bytesReceived]).toEqual([10, 20]);
    expect(summarizeStats([]).selectedPair).toBeUndefined();
  });

  it('never throws on whatever a remote SDP or a stack\'s stats contain (fast-check)', () => {
    fc.assert(
      fc.property(fc.string(), (sdp) => {
        const n = sdpMaxMessageSize(sdp);
        expect(Number.isInteger(n) && n >= 0).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.nat(), fc.string(), (n, junk) => {
        expect(sdpMaxMessageSize(`v=0\r\n${junk.replace(/[\r\n]/g, '')}\r\na=max-message-size:${n}\r\n`)).toBe(n);
      }),
    );
    // Regression (found by the property below): a value whose own `toString` is not callable.
    expect(summarizeStats([{ id: { toString: '' }, type: { valueOf: 1, toString: 2 } }]).bytesSent).toBeGreaterThanOrEqual(0);
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.constantFrom('id', 'type', 'selectedCandidatePairId', 'localCandidateId', 'bytesSent', 'address', 'port'), fc.anything())), (records) => {
        const s = summarizeStats(records);
        expect(s.bytesSent).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('limits concurrency', async () => {
    const limit = concurrencyLimit(2);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const runs = Array.from({ length: 5 }, (_, i) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    while (gates.length > 0 || active > 0) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('records fail and error apart, and reconnects after either (libwebrtc pair)', async () => {
    const checks = [
      { name: 'wrong', description: 'a behaviour check that does not hold', run: async () => { throw new CheckFailure('not as expected'); } },
      { name: 'throws', description: 'a stack call that throws', run: async () => { throw new TypeError('stack threw'); } },
      ...MATRIX_CHECKS.filter((c) => c.name === 'bin-1K'),
    ];
    const made: string[] = [];
    const f: PeerFactory = { name: 'wrtc', create: async (id) => (made.push(id), createNodePeer('wrtc', id)) };
    const got = await runPair(f, f, { checks, timeoutMs: CHECK_TIMEOUT_MS });
    expect(got.map((r) => [r.check, r.status, r.detail])).toEqual([
      [CONNECT_CHECK, 'pass', ''],
      ['wrong', 'fail', 'not as expected'],
      ['throws', 'error', 'TypeError: stack threw'],
      ['bin-1K', 'pass', ''],
    ]);
    // A fresh pair after each failed check, so one failure cannot cascade.
    expect(made).toEqual(['off1', 'ans1', 'off2', 'ans2', 'off3', 'ans3']);
    expect(got[1]?.log.length).toBeGreaterThan(0);
  });
});

describe('interop matrix baseline (third-party stacks)', () => {
  const chrome = chromeAvailable ? useChrome() : undefined;
  const stacks: readonly Stack[] = chromeAvailable ? [...NODE_STACKS, 'chrome'] : NODE_STACKS;
  const pairs = stacks.flatMap((offerer) => stacks.map((answerer) => [offerer, answerer] as const));
  /** Per pair, in `pairs` order, so the printout does not depend on which finished first. */
  const results: (readonly CheckResult[] | undefined)[] = pairs.map(() => undefined);
  const limit = concurrencyLimit(CONCURRENT_PAIRS);

  afterAll(async () => {
    cleanupNodeDatachannel();
    const all = results.flatMap((r) => r ?? []);
    if (all.length === 0) return;
    const title = 'Data-channel interop matrix: third-party baseline';
    const versions = [
      `werift ${packageVersion('werift')}`,
      `@roamhq/wrtc ${packageVersion('@roamhq/wrtc')}`,
      `node-datachannel ${packageVersion('node-datachannel')}`,
      ...(chromeAvailable && chrome !== undefined ? [`Chromium ${chrome.session.version}`] : []),
    ];
    const preface = [
      `Stacks: ${versions.join(', ')}. Written by test/interop/matrix-baseline.test.ts, which asserts every cell; the known FAILs are explained there.`,
    ];
    await writeMatrix(all, `${dirname(MATRIX_PATH)}/interop-matrix-baseline.md`, title, preface);
    console.log(formatMatrix(all, title, preface));
  });

  const factory = (stack: Stack): PeerFactory =>
    stack === 'chrome'
      ? chromePeerFactory(() => {
          if (chrome === undefined) throw new Error('no Chromium');
          return chrome.session;
        })
      : nodePeerFactory(stack);

  for (const [index, [offerer, answerer]] of pairs.entries()) {
    it.concurrent(`${offerer} → ${answerer}`, { timeout: 120_000 }, async ({ expect }) => {
      const got = await limit(() => runPair(factory(offerer), factory(answerer), { timeoutMs: CHECK_TIMEOUT_MS }));
      results[index] = got;
      expect(got.map((r) => r.check)).toEqual([CONNECT_CHECK, ...MATRIX_CHECKS.map((c) => c.name)]);
      // A line shows the detail and the peers' log tail when the status is not the
      // expected one, so a mismatch prints why in the diff.
      const want = (r: CheckResult) => expectedStatus(KNOWN, offerer, answerer, r.check);
      const line = (r: CheckResult, status: CheckStatus) =>
        `${r.check}: ${status}${r.status === want(r) ? '' : ` (${r.detail})\n${r.log.join('\n')}`}`;
      expect(got.map((r) => line(r, r.status))).toEqual(got.map((r) => line(r, want(r))));
    });
  }
});
