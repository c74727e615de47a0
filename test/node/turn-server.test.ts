// src/node/turn-server.ts glue: frames to a TCP client are written whole, and dropped
// (counted) once MAX_TCP_QUEUED_BYTES wait on a connection whose client stopped reading;
// a Binding request over TCP on loopback is still answered through that path.
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MAX_TCP_QUEUED_BYTES, startTurnServer, writeFrameBounded, type QueuedWriter } from '../../src/node/turn-server.js';
import { decodeStunMessage, encodeStunMessage, getAttribute, StunStreamFramer } from '../../src/stun/index.js';

/** A connection whose peer never reads: everything written stays queued. */
class StalledConnection implements QueuedWriter {
  writableLength = 0;
  destroyed = false;
  readonly frames: Uint8Array[] = [];
  write(data: Uint8Array): boolean {
    this.frames.push(data);
    this.writableLength += data.length;
    return this.writableLength < MAX_TCP_QUEUED_BYTES;
  }
}

describe('TURN server TCP writes (bounded per connection)', () => {
  it('queues whole frames up to MAX_TCP_QUEUED_BYTES, then drops them', () => {
    const conn = new StalledConnection();
    const frame = new Uint8Array(1500);
    let written = 0;
    let dropped = 0;
    for (let i = 0; i < 2 * (MAX_TCP_QUEUED_BYTES / frame.length); i++) {
      if (writeFrameBounded(conn, frame)) written++;
      else dropped++;
    }
    expect(conn.writableLength).toBeLessThan(MAX_TCP_QUEUED_BYTES + frame.length);
    expect(conn.frames.every((f) => f.length === frame.length)).toBe(true);
    expect(written).toBe(Math.ceil(MAX_TCP_QUEUED_BYTES / frame.length));
    expect(dropped).toBeGreaterThan(0);
    conn.writableLength = 0;
    expect(writeFrameBounded(conn, frame)).toBe(true);
    conn.destroyed = true;
    expect(writeFrameBounded(conn, frame)).toBe(false);
  });

  it('answers a Binding request over TCP on loopback', async () => {
    const server = await startTurnServer({ host: '127.0.0.1', port: 0, realm: 'purertc.test', users: { u: 'p' }, minPort: 45200, maxPort: 45209, tcp: true });
    try {
      const sock = connect(server.port, '127.0.0.1');
      await once(sock, 'connect');
      const framer = new StunStreamFramer();
      const tid = new Uint8Array(12).fill(4);
      sock.write(encodeStunMessage({ class: 'request', method: 1, transactionId: tid, attributes: [] }));
      let frames: Uint8Array[] = [];
      while (frames.length === 0) {
        const [chunk] = (await once(sock, 'data')) as [Buffer];
        frames = framer.push(chunk);
      }
      const res = decodeStunMessage(frames[0] as Uint8Array);
      expect(res.class).toBe('success');
      expect(res.transactionId).toEqual(tid);
      expect(getAttribute(res, 'XOR-MAPPED-ADDRESS')?.port).toBe(sock.localPort);
      expect(server.tcpFramesDropped).toBe(0);
      sock.destroy();
    } finally {
      await server.close();
    }
  });
});
