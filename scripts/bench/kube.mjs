// A minimal Kubernetes API client for the list benchmark's setup (creating 1,000 services fast, adding
// fake nodes, polling readiness). Deliberately independent of src/: the benchmark must not lean on the
// code it measures. Credentials come from `kubectl config view --raw --minify --flatten`, so every
// kubeconfig kubectl understands with certificates or a token works (not exec/auth-provider plugins).
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import http from 'node:http';

export class Kube {
  /** @param {string} kubectl path of kubectl, used once to read the (merged) kubeconfig */
  constructor(kubectl, env = process.env) {
    const cfg = JSON.parse(execFileSync(kubectl, ['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'], { env, encoding: 'utf8' }));
    const cluster = cfg.clusters?.[0]?.cluster ?? {};
    const user = cfg.users?.[0]?.user ?? {};
    if (!cluster.server) throw new Error('the kubeconfig has no current context with a server');
    if (user.exec || user['auth-provider']) throw new Error('the benchmark setup supports client certificates and tokens only, not exec/auth-provider plugins');
    this.server = cluster.server.replace(/\/+$/, '');
    const b64 = (s) => (s ? Buffer.from(s, 'base64') : undefined);
    this.tls = {
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
    };
    this.auth = user.token ? `Bearer ${user.token}` : user.username ? `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` : undefined;
    this.lib = this.server.startsWith('https:') ? https : http;
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /**
   * One request; resolves to { status, body } (body parsed when JSON). Never rejects on HTTP status. A
   * kept-alive connection the API server closed while the benchmark ran its commands (minutes, at times)
   * fails on reuse with EPIPE or ECONNRESET before the request is sent: it is made again on a new one.
   */
  async request(method, path, options = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(method, path, options);
      } catch (err) {
        if (!(err.reusedSocket && ['EPIPE', 'ECONNRESET'].includes(err.code)) || attempt >= 2) throw err;
      }
    }
  }

  requestOnce(method, path, { body, accept = 'application/json', contentType = 'application/json' } = {}) {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = { Accept: accept, 'User-Agent': 'pachsvc-bench' };
    if (this.auth) headers.Authorization = this.auth;
    if (data !== undefined) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) });
    return new Promise((resolve, reject) => {
      const req = this.lib.request(this.server + path, { method, headers, agent: this.agent, ...this.tls }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  /** Like request, but throws unless the status is 2xx (or listed in `ok`). */
  async must(method, path, options = {}, ok = []) {
    const r = await this.request(method, path, options);
    if ((r.status < 200 || r.status >= 300) && !ok.includes(r.status)) {
      const msg = typeof r.body === 'object' && r.body?.message ? r.body.message : String(r.body).slice(0, 300);
      throw Object.assign(new Error(`${method} ${path}: HTTP ${r.status}: ${msg}`), { status: r.status, body: r.body });
    }
    return r;
  }

  close() {
    this.agent.destroy();
  }
}

/** Runs fn over items with at most `limit` in flight; rejects on the first failure. */
export async function inParallel(items, limit, fn) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
