/**
 * @module signaling/client
 * A small Node client for the signaling protocol (protocol.ts) on `ws` (RFC 6455).
 * Every server frame is checked with `parseServerMessage`; frames that do not fit are
 * counted (`malformed`) and dropped. Received messages go to listeners and to a bounded
 * queue that `next()` reads, which is what scripts and tests want:
 *
 * ```ts
 * const sig = await SignalingClient.connect('ws://127.0.0.1:8080/');
 * const { peers } = await sig.join('room-1', 'bob');
 * sig.on('offer', (m) => ...);
 * const answer = await sig.next('answer');
 * ```
 */
import WebSocket from 'ws';
import type { RawData } from 'ws';
import { parseServerMessage, serializeClientMessage } from './protocol.js';
import type { CandidateInit, ClientMessage, JsonValue, ServerMessage } from './protocol.js';

/** Received messages kept for `next()`; the oldest go first when full. */
export const MAX_CLIENT_QUEUE = 1024;
/** Default wait of `connect`, `join` and `next`. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;
/** Largest frame the client accepts from a server. */
export const CLIENT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export type ServerMessageType = ServerMessage['type'];
/** The server message whose `type` is T (offer and answer share one union member). */
export type ServerMessageOf<T extends ServerMessageType> = ServerMessage extends infer M
  ? M extends { readonly type: infer U }
    ? T extends U
      ? M & { readonly type: T }
      : never
    : never
  : never;
type MessageOf<T extends ServerMessageType> = ServerMessageOf<T>;

/** Error reply or the socket closed while waiting. */
export class SignalingClientError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SignalingClientError';
    this.code = code;
  }
}

interface Waiter {
  readonly match: (m: ServerMessage) => boolean;
  readonly resolve: (m: ServerMessage) => void;
  readonly reject: (err: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface SignalingClientOptions {
  readonly timeoutMs?: number;
}

export class SignalingClient {
  readonly ws: WebSocket;
  /** Our peer id (from `welcome`). */
  readonly id: string;
  /** Frames from the server that did not parse. */
  malformed = 0;
  /** Resolves when the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #queue: ServerMessage[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #listeners = new Map<string, Set<(m: ServerMessage) => void>>();
  #closeInfo: { code: number; reason: string } | undefined;

  private constructor(ws: WebSocket, id: string) {
    this.ws = ws;
    this.id = id;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        this.#closeInfo = { code, reason: reason.toString() };
        for (const w of this.#waiters) {
          clearTimeout(w.timer);
          w.reject(new SignalingClientError('closed', `signaling socket closed (${code})`));
        }
        this.#waiters.clear();
        resolve(this.#closeInfo);
      });
    });
    ws.on('message', (data: RawData) => this.#receive(data));
  }

  /** Opens the socket and resolves after the server's `welcome`. */
  static connect(url: string, options: SignalingClientOptions = {}): Promise<SignalingClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: CLIENT_MAX_PAYLOAD_BYTES, perMessageDeflate: false });
      const fail = (err: Error): void => {
        clearTimeout(timer);
        ws.off('message', onFirst);
        ws.terminate();
        reject(err);
      };
      const timer = setTimeout(() => fail(new SignalingClientError('timeout', `no welcome from ${url} in ${timeoutMs} ms`)), timeoutMs);
      const onFirst = (data: RawData): void => {
        let m: ServerMessage;
        try {
          m = parseServerMessage(toBytes(data));
        } catch (err) {
          fail(new SignalingClientError('bad-welcome', `bad first message: ${String(err)}`));
          return;
        }
        if (m.type !== 'welcome') {
          fail(new SignalingClientError(m.type === 'error' ? m.code : 'bad-welcome', `expected welcome, got ${m.type}`));
          return;
        }
        clearTimeout(timer);
        ws.off('message', onFirst);
        ws.off('error', onError);
        ws.off('close', onClose);
        ws.on('error', () => {
          // 'close' follows and rejects the waiters.
        });
        resolve(new SignalingClient(ws, m.id));
      };
      const onError = (err: Error): void => fail(err);
      const onClose = (code: number): void => fail(new SignalingClientError('closed', `closed before welcome (${code})`));
      ws.on('message', onFirst);
      ws.once('error', onError);
      ws.once('close', onClose);
    });
  }

  /** Registers a listener for one message type ('*' for all); returns a remover. */
  on<T extends ServerMessageType>(type: T | '*', fn: (m: MessageOf<T>) => void): () => void {
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    const f = fn as (m: ServerMessage) => void;
    set.add(f);
    return () => set.delete(f);
  }

  /**
   * The next received message of `type` (or matching `match`), from the queue or as it
   * arrives. Skipped messages of other types stay queued.
   */
  next<T extends ServerMessageType>(type?: T, options: { timeoutMs?: number; match?: (m: MessageOf<T>) => boolean } = {}): Promise<MessageOf<T>> {
    const match = (m: ServerMessage): boolean =>
      (type === undefined || m.type === type) && (options.match === undefined || options.match(m as MessageOf<T>));
    const i = this.#queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0] as MessageOf<T>);
    if (this.#closeInfo !== undefined) return Promise.reject(new SignalingClientError('closed', 'signaling socket is closed'));
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve: resolve as (m: ServerMessage) => void,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(w);
          reject(new SignalingClientError('timeout', `no '${type ?? 'any'}' message in ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(w);
    });
  }

  /** Joins a room; resolves with `joined`, rejects with the server's error reply. */
  async join(room: string, name?: string): Promise<MessageOf<'joined'>> {
    this.send(name === undefined ? { type: 'join', room } : { type: 'join', room, name });
    const m = await this.next(undefined, { match: (x) => x.type === 'joined' || x.type === 'error' });
    if (m.type === 'error') throw new SignalingClientError(m.code, m.message);
    return m as MessageOf<'joined'>;
  }

  leave(): void {
    this.send({ type: 'leave' });
  }

  offer(sdp: string, to?: string): void {
    this.send(to === undefined ? { type: 'offer', sdp } : { type: 'offer', sdp, to });
  }

  answer(sdp: string, to?: string): void {
    this.send(to === undefined ? { type: 'answer', sdp } : { type: 'answer', sdp, to });
  }

  /** `null` is the end-of-candidates indication (RFC 8838 section 13). */
  candidate(candidate: CandidateInit | null, to?: string): void {
    this.send(to === undefined ? { type: 'candidate', candidate } : { type: 'candidate', candidate, to });
  }

  bye(to?: string): void {
    this.send(to === undefined ? { type: 'bye' } : { type: 'bye', to });
  }

  message(data: JsonValue, to?: string): void {
    this.send(to === undefined ? { type: 'message', data } : { type: 'message', data, to });
  }

  /** Sends a protocol message as is. */
  send(message: ClientMessage): void {
    this.sendRaw(serializeClientMessage(message));
  }

  /** Sends any text or bytes (for tests of the server's checks). */
  sendRaw(data: string | Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new SignalingClientError('closed', 'signaling socket is not open');
    this.ws.send(data);
  }

  /** Closes (1000) and waits for the close. */
  async close(): Promise<void> {
    if (this.#closeInfo === undefined && this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000, 'bye');
    await this.closed;
  }

  #receive(data: RawData): void {
    let m: ServerMessage;
    try {
      m = parseServerMessage(toBytes(data));
    } catch {
      this.malformed++;
      return;
    }
    for (const key of [m.type, '*']) {
      for (const fn of this.#listeners.get(key) ?? []) {
        try {
          fn(m);
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    for (const w of this.#waiters) {
      if (w.match(m)) {
        this.#waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(m);
        return;
      }
    }
    if (this.#queue.length >= MAX_CLIENT_QUEUE) this.#queue.shift();
    this.#queue.push(m);
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
