/**
 * @module signaling/browser-client
 * The browser side of the signaling protocol (protocol.ts) as one small classic script,
 * served by the standalone server at `BROWSER_CLIENT_PATH`. It speaks to the server with
 * the browser's own WebSocket (RFC 6455) and defines `window.PurertcSignaling`:
 *
 * ```js
 * const sig = await PurertcSignaling.connect('ws://127.0.0.1:8080/');
 * sig.id;                                   // our peer id (from 'welcome')
 * sig.on('peer-joined', (m) => ...);        // any server message type, or '*'
 * const joined = await sig.join('room-1', 'alice');   // rejects on an error reply
 * sig.offer(pc.localDescription.sdp, joined.peers[0].id);
 * sig.candidate(event.candidate ? event.candidate.toJSON() : null, to);
 * sig.answer(sdp, to); sig.bye(to); sig.message({any: 'json'}, to); sig.leave(); sig.close();
 * ```
 * Pages that prefer no script send the JSON messages of protocol.ts themselves.
 */

/** Where the standalone server serves `BROWSER_CLIENT_SCRIPT`. */
export const BROWSER_CLIENT_PATH = '/purertc-signaling.js';

/** The script (plain ES2017, no imports). */
export const BROWSER_CLIENT_SCRIPT = `/* purertc signaling browser client (protocol: purertc src/signaling/protocol.ts) */
(function () {
  'use strict';
  function connect(url) {
    return new Promise(function (resolve, reject) {
      var ws = new WebSocket(url);
      var listeners = {};
      var pendingJoin = null;
      var api = {
        id: null,
        ws: ws,
        on: function (type, fn) {
          (listeners[type] = listeners[type] || []).push(fn);
          return api;
        },
        off: function (type, fn) {
          var list = listeners[type] || [];
          var i = list.indexOf(fn);
          if (i >= 0) list.splice(i, 1);
          return api;
        },
        send: function (msg) {
          ws.send(JSON.stringify(msg));
        },
        join: function (room, name) {
          return new Promise(function (res, rej) {
            pendingJoin = { resolve: res, reject: rej };
            var msg = { type: 'join', room: room };
            if (name !== undefined && name !== null) msg.name = name;
            api.send(msg);
          });
        },
        leave: function () { api.send({ type: 'leave' }); },
        offer: function (sdp, to) { api.send(addTo({ type: 'offer', sdp: sdp }, to)); },
        answer: function (sdp, to) { api.send(addTo({ type: 'answer', sdp: sdp }, to)); },
        candidate: function (candidate, to) { api.send(addTo({ type: 'candidate', candidate: candidate }, to)); },
        bye: function (to) { api.send(addTo({ type: 'bye' }, to)); },
        message: function (data, to) { api.send(addTo({ type: 'message', data: data }, to)); },
        close: function () { ws.close(1000, 'bye'); }
      };
      function addTo(msg, to) {
        if (to !== undefined && to !== null) msg.to = to;
        return msg;
      }
      function emit(type, msg) {
        var list = (listeners[type] || []).concat(listeners['*'] || []);
        for (var i = 0; i < list.length; i++) {
          try { list[i](msg); } catch (err) { setTimeout(function () { throw err; }); }
        }
      }
      ws.onmessage = function (ev) {
        var msg;
        try { msg = JSON.parse(ev.data); } catch (err) { return; }
        if (!msg || typeof msg.type !== 'string') return;
        if (msg.type === 'welcome') {
          api.id = msg.id;
          resolve(api);
        } else if (msg.type === 'joined' && pendingJoin) {
          pendingJoin.resolve(msg);
          pendingJoin = null;
        } else if (msg.type === 'error' && pendingJoin) {
          pendingJoin.reject(new Error(msg.code + ': ' + msg.message));
          pendingJoin = null;
        }
        emit(msg.type, msg);
      };
      ws.onerror = function () {
        reject(new Error('signaling WebSocket error (' + url + ')'));
      };
      ws.onclose = function (ev) {
        reject(new Error('signaling WebSocket closed: ' + ev.code));
        if (pendingJoin) pendingJoin.reject(new Error('closed'));
        pendingJoin = null;
        emit('close', { type: 'close', code: ev.code, reason: ev.reason });
      };
    });
  }
  window.PurertcSignaling = { connect: connect };
})();
`;
