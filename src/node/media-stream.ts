/**
 * @module node/media-stream
 * W3C mediacapture-streams 4.2 MediaStream: a set of tracks with an id (4.2.1
 * constructors: empty, from another stream's tracks, from a list of tracks), `getTracks`
 * and its audio/video/by-id forms, `addTrack`/`removeTrack` (no event for script calls,
 * 4.2.4), `active` (4.2.4: some track is live), and `addtrack`/`removetrack` events
 * (MediaStreamTrackEvent, 4.2.6) when the UA changes the set (webrtc-pc 4.4.1.6 "set
 * the associated remote streams").
 */
import { randomUUID } from 'node:crypto';
import { EventHandlers } from './rtc-events.js';
import type { MediaStreamTrack } from './media-stream-track.js';

export class MediaStreamTrackEvent extends Event {
  readonly track: MediaStreamTrack;
  constructor(type: string, init: { track: MediaStreamTrack }) {
    super(type);
    if (init?.track === undefined) throw new TypeError('MediaStreamTrackEvent needs a track');
    this.track = init.track;
  }
}

export class MediaStream extends EventTarget {
  readonly id: string;
  readonly #tracks = new Set<MediaStreamTrack>();
  readonly #on = new EventHandlers(this);

  constructor(tracksOrStream?: MediaStream | readonly MediaStreamTrack[], id?: string) {
    super();
    this.id = id ?? randomUUID();
    const tracks = tracksOrStream instanceof MediaStream ? tracksOrStream.getTracks() : (tracksOrStream ?? []);
    for (const t of tracks) this.#tracks.add(t);
  }

  /** @internal A remote stream with the id the remote description gave (webrtc-pc 4.4.1.6). */
  static _withId(id: string): MediaStream {
    return new MediaStream([], id);
  }

  get active(): boolean {
    for (const t of this.#tracks) if (t.readyState === 'live') return true;
    return false;
  }

  get onaddtrack(): ((ev: MediaStreamTrackEvent) => unknown) | null { return this.#on.get<MediaStreamTrackEvent>('addtrack'); }
  set onaddtrack(f: ((ev: MediaStreamTrackEvent) => unknown) | null) { this.#on.set<MediaStreamTrackEvent>('addtrack', f); }
  get onremovetrack(): ((ev: MediaStreamTrackEvent) => unknown) | null { return this.#on.get<MediaStreamTrackEvent>('removetrack'); }
  set onremovetrack(f: ((ev: MediaStreamTrackEvent) => unknown) | null) { this.#on.set<MediaStreamTrackEvent>('removetrack', f); }

  getTracks(): MediaStreamTrack[] {
    return [...this.#tracks];
  }
  getAudioTracks(): MediaStreamTrack[] {
    return this.getTracks().filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): MediaStreamTrack[] {
    return this.getTracks().filter((t) => t.kind === 'video');
  }
  getTrackById(id: string): MediaStreamTrack | null {
    for (const t of this.#tracks) if (t.id === id) return t;
    return null;
  }
  addTrack(track: MediaStreamTrack): void {
    this.#tracks.add(track);
  }
  removeTrack(track: MediaStreamTrack): void {
    this.#tracks.delete(track);
  }
  clone(): MediaStream {
    return new MediaStream(this.getTracks().map((t) => t.clone()));
  }

  /** @internal The UA adds a track: `addtrack` fires when it was not there. */
  _addTrackByUa(track: MediaStreamTrack): void {
    if (this.#tracks.has(track)) return;
    this.#tracks.add(track);
    this.dispatchEvent(new MediaStreamTrackEvent('addtrack', { track }));
  }
  /** @internal The UA removes a track: `removetrack` fires when it was there. */
  _removeTrackByUa(track: MediaStreamTrack): void {
    if (!this.#tracks.delete(track)) return;
    this.dispatchEvent(new MediaStreamTrackEvent('removetrack', { track }));
  }
}
