// Every way a call to the cluster can fail, as one kubectl-like sentence. The API server answers with a
// Status (reason, message, details); the network fails with an errno; both become a ClusterError.

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

interface Status {
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
    return new ClusterError('Unauthorized', `You must be logged in to the server (${status?.message ?? 'Unauthorized'}) [${server}]`, code);
  }
  const reason = (status?.reason && REASONS[status.reason]) || reasonForCode(code);
  let message = status?.message ?? `the server answered HTTP ${code}`;
  // "Invalid" messages already name the object; causes add the field when the message does not.
  const causes = status?.details?.causes ?? [];
  if (reason === 'Invalid' && causes.length > 0 && !causes.every((c) => c.field && message.includes(c.field))) {
    message += ` (${causes.map((c) => [c.field, c.message].filter(Boolean).join(': ')).join('; ')})`;
  }
  return new ClusterError(reason, `Error from server (${status?.reason || reason}): ${message}`, code);
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

/** A failure before any answer: connection refused, DNS, TLS, time-out. */
export function fromNetwork(err: unknown, server: string, timeoutMs: number): ClusterError {
  const e = err as { code?: string; errno?: string; name?: string; type?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.errno ?? e.cause?.code;
  const host = server.replace(/^https?:\/\//, '');
  if (code === 'ECONNREFUSED') {
    return new ClusterError('Unreachable', `The connection to the server ${host} was refused - did you specify the right host or port?`);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.type === 'aborted' || code === 'ETIMEDOUT') {
    const after = timeoutMs > 0 ? ` after ${timeoutMs / 1000}s (--request-timeout)` : '';
    return new ClusterError('Timeout', `Unable to connect to the server: the request to ${host} timed out${after}`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ClusterError('Unreachable', `Unable to connect to the server: dial tcp: lookup ${host.split(':')[0]}: no such host`);
  }
  if (code && /CERT|SELF_SIGNED|TLS|SSL/.test(code)) {
    return new ClusterError('Unreachable', `Unable to connect to the server: x509: ${e.message ?? code} [${host}]`);
  }
  if (/HTTP protocol is not allowed/.test(e.message ?? '')) {
    return new ClusterError('NoConfig', `the server ${host} is plain HTTP; set insecure-skip-tls-verify on its cluster in the kubeconfig to use it`);
  }
  return new ClusterError('Unreachable', `Unable to connect to the server ${host}: ${e.message ?? String(err)}`);
}

/** Any error from a client call, mapped. */
export function toClusterError(err: unknown, server: string, timeoutMs = 0): ClusterError {
  if (err instanceof ClusterError) return err;
  const api = err as { code?: unknown; body?: unknown };
  if (typeof api.code === 'number' && api.code >= 300) return fromStatus(api.code, api.body, server);
  return fromNetwork(err, server, timeoutMs);
}
