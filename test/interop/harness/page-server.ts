/**
 * @module test/interop/harness/page-server
 * A tiny node:http server for the Chrome tests. Chrome exposes `navigator.mediaDevices`
 * (and so camera/microphone permission, which gates loopback ICE candidates) only in a
 * secure context; `http://localhost` is one (W3C Secure Contexts section 3.1), about:blank
 * is not. So tests load a real page from here. Listens on 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installPagePeers } from './page-peers.js';

/** Extra routes: path -> body and content type. */
export type PageRoutes = Readonly<Record<string, { readonly body: string | Uint8Array; readonly contentType: string }>>;

export interface PageServer {
  /** `http://localhost:<port>/`: the page with `window.purertc` installed. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The harness page: a log area (visible in failure screenshots) and the page peers. */
export function harnessPageHtml(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>purertc interop</title>
<style>body{font:12px monospace;margin:8px}#log div{white-space:pre}</style></head>
<body><h1 style="font-size:14px">purertc Chrome interop harness</h1><div id="log"></div>
<script>var __name = function (f) { return f; }; /* esbuild keepNames (tsx) helper */</script>
<script>(${String(installPagePeers)})();</script>
</body></html>
`;
}

/** Serves the harness page at `/` plus `routes`, on 127.0.0.1 with an ephemeral port. */
export async function startPageServer(routes: PageRoutes = {}): Promise<PageServer> {
  const page = harnessPageHtml();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = path === '/' ? { body: page, contentType: 'text/html; charset=utf-8' } : routes[path];
    if (route === undefined && path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.contentType, 'cache-control': 'no-store' });
    res.end(route.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
