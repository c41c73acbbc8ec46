// pachdPost (src/pachyderm/http.ts), the one way pachsvc calls pachd's HTTP API (GetVersion for version,
// InspectCommit for pinning): the answer is read up to 1 MiB (an address that is not pachd may answer
// without end), one deadline covers the whole exchange (a server that trickles is given up too), and what
// is reported of an answer is escaped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_ANSWER_BYTES, pachdPost, refusal } from '../../src/pachyderm/http.ts';
import { httpResolver } from '../../src/pachyderm/resolve.ts';
import { pachdHttpVersion } from '../../src/pachyderm/version.ts';

type Behaviour = 'endless' | 'trickle' | 'hostile' | 'echo';
let behaviour: Behaviour = 'echo';
let server: http.Server;
let address = '';
const seen: { url?: string; token?: string; body: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url, token: req.headers['authn-token'] as string | undefined, body });
      if (behaviour === 'endless') {
        // Never ends, as a server that is not pachd might (a stream, /dev/zero behind a proxy).
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      } else if (behaviour === 'trickle') {
        // A byte every 50 ms: never idle long enough for an idle timeout.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50);
        res.on('close', () => clearInterval(timer));
      } else if (behaviour === 'hostile') {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 13, message: 'boom\u001b]52;c;cm0gLXJmIH4K\u0007\r\nFAKE LINE' }));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ got: JSON.parse(body), url: req.url }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const GUARD = { timeout: 20_000 };

describe('pachdPost', () => {
  test('POSTs the body as JSON to /api/<method>, with the token, and parses the answer', async () => {
    behaviour = 'echo';
    const answer = await pachdPost(`${address}/`, 'pfs_v2.API/InspectCommit', { commit: { id: 'master' } }, 'tok', 5_000);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { got: { commit: { id: 'master' } }, url: '/api/pfs_v2.API/InspectCommit' });
    assert.equal(seen.at(-1)?.token, 'tok');
  });

  test('an answer without end stops at 1 MiB, with one sentence', GUARD, async () => {
    behaviour = 'endless';
    const started = Date.now();
    await assert.rejects(pachdPost(address, 'versionpb_v2.API/GetVersion', {}, undefined, 15_000), {
      message: `${address}/api/versionpb_v2.API/GetVersion answered more than 1 MiB (is this pachd's HTTP port?)`,
    });
    assert.ok(Date.now() - started < 10_000);
    assert.equal(MAX_ANSWER_BYTES, 1024 * 1024);
  });

  test('one deadline for the whole exchange: a server that trickles is given up', GUARD, async () => {
    behaviour = 'trickle';
    const started = Date.now();
    await assert.rejects(pachdPost(address, 'versionpb_v2.API/GetVersion', {}, undefined, 300), /^Error: no answer from .* within 0\.3s$/);
    assert.ok(Date.now() - started < 3_000);
  });

  test("pachd's refusal is reported escaped, on one line", async () => {
    behaviour = 'hostile';
    const message = refusal(await pachdPost(address, 'versionpb_v2.API/GetVersion', {}, undefined, 5_000)).message;
    assert.equal(message, `${address}/api/versionpb_v2.API/GetVersion answered HTTP 500: boom\\u001b]52;c;cm0gLXJmIH4K\\u0007\\r\\nFAKE LINE`);
  });
});

describe('version and pinning ask through it', () => {
  test('GetVersion: an endless answer is refused, a trickling one given up', GUARD, async () => {
    behaviour = 'endless';
    await assert.rejects(pachdHttpVersion(address, 15_000), /answered more than 1 MiB/);
    behaviour = 'trickle';
    await assert.rejects(pachdHttpVersion(address, 300), /no answer from .* within 0\.3s/);
    behaviour = 'hostile';
    await assert.rejects(pachdHttpVersion(address, 5_000), (err: Error) => !/[\u0000-\u001f]/.test(err.message));
  });

  test('InspectCommit: an endless answer is refused, a trickling one given up', GUARD, async () => {
    const target = { input: 'data', repo: 'data', ref: 'master' };
    behaviour = 'endless';
    await assert.rejects(httpResolver(address, undefined, 15_000).resolve(target), /answered more than 1 MiB/);
    behaviour = 'trickle';
    await assert.rejects(httpResolver(address, undefined, 300).resolve(target), /no answer from .* within 0\.3s/);
  });
});
