// Stand-ins for API servers that misbehave on the wire, for tests of the time limits and of answers that
// are not the API server's: a port that accepts and never speaks, one that never accepts, one that
// answers the headers and then trickles a byte a second, a plain web server, and a certificate to serve
// TLS with. Each is a small local server closed by the test; none needs the network.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { tempDir } from './temp.ts';

export interface StubServer {
  /** http://127.0.0.1:PORT or https://…, as a kubeconfig names it. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

/** A TCP port that accepts connections and never says a word (an API server stopped with SIGSTOP, or worse). */
export async function startSilentServer(): Promise<StubServer & { connections(): number }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await listening(server);
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A port that never accepts: its listener's thread is blocked and its accept queue (backlog 1) is full
 * of connections nobody takes, so the kernel drops further SYNs and a new connection hangs in the
 * connect. That is a stopped API server once its queue filled, or a black hole.
 */
export async function startNeverAcceptingServer(): Promise<StubServer> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer(() => {});
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setImmediate(() => { Atomics.wait(workerData, 0, 0); server.close(); });
     });`,
    { eval: true, workerData: gate },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  // Fill the queue until a connection no longer completes.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}

export interface TlsMaterial {
  dir: string;
  /** A self-signed certificate for 127.0.0.1 and localhost (its own CA), and its key. */
  cert: string;
  key: string;
  /** Another key, which does not belong to cert. */
  otherKey: string;
}

/** A certificate made now with openssl (made at test time, so it is valid whatever the clock says). */
export function makeTlsMaterial(): TlsMaterial {
  const dir = tempDir('tls');
  const key = join(dir, 'server.key');
  const otherKey = join(dir, 'other.key');
  const cert = join(dir, 'server.crt');
  for (const k of [key, otherKey]) execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', k], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    ['req', '-x509', '-new', '-key', key, '-subj', '/CN=pachsvc-test-stub', '-days', '2', '-sha256', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-out', cert],
    { stdio: 'ignore' },
  );
  return { dir, cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), otherKey: readFileSync(otherKey, 'utf8') };
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** An HTTP (or, with tls, HTTPS) server running handler; every socket is destroyed on close. */
export async function startHttpServer(handler: Handler, tls?: TlsMaterial): Promise<StubServer & { requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] }> {
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const wrapped: Handler = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res);
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, wrapped) : http.createServer(wrapped);
  const port = await listening(server);
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers 200 with JSON headers at once, then one byte of body a second, for ever. */
export function trickling(contentType = 'application/json'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    const body = '{"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":[],"rows":[]}' + ' '.repeat(1e6);
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      res.write(body[i++ % body.length]!);
    }, 1000);
    res.on('close', () => clearInterval(timer));
  };
}

/** Accepts the request and never answers (a hung handler behind a live socket). */
export function mute(): Handler {
  return () => {};
}

/** A plain web server: 404 with an HTML page for every path. */
export function webServer(): Handler {
  return (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>nginx</p></body></html>\n');
  };
}

/**
 * A CONNECT proxy (what @kubernetes/client-node's proxy agents speak) that tunnels every connection to
 * one upstream port, whatever host was asked for, and records what was asked; or, with no upstream,
 * one that takes the CONNECT and never answers.
 */
export async function startConnectProxy(upstreamPort?: number): Promise<StubServer & { targets: string[] }> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    sockets.add(client);
    client.on('error', () => {});
    if (upstreamPort === undefined) return;
    const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  const port = await listening(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A kubeconfig file (written as YAML-compatible JSON, or as the given text) in a fresh directory (removed when the process exits). */
export function writeKubeconfig(content: string | Record<string, unknown>, name = 'kubeconfig'): string {
  const dir = tempDir('kubeconfig');
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A one-context kubeconfig for server with a token user; cluster and user fields added as given. */
export function kubeconfigFor(server: string, cluster: Record<string, unknown> = {}, user: Record<string, unknown> = { token: 'stub-token' }): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stub', cluster: { server, ...cluster } }],
    users: [{ name: 'stub', user }],
    contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace: 'default' } }],
    'current-context': 'stub',
  };
}
