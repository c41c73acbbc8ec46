// Every way a call to the cluster can fail, as one kubectl-like sentence. The API server answers with a
// Status (reason, message, details); the network fails with an errno; a time limit runs out in a known
// phase of the exchange; something that is not an API server answers in its own way. All become a
// ClusterError.
import { quote } from '../lib/text.ts';

export type ClusterReason =
  | 'NoConfig'
  | 'Unreachable'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Timeout'
  /** The server answered, but not as a Kubernetes API server does (an HTML page, a proxy's error). */
  | 'NotKubernetes'
  | 'NotManaged'
  | 'Failed';

export class ClusterError extends Error {
  constructor(
    readonly reason: ClusterReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

/** A failure said in kubectl's own words ("Error from server (…): …", "Unable to connect to the server: …"): printed as it is. */
export class KubectlError extends ClusterError {}

export interface Status {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: { field?: string; message?: string; reason?: string }[] };
}

const REASONS: Record<string, ClusterReason> = {
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Invalid: 'Invalid',
  Forbidden: 'Forbidden',
  Unauthorized: 'Unauthorized',
  Timeout: 'Timeout',
};

/** An API server answer that is not a success. `body` is the raw response text. */
export function fromStatus(code: number, body: unknown, server: string): ClusterError {
  const status = parseStatus(body);
  if (code === 401) {
    return new KubectlError('Unauthorized', `You must be logged in to the server (${status?.message ?? 'Unauthorized'}) [${server}]`, code);
  }
  const reason = (status?.reason && REASONS[status.reason]) || reasonForCode(code);
  let message = status?.message ?? `the server answered HTTP ${code}`;
  // "Invalid" messages already name the object; causes add the field when the message does not.
  const causes = status?.details?.causes ?? [];
  if (reason === 'Invalid' && causes.length > 0 && !causes.every((c) => c.field && message.includes(c.field))) {
    message += ` (${causes.map((c) => [c.field, c.message].filter(Boolean).join(': ')).join('; ')})`;
  }
  return new KubectlError(reason, `Error from server (${status?.reason || reason}): ${message}`, code);
}

function reasonForCode(code: number): ClusterReason {
  if (code === 403) return 'Forbidden';
  if (code === 404) return 'NotFound';
  if (code === 409) return 'Conflict';
  if (code === 422) return 'Invalid';
  if (code === 504 || code === 408) return 'Timeout';
  return 'Failed';
}

function parseStatus(body: unknown): Status | undefined {
  if (body && typeof body === 'object') return body as Status;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed = JSON.parse(body) as Status;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return { message: body.trim().slice(0, 300) };
  }
}

/**
 * An answer that is not a success, from the lean HTTPS path. Only a Kubernetes Status body is the API
 * server's word (a 404 Status is NotFound); a web server's or a proxy's page is said to be one, so that
 * `delete --ignore-not-found` against the wrong URL fails instead of succeeding.
 */
export function fromResponse(code: number, contentType: string | undefined, body: string, server: string): ClusterError {
  const status = statusOf(body);
  if (status || code === 401) return fromStatus(code, status, server);
  const what = `HTTP ${code}, ${contentType ? mediaType(contentType) : 'no content type'}`;
  if (code >= 500) {
    // The API server's own panic handler answers 500 in plain text: a server error, not a stranger.
    return new KubectlError('Failed', `Error from server: the server at ${quote(server)} answered ${what}${excerpt(body)}`, code);
  }
  return notKubernetes(server, what, code);
}

/** A success whose body is not the JSON the API always sends. */
export function notJson(code: number, contentType: string | undefined, server: string): ClusterError {
  return notKubernetes(server, `HTTP ${code}, ${contentType ? mediaType(contentType) : 'no content type'}`, code);
}

function notKubernetes(server: string, what: string, code: number): ClusterError {
  return new ClusterError('NotKubernetes', `the server at ${quote(server)} is not a Kubernetes API server (${what})`, code);
}

/** The body as a Kubernetes Status (`{"kind":"Status",…}`), or undefined. */
export function statusOf(body: string): Status | undefined {
  if (!/^\s*\{/.test(body)) return undefined;
  try {
    const parsed = JSON.parse(body) as Status;
    return parsed && typeof parsed === 'object' && parsed.kind === 'Status' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function mediaType(contentType: string): string {
  return quoteIfOdd(contentType.split(';')[0]!.trim().toLowerCase());
}

function quoteIfOdd(text: string): string {
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(text) ? text : quote(text, 40);
}

function excerpt(body: string): string {
  const line = body.slice(0, 2000).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return line === '' ? '' : `: ${quote(line, 120)}`;
}

/** Which time limit ran out. */
export type TimeLimit = 'request' | 'connect' | 'tls' | 'answer';
/** How far the exchange had come when it ran out. */
export type Phase = 'no connection' | 'no TLS handshake' | 'no answer' | 'answer incomplete';

const LIMIT_NAMES: Record<TimeLimit, string> = {
  request: '--request-timeout',
  connect: 'the connect limit',
  tls: 'the TLS handshake limit',
  answer: 'the default limit for an answer; --request-timeout sets another',
};

/** `Unable to connect to the server: the request to HOST timed out after 3s (--request-timeout): no answer`. */
export function timedOut(host: string, ms: number, limit: TimeLimit, phase: Phase): ClusterError {
  return new KubectlError('Timeout', `Unable to connect to the server: the request to ${host} timed out after ${duration(ms)} (${LIMIT_NAMES[limit]}): ${phase}`);
}

/** A duration as Go prints one: `500ms`, `3s`, `1.5s`, `1m30s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(3))}s`;
  const m = Math.floor(s / 60);
  const rest = Number((s - m * 60).toFixed(3));
  return m >= 60 ? `${Math.floor(m / 60)}h${m % 60}m${rest}s` : `${m}m${rest}s`;
}

/** The host and port of a server URL, for messages (parsed, so it carries no control characters). */
export function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return quote(server.replace(/^https?:\/\//, ''));
  }
}

/** A failure before any answer: connection refused, DNS, TLS, time-out. */
export function fromNetwork(err: unknown, server: string, timeoutMs: number): ClusterError {
  if (err instanceof ClusterError) return err;
  const e = err as { code?: string; errno?: string; name?: string; type?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.errno ?? e.cause?.code;
  const host = hostOf(server);
  if (code === 'ECONNREFUSED') {
    return new KubectlError('Unreachable', `The connection to the server ${host} was refused - did you specify the right host or port?`);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.type === 'aborted' || code === 'ETIMEDOUT') {
    const after = timeoutMs > 0 ? ` after ${duration(timeoutMs)} (--request-timeout)` : '';
    return new KubectlError('Timeout', `Unable to connect to the server: the request to ${host} timed out${after}`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new KubectlError('Unreachable', `Unable to connect to the server: dial tcp: lookup ${host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')}: no such host`);
  }
  if (code === 'ECONNRESET' && e.message === 'aborted') {
    return new KubectlError('Unreachable', `Unable to connect to the server: ${host} closed the connection before the answer was complete`);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new KubectlError('Unreachable', `Unable to connect to the server: dial tcp ${host}: connect: ${code === 'EHOSTUNREACH' ? 'no route to host' : 'network is unreachable'}`);
  }
  if (code && /CERT|SELF_SIGNED|TLS|SSL|ALTNAME/.test(code)) {
    return new KubectlError('Unreachable', `Unable to connect to the server: x509: ${firstLine(e.message ?? code)} [${host}]`);
  }
  if (code === 'EPROTO') {
    return new KubectlError('Unreachable', `Unable to connect to the server: the TLS handshake with ${host} failed: ${openSslReason(e.message ?? code)}`);
  }
  return new KubectlError('Unreachable', `Unable to connect to the server ${host}: ${firstLine(e.message ?? String(err))}`);
}

/** An https URL whose port speaks plain HTTP: kubectl's words. */
export function httpOnHttps(server: string): ClusterError {
  return new ClusterError(
    'Unreachable',
    `Unable to connect to the server: http: server gave HTTP response to HTTPS client (${hostOf(server)} speaks plain HTTP: is the kubeconfig's server meant to be http://…?)`,
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

// `write EPROTO 80CC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…` → `wrong version number`.
function openSslReason(message: string): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(message);
  return m ? m[1]! : firstLine(message);
}

/** Any error from a client call, mapped. */
export function toClusterError(err: unknown, server: string, timeoutMs = 0): ClusterError {
  if (err instanceof ClusterError) return err;
  const api = err as { code?: unknown; body?: unknown };
  if (typeof api.code === 'number' && api.code >= 300) return fromStatus(api.code, api.body, server);
  return fromNetwork(err, server, timeoutMs);
}
