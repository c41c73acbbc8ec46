// pachd's HTTP API (Pachyderm 2.8+): the grpc-gateway routes mounted under /api/ (src/server/http/http.go
// of pachyderm/pachyderm), each a POST of the request message as JSON, answered with the response message
// as JSON, the token in the `authn-token` header. One way to call it for pachsvc (version.ts: GetVersion,
// resolve.ts: InspectCommit): one deadline for the whole exchange, the answer read up to a cap (an address
// that is not pachd may answer without end), and what is reported of it escaped and cut.
import http from 'node:http';
import https from 'node:https';
import { safeText } from '../lib/text.ts';

/** pachd's answers pachsvc asks for are a few hundred bytes; more than this is not pachd answering. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface PachdAnswer {
  /** The URL asked, for messages. */
  url: string;
  status: number;
  /** The answer parsed as JSON; undefined when it is not JSON. */
  json: unknown;
  text: string;
}

/**
 * POSTs `body` (as JSON) to `<address>/api/<method>` (`versionpb_v2.API/GetVersion`), with the token if
 * given. Resolves with any HTTP answer; rejects with one sentence when there is none in time, it cannot be
 * reached, or the answer is larger than MAX_ANSWER_BYTES.
 */
export function pachdPost(address: string, method: string, body: unknown, token: string | undefined, timeoutMs: number): Promise<PachdAnswer> {
  const url = `${address.replace(/\/+$/, '')}/api/${method}`;
  const shown = safeText(url);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Error(`${shown} is not a URL`));
  }
  const payload = JSON.stringify(body);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const tooBig = () => new Error(`${shown} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB (is this pachd's HTTP port?)`);
    const unreachable = (err: NodeJS.ErrnoException) => new Error(`cannot reach ${shown}: ${safeText(err.code ?? err.message, 200)}`);
    const timer = setTimeout(() => fail(new Error(`no answer from ${shown} within ${timeoutMs / 1000}s`)), timeoutMs);
    const req = lib.request(
      target,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          ...(token ? { 'authn-token': token } : {}),
        },
      },
      (res) => {
        if (Number(res.headers['content-length'] ?? 0) > MAX_ANSWER_BYTES) return fail(tooBig());
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > MAX_ANSWER_BYTES) fail(tooBig());
          else chunks.push(chunk);
        });
        res.on('error', (err) => fail(unreachable(err)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ url, status: res.statusCode ?? 0, json: parseJson(text), text });
        });
      },
    );
    req.on('error', (err) => fail(unreachable(err)));
    req.end(payload);
  });
}

/** An answer other than 2xx, as one sentence: pachd's own message (a gRPC status's), else the text, escaped and cut. */
export function refusal(answer: PachdAnswer): Error {
  const message = (answer.json as { message?: unknown } | undefined)?.message;
  const said = safeText(typeof message === 'string' ? message : answer.text.trim(), 200);
  return new Error(`${safeText(answer.url)} answered HTTP ${answer.status}: ${said || 'an empty answer'}`);
}

export function isOk(answer: PachdAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
