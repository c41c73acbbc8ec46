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
import type http from 'node:http';
import type http2 from 'node:http2';
import type https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { ClusterError, fromNetwork, hostOf, httpOnHttps, KubectlError, notJson, timedOut, type Phase, type TimeLimit } from './errors.ts';

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
  /** The agent for HTTP/1.1, when options name none (made only if HTTP/1.1 is used). */
  h1Agent?: () => http.Agent;
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
    const agent = x.options.agent ?? x.h1Agent?.();
    const req = (secure ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http')).request(x.url, { ...x.options, ...(agent ? { agent } : {}), method: x.method });

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
      if (secure && notTls(err)) {
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
    let h2: typeof http2 | undefined;
    s.once('connect', () => {
      enter('no TLS handshake', limits.tlsHandshakeMs, 'tls');
      // The ClientHello is on its way: load HTTP/2 while the server answers it, not before connecting.
      h2 = process.getBuiltinModule('node:http2');
    });
    s.once('secureConnect', () => {
      end();
      if (s.alpnProtocol !== 'h2') {
        this.refused = true;
        s.destroy();
        settle.resolve(undefined);
        return;
      }
      const session = (h2 ?? process.getBuiltinModule('node:http2')).connect(this.url.origin, {
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
      if (notTls(err)) {
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

/**
 * Whether the handshake failed because the server does not speak TLS. Go's client sees the "HTTP/" of a
 * plain server's answer where a TLS record should be; OpenSSL only says "wrong version number", as for
 * any non-TLS server: the caller asks the port in plain HTTP (speaksHttp).
 */
function notTls(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPROTO' && /wrong version number|packet length too long|unknown protocol/i.test(err.message);
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
export async function readAll(res: http.IncomingMessage, server: string, requestMs = 0): Promise<string> {
  return (await readBody(res, server, requestMs)).toString('utf8');
}

/**
 * The whole answer as bytes. `head`, if given, is shown the answer's first bytes (as latin1 text) as they
 * come, until it returns true (it has seen what it looks for) or 16 kB have come.
 */
export function readBody(res: http.IncomingMessage, server: string, requestMs = 0, head?: (text: string) => boolean, filter?: ManagedFieldsFilter): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let seen = '';
    let looking = head !== undefined;
    res.on('data', (c: Buffer) => {
      if (looking) {
        seen += c.toString('latin1', 0, Math.min(c.length, 16_384 - seen.length));
        looking = !head!(seen) && seen.length < 16_384;
      }
      if (filter) filter.write(c);
      else {
        chunks.push(c);
        size += c.length;
      }
    });
    res.on('end', () => {
      if (filter) {
        const kept = filter.end();
        if (kept) return resolve(kept);
        return reject(notJson(res.statusCode ?? 0, res.headers['content-type'], server));
      }
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    res.on('error', (err) => reject(err instanceof ClusterError ? err : fromNetwork(err, server, requestMs)));
  });
}

/**
 * The `continue` token a page of a list names in its first bytes (`{"kind":"Table",…,"metadata":
 * {"resourceVersion":"…","continue":"…"},"columnDefinitions":…`): a string when found, null when the
 * list's metadata has gone by without one (the last page), undefined when it has not come yet.
 */
export function continueToken(head: string): string | null | undefined {
  const end = head.search(/"(?:columnDefinitions|rows|items)":/);
  const meta = end < 0 ? head : head.slice(0, end);
  const m = /^\{(?:"(?:kind|apiVersion)":"[^"]*",)*"metadata":\{[^{}]*?"continue":"((?:[^"\\]|\\.)*)"/.exec(meta);
  if (m) {
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return null;
    }
  }
  return end < 0 ? undefined : null;
}

const MANAGED_FIELDS = Buffer.from('"managedFields":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * Takes every `"managedFields":[…]` member (and its comma) out of JSON text as it arrives, chunk by
 * chunk: the field-ownership records that make up most of an object's metadata, which nothing reads
 * from a list. Only the rest is kept (a page of Deployments: 2.5 MB in, 0.6 MB kept), so a big answer
 * never sits whole in memory. The text is compact JSON (the API server's): a key's opening quote
 * follows `{` or `,`, and a quote inside a string follows a backslash, so the key is found by search;
 * only the skipped array is read byte by byte (for its strings and nesting). Text it cannot follow is
 * kept as it came.
 */
export class ManagedFieldsFilter {
  // Uninitialized: only the bytes written become resident, so one size fits a page of any kind.
  private out = Buffer.allocUnsafeSlow(4 << 20);
  private size = 0;
  /** The last bytes of the previous chunk, when they may begin the key. */
  private carry: Buffer | undefined;
  /** Inside the skipped array: its depth, and whether in a string (after a backslash). */
  private skipping = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The member was an object's first: its following comma goes instead of its preceding one. */
  private dropComma = false;

  write(chunk: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    let i = 0;
    while (i < data.length) {
      if (this.skipping) {
        i = this.skip(data, i);
        continue;
      }
      if (this.dropComma) {
        this.dropComma = false;
        if (data[i] === COMMA) i++;
        continue;
      }
      const at = data.indexOf(MANAGED_FIELDS, i);
      if (at < 0) {
        // Keep back what may be the key's beginning, cut by the chunk's end.
        const keep = Math.max(i, data.length - MANAGED_FIELDS.length);
        this.emit(data, i, keep);
        this.carry = Buffer.from(data.subarray(keep));
        return;
      }
      if (at + MANAGED_FIELDS.length >= data.length) {
        // The key, but not yet the byte after it.
        this.emit(data, i, at);
        this.carry = Buffer.from(data.subarray(at));
        return;
      }
      const before = at > 0 ? data[at - 1] : this.size > 0 ? this.out[this.size - 1] : undefined;
      const isKey = (before === COMMA || before === OPEN_BRACE) && data[at + MANAGED_FIELDS.length] === OPEN_BRACKET;
      if (!isKey) {
        this.emit(data, i, at + 1);
        i = at + 1;
        continue;
      }
      this.emit(data, i, at);
      if (before === COMMA) this.size--;
      else this.dropComma = true;
      this.skipping = true;
      this.depth = 0;
      this.inString = false;
      this.escaped = false;
      i = at + MANAGED_FIELDS.length;
    }
  }

  /** Everything kept, once the answer is complete (or undefined if it ended inside a skipped member). */
  end(): Buffer | undefined {
    if (this.skipping) return undefined;
    if (this.carry) this.emit(this.carry, 0, this.carry.length);
    return this.out.subarray(0, this.size);
  }

  /** Reads the skipped array from i; returns where reading goes on. */
  private skip(b: Buffer, from: number): number {
    for (let i = from; i < b.length; i++) {
      const c = b[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
      } else if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACKET || c === OPEN_BRACE) this.depth++;
      else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
        this.depth--;
        if (this.depth === 0) {
          this.skipping = false;
          return i + 1;
        }
      }
    }
    return b.length;
  }

  private emit(b: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.size + n > this.out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.size + n));
      this.out.copy(bigger, 0, 0, this.size);
      this.out = bigger;
    }
    b.copy(this.out, this.size, from, to);
    this.size += n;
  }
}

/** The JSON text with every `"managedFields":[…]` member taken out (ManagedFieldsFilter, at once). */
export function withoutManagedFields(body: Buffer): Buffer {
  const f = new ManagedFieldsFilter();
  f.write(body);
  return f.end() ?? body;
}
