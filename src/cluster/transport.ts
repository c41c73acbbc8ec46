// One HTTP exchange with the API server, under time limits that always end it:
// - the connection (DNS and TCP) within 30s and the TLS handshake within 10s, as client-go's transport
//   (k8s.io/client-go/transport/cache.go: net.Dialer{Timeout: 30s}, TLSHandshakeTimeout: 10s);
// - with --request-timeout, one hard deadline for the whole exchange, from the first byte to the last of
//   the answer, streams included (client-go sets http.Client.Timeout, which also bounds reading the body);
// - without it, the answer (headers and body) within 60s of the request being sent, the API server's own
//   default limit for a request (kube-apiserver --request-timeout), after which a healthy server has
//   answered or given up; a stream, once its headers came, has no limit (a quiet `logs -f` is healthy).
// When a limit runs out, the error names it and how far the exchange had come.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ClusterError, fromNetwork, hostOf, httpOnHttps, timedOut, type Phase, type TimeLimit } from './errors.ts';

export interface Limits {
  /** --request-timeout: the whole exchange, streams included. 0: none. */
  requestMs: number;
  /** DNS and TCP connect. */
  connectMs: number;
  /** The TLS handshake, once connected. */
  tlsHandshakeMs: number;
  /** Without --request-timeout: from the request sent to the answer's last byte (a stream's headers). */
  answerMs: number;
}

export const DEFAULT_LIMITS: Readonly<Omit<Limits, 'requestMs'>> = { connectMs: 30_000, tlsHandshakeMs: 10_000, answerMs: 60_000 };

export interface Exchange {
  method: string;
  url: URL;
  /** Agent, TLS and headers, as for https.request. */
  options: https.RequestOptions;
  body?: string;
  /** An answer read as a stream (logs): without --request-timeout, unlimited once its headers came. */
  stream: boolean;
  limits: Limits;
  /** The server as the kubeconfig names it, for messages. */
  server: string;
}

/**
 * Sends the request; resolves with the answer once its headers came. The limits keep running while the
 * body is read: a limit that runs out then destroys the answer with a ClusterError, which its reader
 * gets as the stream's error. `abort` ends it at once (the command is over).
 */
export function exchange(x: Exchange, track?: (abort: () => void) => () => void): Promise<http.IncomingMessage> {
  const secure = x.url.protocol === 'https:';
  const host = hostOf(x.server);
  const { limits } = x;
  return new Promise((resolve, reject) => {
    let phase: Phase = 'no connection';
    let res: http.IncomingMessage | undefined;
    let phaseTimer: NodeJS.Timeout | undefined;
    let done = false;
    const started = Date.now();
    const req = (secure ? https : http).request(x.url, { ...x.options, method: x.method });

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(phaseTimer);
      untrack?.();
    };
    const stop = (err: ClusterError) => {
      if (res) {
        res.destroy(err);
        return;
      }
      // Before any answer: reject now. A request still waiting for a socket (a proxy agent's CONNECT, a
      // full pool) would report its destruction only once it got one.
      finish();
      reject(err);
      req.destroy(err);
    };
    const expire = (ms: number, limit: TimeLimit) => () => stop(timedOut(host, ms, limit, phase));
    const deadline = limits.requestMs > 0 ? setTimeout(expire(limits.requestMs, 'request'), limits.requestMs) : undefined;
    const untrack = track?.(() => stop(new ClusterError('Failed', 'the request was cancelled')));
    const enter = (next: Phase) => {
      phase = next;
      clearTimeout(phaseTimer);
      phaseTimer = undefined;
      const limit: [number, TimeLimit] | undefined =
        next === 'no connection'
          ? [limits.connectMs, 'connect']
          : next === 'no TLS handshake'
            ? [limits.tlsHandshakeMs, 'tls']
            : next === 'no answer' && limits.requestMs <= 0
              ? [limits.answerMs, 'answer']
              : undefined;
      if (limit && limit[0] > 0) phaseTimer = setTimeout(expire(...limit), limit[0]);
    };

    req.on('socket', (socket: net.Socket) => {
      // A kept-alive socket is connected (and past its handshake) already; a new one is connecting, or
      // (through a proxy agent) handed over connected.
      if (!socket.connecting) return enter('no answer');
      enter('no connection');
      socket.once('connect', () => enter(secure ? 'no TLS handshake' : 'no answer'));
      if (secure) socket.once('secureConnect', () => enter('no answer'));
    });
    req.on('response', (answer) => {
      res = answer;
      if (x.stream) {
        // Headers came: a stream is unlimited from here unless --request-timeout bounds it.
        clearTimeout(phaseTimer);
        phaseTimer = undefined;
      }
      phase = 'answer incomplete';
      answer.once('end', finish);
      answer.once('close', finish);
      resolve(answer);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish();
      if (res) return; // The answer's reader gets it.
      if (secure && err.code === 'EPROTO' && /wrong version number|packet length too long|unknown protocol/i.test(err.message)) {
        // Go's client sees the "HTTP/" of a plain server's answer where a TLS record should be; OpenSSL
        // only says "wrong version number", as for any non-TLS server: ask the port in plain HTTP.
        const left = limits.requestMs > 0 ? limits.requestMs - (Date.now() - started) : 2000;
        void speaksHttp(x.url, Math.min(2000, left)).then((yes) => reject(yes ? httpOnHttps(x.server) : fromNetwork(err, x.server, limits.requestMs)));
        return;
      }
      reject(fromNetwork(err, x.server, limits.requestMs));
    });
    if (x.body !== undefined) req.write(x.body);
    req.end();
  });
}

/** Whether the server at url's host and port answers a plain HTTP request (within ms). */
export function speaksHttp(url: URL, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = net.connect({ host, port: Number(url.port || 443) });
    let seen = '';
    const end = (yes: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => end(false), ms);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`HEAD / HTTP/1.0\r\nHost: ${url.host}\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.length >= 5) end(seen.startsWith('HTTP/'));
    });
    socket.on('error', () => end(false));
    socket.on('close', () => end(seen.startsWith('HTTP/')));
  });
}

/** The whole answer as text; a limit that runs out (or a cut connection) rejects with a ClusterError. */
export function readAll(res: http.IncomingMessage, server: string, requestMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (err) => reject(err instanceof ClusterError ? err : fromNetwork(err, server, requestMs)));
  });
}
