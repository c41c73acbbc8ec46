// One HTTP exchange with the API server, under time limits that always end it:
// - the connection (DNS and TCP) within 30s and the TLS handshake within 10s, as client-go's transport
//   (k8s.io/client-go/transport/cache.go: net.Dialer{Timeout: 30s}, TLSHandshakeTimeout: 10s);
// - with --request-timeout, one hard deadline for the whole exchange, from the first byte to the last of
//   the answer, streams included (client-go sets http.Client.Timeout, which also bounds reading the body);
// - without it, the answer (headers and body) within 60s of the request being sent, the API server's own
//   default limit for a request (kube-apiserver --request-timeout), after which a healthy server has
//   answered or given up; a stream, once its headers came, has no limit (a quiet `logs -f` is healthy).
// When a limit runs out, the error names it and how far the exchange had come.
//
// Over HTTPS every request of a command shares one connection and one TLS handshake, as kubectl's do:
// HTTP/2 (ALPN h2, which the API server speaks), requests as concurrent streams. The connection is
// opened as soon as the cluster is known (H2Connection.open), so the handshake runs while the command
// still reads and renders its spec. A server that does not choose h2 gets HTTP/1.1, as before.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { ClusterError, fromNetwork, hostOf, httpOnHttps, KubectlError, timedOut, type Phase, type TimeLimit } from './errors.ts';

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
  /** The shared HTTP/2 connection to try first (HTTPS without a proxy); HTTP/1.1 when absent or refused. */
  h2?: H2Connection;
}

/**
 * Sends the request; resolves with the answer once its headers came. The limits keep running while the
 * body is read: a limit that runs out then destroys the answer with a ClusterError, which its reader
 * gets as the stream's error. `abort` ends it at once (the command is over).
 */
export function exchange(x: Exchange, track?: (abort: () => void) => () => void): Promise<http.IncomingMessage> {
  return x.h2 && !x.h2.refused ? exchangeH2(x, x.h2, track) : exchangeH1(x, track, Date.now());
}

/** The exchange over HTTP/1.1 (its own connection, or one the agent keeps); `started`: when the deadline began. */
function exchangeH1(x: Exchange, track: ((abort: () => void) => () => void) | undefined, started: number): Promise<http.IncomingMessage> {
  const secure = x.url.protocol === 'https:';
  const host = hostOf(x.server);
  const { limits } = x;
  return new Promise((resolve, reject) => {
    let phase: Phase = 'no connection';
    let res: http.IncomingMessage | undefined;
    let phaseTimer: NodeJS.Timeout | undefined;
    let done = false;
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
    const deadline = limits.requestMs > 0 ? setTimeout(expire(limits.requestMs, 'request'), Math.max(0, limits.requestMs - (Date.now() - started))) : undefined;
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

/**
 * The exchange as one HTTP/2 stream on the shared connection: while the connection is being made, its
 * phase (no connection, no TLS handshake) is this request's; the connect and TLS limits are the
 * connection's, --request-timeout and the answer limit this request's. If the server does not choose
 * h2, the request goes over HTTP/1.1 under the same deadline.
 */
function exchangeH2(x: Exchange, conn: H2Connection, track?: (abort: () => void) => () => void): Promise<http.IncomingMessage> {
  const host = hostOf(x.server);
  const { limits } = x;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let phase: Phase = 'no connection';
    let stream: http2.ClientHttp2Stream | undefined;
    let answered = false;
    let ended = false;
    let phaseTimer: NodeJS.Timeout | undefined;
    let done = false;
    const attempt = conn.session ? undefined : conn.open();
    const now = () => (stream || !attempt ? phase : attempt.phase());

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(phaseTimer);
      untrack?.();
    };
    const stop = (err: ClusterError) => {
      if (answered && stream) {
        stream.destroy(err);
        return;
      }
      finish();
      reject(err);
      stream?.destroy();
    };
    const deadline = limits.requestMs > 0 ? setTimeout(() => stop(timedOut(host, limits.requestMs, 'request', now())), limits.requestMs) : undefined;
    const untrack = track?.(() => stop(new ClusterError('Failed', 'the request was cancelled')));

    const send = (session: http2.ClientHttp2Session) => {
      if (done) return;
      phase = 'no answer';
      if (limits.requestMs <= 0 && limits.answerMs > 0) phaseTimer = setTimeout(() => stop(timedOut(host, limits.answerMs, 'answer', phase)), limits.answerMs);
      const headers: http2.OutgoingHttpHeaders = { ':method': x.method, ':path': `${x.url.pathname}${x.url.search}` };
      for (const [k, v] of Object.entries(x.options.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v as string | string[] | number;
      try {
        stream = session.request(headers, { endStream: x.body === undefined });
      } catch (err) {
        // The session closed in between (the server went away): as a connection that broke.
        finish();
        reject(fromNetwork(err, x.server, limits.requestMs));
        return;
      }
      const s = stream;
      s.on('response', (h) => {
        answered = true;
        const res = s as unknown as http.IncomingMessage;
        res.statusCode = Number(h[':status']);
        res.headers = h as http.IncomingHttpHeaders;
        if (x.stream) {
          // Headers came: a stream is unlimited from here unless --request-timeout bounds it.
          clearTimeout(phaseTimer);
          phaseTimer = undefined;
        }
        phase = 'answer incomplete';
        s.once('end', () => {
          ended = true;
          finish();
        });
        resolve(res);
      });
      s.on('error', (err) => {
        finish();
        if (!answered) reject(fromNetwork(err, x.server, limits.requestMs));
      });
      s.on('close', () => {
        finish();
        if (!answered) {
          reject(new KubectlError('Unreachable', `Unable to connect to the server: ${host} closed the connection before answering`));
        } else if (!ended && !s.destroyed && s.listenerCount('error') > 0) {
          s.emit('error', new KubectlError('Unreachable', `Unable to connect to the server: ${host} closed the connection before the answer was complete`));
        } else if (!ended && s.rstCode !== undefined && s.rstCode !== 0 && s.listenerCount('error') > 0) {
          s.emit('error', new KubectlError('Unreachable', `Unable to connect to the server: ${host} closed the connection before the answer was complete`));
        }
      });
      if (x.body !== undefined) s.end(x.body);
    };

    if (!attempt) {
      send(conn.session!);
      return;
    }
    attempt.done.then(
      (session) => {
        if (done) return;
        if (session) return send(session);
        // The server does not speak h2: HTTP/1.1, under this request's deadline.
        done = true;
        clearTimeout(deadline);
        untrack?.();
        exchangeH1(x, track, started).then(resolve, reject);
      },
      (err: ClusterError) => {
        if (done) return;
        finish();
        reject(err);
      },
    );
  });
}

/**
 * The one HTTP/2 connection of a cluster: made on first use (or at once, open()), shared by every request
 * as streams. Its connect and TLS handshake are limited as client-go's; a failure to connect is every
 * waiting request's, and the next request tries again. `refused`: the server chose HTTP/1.1 (ALPN), for
 * good.
 */
export class H2Connection {
  refused = false;
  session: http2.ClientHttp2Session | undefined;
  private attempt: { done: Promise<http2.ClientHttp2Session | undefined>; phase: () => Phase; cancel: (err: ClusterError) => void } | undefined;

  constructor(
    private readonly url: URL,
    private readonly tlsOptions: tls.ConnectionOptions,
    private readonly limits: Limits,
    private readonly server: string,
  ) {}

  /** The connection being made (started now if none is): resolves to the session, or undefined for HTTP/1.1. */
  open(): { done: Promise<http2.ClientHttp2Session | undefined>; phase: () => Phase } {
    if (this.session) return { done: Promise.resolve(this.session), phase: () => 'no answer' };
    this.attempt ??= this.connect();
    return this.attempt;
  }

  /** Starts connecting now (a failure here is said by the first request, which tries again). */
  preconnect(): void {
    if (this.refused || this.session) return;
    this.open().done.catch(() => undefined);
  }

  private connect(): NonNullable<H2Connection['attempt']> {
    const host = hostOf(this.server);
    const { limits } = this;
    let phase: Phase = 'no connection';
    let timer: NodeJS.Timeout | undefined;
    let socket: tls.TLSSocket | undefined;
    let settle!: { resolve: (s: http2.ClientHttp2Session | undefined) => void; reject: (e: ClusterError) => void };
    const done = new Promise<http2.ClientHttp2Session | undefined>((resolve, reject) => (settle = { resolve, reject }));
    const end = () => {
      clearTimeout(timer);
      if (this.attempt === attempt) this.attempt = undefined;
    };
    const fail = (err: ClusterError) => {
      end();
      socket?.destroy();
      settle.reject(err);
    };
    const enter = (next: Phase, ms: number, limit: TimeLimit) => {
      phase = next;
      clearTimeout(timer);
      timer = ms > 0 ? setTimeout(() => fail(timedOut(host, ms, limit, next)), ms) : undefined;
    };
    const attempt = { done, phase: () => phase, cancel: fail };
    enter('no connection', limits.connectMs, 'connect');
    socket = tls.connect({
      ...this.tlsOptions,
      host: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(this.url.port || 443),
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const s = socket;
    s.once('connect', () => enter('no TLS handshake', limits.tlsHandshakeMs, 'tls'));
    s.once('secureConnect', () => {
      end();
      if (s.alpnProtocol !== 'h2') {
        this.refused = true;
        s.destroy();
        settle.resolve(undefined);
        return;
      }
      const session = http2.connect(this.url.origin, {
        createConnection: () => s,
        // Large windows: a page of a big list comes in a few frames, without waiting on window updates.
        settings: { initialWindowSize: 8 << 20 },
      });
      session.setLocalWindowSize?.(32 << 20);
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      session.on('error', forget);
      session.on('goaway', forget);
      session.on('close', forget);
      this.session = session;
      settle.resolve(session);
    });
    s.on('error', (raw: NodeJS.ErrnoException) => {
      if (this.session?.socket === s) return; // The session's own error handling has it.
      // A handshake that fails in reading (nothing was written yet) is ERR_SSL_…; https.request, which
      // writes at once, sees the same failure as EPROTO: said alike either way.
      const err = raw.code?.startsWith('ERR_SSL_') ? Object.assign(new Error(raw.message), { code: 'EPROTO' }) : raw;
      if (err.code === 'EPROTO' && /wrong version number|packet length too long|unknown protocol/i.test(err.message)) {
        // Go's client sees the "HTTP/" of a plain server's answer where a TLS record should be; OpenSSL
        // only says "wrong version number", as for any non-TLS server: ask the port in plain HTTP.
        end();
        void speaksHttp(this.url, 2000).then((yes) => fail(yes ? httpOnHttps(this.server) : fromNetwork(err, this.server, limits.requestMs)));
        return;
      }
      fail(fromNetwork(err, this.server, limits.requestMs));
    });
    this.attempt = attempt;
    return attempt;
  }

  /** Ends the connection and any being made (the command is over). */
  close(): void {
    this.attempt?.cancel(new ClusterError('Failed', 'the request was cancelled'));
    this.session?.destroy();
    this.session = undefined;
  }
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
