// Our ICE agent (over real loopback UDP sockets, src/node/ice-transport.ts) against
// werift's independent ICE implementation (`Connection`), both roles, data both ways.
import { describe, expect, it } from 'vitest';
import { Candidate as WCandidate, Connection } from 'werift';
import { parseCandidate, serializeCandidate, type IceEvent } from '../../src/ice/index.js';
import { iceConnected, loopbackIceTransport } from '../support/ice-udp.js';
import { useCleanups, waitFor } from '../support/wait.js';

const cleanups = useCleanups();

function weriftConnection(controlling: boolean): Connection {
  const c = new Connection(controlling, {
    additionalHostAddresses: ['127.0.0.1'],
    interfaceAddresses: { udp4: '127.0.0.1' },
    useIpv4: true,
    useIpv6: false,
    // PEERS.md: werift queries a default STUN server unless pointed at a dead one.
    stunServer: ['127.0.0.1', 9],
    stunGatherTimeout: 0.001,
  });
  cleanups.push(() => c.close());
  return c;
}

async function run(ourRole: 'controlling' | 'controlled', lite = false): Promise<void> {
  const theirs = weriftConnection(ourRole === 'controlled');
  const fromWerift: Buffer[] = [];
  theirs.onData.subscribe((d: Buffer) => fromWerift.push(d));
  await theirs.gatherCandidates();
  const ours = await loopbackIceTransport(cleanups, ourRole, { lite });
  const events: IceEvent[] = [];
  ours.on((e) => events.push(e));
  // Credentials both ways.
  ours.setRemoteCredentials(theirs.localUsername, theirs.localPassword);
  theirs.setRemoteParams({ iceLite: lite, usernameFragment: ours.agent.localUfrag, password: ours.agent.localPassword });
  // Candidates both ways, as SDP text (each stack parses the other's serialization).
  for (const c of theirs.localCandidates) ours.addRemoteCandidate(parseCandidate(`candidate:${c.toSdp()}`));
  ours.endOfRemoteCandidates();
  for (const c of ours.agent.localCandidates) await theirs.addRemoteCandidate(WCandidate.fromSdp(serializeCandidate(c).slice('candidate:'.length)));
  await theirs.addRemoteCandidate(undefined);

  await Promise.all([theirs.connect(), waitFor(() => iceConnected(ours), 'our agent to connect')]);
  expect(ours.agent.selectedPair?.remote.address).toBe('127.0.0.1');
  expect(ours.agent.role).toBe(ourRole);

  // Data both ways over the selected pair (DTLS-looking first byte, as the peer layer demuxes).
  expect(ours.send(new Uint8Array([0x16, 0xfe, 0xfd, 1, 2, 3]))).toBe(true);
  await waitFor(() => fromWerift[0], 'werift to receive our datagram');
  expect([...(fromWerift[0] ?? [])]).toEqual([0x16, 0xfe, 0xfd, 1, 2, 3]);
  await theirs.send(Buffer.from([0x17, 9, 9, 9]));
  const got = await waitFor(() => {
    const e = events.find((x) => x.type === 'data');
    return e?.type === 'data' ? e.data : undefined;
  }, 'our agent to receive werift data');
  expect([...got]).toEqual([0x17, 9, 9, 9]);
  expect(events.some((e) => e.type === 'selected-pair')).toBe(true);
  // A lite agent only answers (RFC 8445 2.5); werift's checks nominated the pair.
  if (lite) expect(ours.agent.stats.checksSent).toBe(0);
  else expect(ours.agent.stats.checksSent).toBeGreaterThan(0);
}

describe('interop: our ICE agent <-> werift Connection on loopback', () => {
  it('we control, werift is controlled', async () => {
    await run('controlling');
  });

  it('werift controls, we are controlled', async () => {
    await run('controlled');
  });

  it('we are an ICE-lite agent; werift (full) controls and checks', async () => {
    await run('controlled', true);
  });
});
