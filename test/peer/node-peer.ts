/**
 * A purertc RTCPeerConnection behind the harness's `SignalingPeer` interface, so that
 * `negotiate()` can pair it with a Chrome page peer or another stack.
 */
import { RTCPeerConnection } from '../../src/node/rtc-peer-connection.js';
import type { RTCConfiguration, RTCOfferOptions } from '../../src/node/rtc-peer-connection.js';
import type { RTCDataChannel } from '../../src/node/rtc-data-channel.js';
import type { RTCDataChannelEvent, RTCPeerConnectionIceEvent } from '../../src/node/rtc-events.js';
import type { RTCIceCandidateInit } from '../../src/node/rtc-ice-candidate.js';
import type { RTCSessionDescriptionInit } from '../../src/node/rtc-session-description.js';

export class NodePeer {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  readonly channels = new Map<string, RTCDataChannel>();
  readonly received = new Map<string, (string | Uint8Array)[]>();
  private readonly candidates: RTCIceCandidateInit[] = [];
  private gathered = false;
  /** Options for the next createOffer (e.g. legacy offerToReceiveAudio). */
  offerOptions: RTCOfferOptions = {};
  private readonly gatherWaiters: (() => void)[] = [];

  constructor(id: string, config: RTCConfiguration = { iceInterfaceAddresses: ['127.0.0.1'] }) {
    this.id = id;
    this.pc = new RTCPeerConnection(config);
    this.pc.addEventListener('icecandidate', (e) => {
      const c = (e as RTCPeerConnectionIceEvent).candidate;
      if (c === null) {
        this.gathered = true;
        for (const w of this.gatherWaiters.splice(0)) w();
      } else this.candidates.push(c.toJSON());
    });
    this.pc.addEventListener('datachannel', (e) => this.track((e as RTCDataChannelEvent).channel));
  }

  createChannel(label: string): RTCDataChannel {
    const ch = this.pc.createDataChannel(label);
    this.track(ch);
    return ch;
  }

  private track(ch: RTCDataChannel): void {
    this.channels.set(ch.label, ch);
    const list: (string | Uint8Array)[] = [];
    this.received.set(ch.label, list);
    ch.addEventListener('message', (e) => {
      const d = (e as MessageEvent).data as string | ArrayBuffer;
      list.push(typeof d === 'string' ? d : new Uint8Array(d));
    });
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    await this.pc.setLocalDescription(await this.pc.createOffer(this.offerOptions));
    return (this.pc.localDescription as { toJSON(): RTCSessionDescriptionInit }).toJSON();
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return (this.pc.localDescription as { toJSON(): RTCSessionDescriptionInit }).toJSON();
  }
  setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    return this.pc.setRemoteDescription(desc);
  }
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.pc.addIceCandidate(candidate);
  }
  async gatherCandidates(): Promise<RTCIceCandidateInit[]> {
    if (!this.gathered) await new Promise<void>((r) => this.gatherWaiters.push(r));
    return [...this.candidates];
  }

  async waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const start = Date.now();
    while (!cond()) {
      if (Date.now() - start > timeoutMs) throw new Error(`${this.id}: gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  waitForChannel(label: string): Promise<void> {
    return this.waitFor(() => this.channels.get(label)?.readyState === 'open', `channel ${label} open`);
  }

  waitForMessages(label: string, n: number): Promise<(string | Uint8Array)[]> {
    return this.waitFor(() => (this.received.get(label)?.length ?? 0) >= n, `${n} messages on ${label}`).then(() => this.received.get(label) ?? []);
  }

  close(): void {
    this.pc.close();
  }
}
