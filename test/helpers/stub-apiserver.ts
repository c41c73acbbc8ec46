// A request-logging stand-in for the Kubernetes API server, for tests of what pachsvc *sends* (a dry run
// that must never write, requests that must stop at a deadline). It keeps objects in memory and answers
// the few calls pachsvc makes in the API server's shapes; the end-to-end tests use a real API server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  /** The request's headers (content-type, authorization, …), names in lower case. */
  headers: http.IncomingHttpHeaders;
}

export interface StubApiServer {
  url: string;
  kubeconfig: string;
  requests: LoggedRequest[];
  /** Requests that would change something: POST/PUT/PATCH/DELETE that are no dry run. */
  writes(): LoggedRequest[];
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// A dry run as the API server tells one: dryRun=All in the query; in the body only for a DELETE, whose body
// is DeleteOptions (a POST, PUT or PATCH body is the object, and a dryRun field in it is no option).
function isDryRun(r: LoggedRequest): boolean {
  if (r.query.getAll('dryRun').includes('All')) return true;
  if (r.method !== 'DELETE') return false;
  try {
    const body = JSON.parse(r.body) as { dryRun?: string[] };
    return Array.isArray(body?.dryRun) && body.dryRun.includes('All');
  } catch {
    return false;
  }
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code };
}

export async function startStubApiServer(): Promise<StubApiServer> {
  const requests: LoggedRequest[] = [];
  const objects = new Map<string, Record<string, any>>();
  let rv = 1;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const entry = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, headers: req.headers };
      requests.push(entry);
      const send = (code: number, value: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const m = /^\/(?:api|apis\/[^/]+)\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
      const [, ns, resource, name] = m as unknown as [string, string, string, string | undefined];
      const dry = isDryRun(entry);
      if (req.method === 'GET' && name === undefined) {
        const items = [...objects.entries()].filter(([k]) => k.startsWith(`${ns}/${resource}/`)).map(([, v]) => v);
        return send(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items });
      }
      const key = `${ns}/${resource}/${name ?? ''}`;
      const existing = objects.get(key);
      if (req.method === 'GET') return existing ? send(200, existing) : send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
      if (req.method === 'DELETE') {
        if (!existing) return send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
        if (!dry) objects.delete(key);
        return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      }
      let obj: Record<string, any>;
      try {
        obj = body ? JSON.parse(body) : {};
      } catch {
        return send(400, status(400, 'BadRequest', 'body is not JSON'));
      }
      const objName = name ?? obj.metadata?.name;
      const objKey = `${ns}/${resource}/${objName}`;
      if (req.method === 'POST' && objects.has(objKey)) return send(409, status(409, 'AlreadyExists', `${resource} "${objName}" already exists`));
      if (req.method === 'PATCH' && Array.isArray(obj)) return send(200, existing ?? {});
      // metadata.resourceVersion in an apply or update is a precondition, as the API server makes it.
      const wanted = obj.metadata?.resourceVersion;
      if ((req.method === 'PATCH' || req.method === 'PUT') && wanted !== undefined && existing && existing.metadata?.resourceVersion !== wanted) {
        return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${objName}": the object has been modified; please apply your changes to the latest version and try again`));
      }
      const stored = { ...(existing ?? {}), ...obj, metadata: { ...(existing?.metadata ?? {}), ...(obj.metadata ?? {}), namespace: ns, uid: existing?.metadata?.uid ?? `uid-${rv}`, resourceVersion: String(dry ? rv : ++rv) } };
      if (!dry) objects.set(objKey, stored);
      return send(req.method === 'POST' ? 201 : 200, stored);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = tempDir('stub');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'stub', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'stub', user: { token: 'stub-token' } }],
      contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace: 'default' } }],
      'current-context': 'stub',
    }),
  );
  return {
    url,
    kubeconfig,
    requests,
    writes: () => requests.filter((r) => MUTATING.has(r.method) && !isDryRun(r)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}
