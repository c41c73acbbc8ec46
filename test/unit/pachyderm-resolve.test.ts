// Pinning against stand-ins for pachd: a local HTTP server that answers InspectCommit as pachd's HTTP API
// does (request InspectCommitRequest, answer CommitInfo: src/pfs/pfs.proto in pachyderm/pachyderm, served
// at /api/pfs_v2.API/InspectCommit by the grpc-gateway of src/server/http/http.go), and a stand-in pachctl.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitIdOf, httpResolver, inspectCommitRequest, pachctlResolver, resolvePins } from '../../src/pachyderm/resolve.ts';

const HEAD = 'a'.repeat(32);
const PARENT = 'b'.repeat(32);

describe('InspectCommit request shape', () => {
  it('puts a branch, with any ancestry, in commit.id (pachd resolves it)', () => {
    assert.deepEqual(inspectCommitRequest({ input: 'x', repo: 'images', ref: 'master^2' }), {
      commit: { repo: { name: 'images', type: 'user', project: { name: 'default' } }, id: 'master^2' },
    });
  });
  it('names the project and splits branch=commit', () => {
    const repo = { name: 'images', type: 'user', project: { name: 'vision' } };
    assert.deepEqual(inspectCommitRequest({ input: 'x', repo: 'images', project: 'vision', ref: `dev=${HEAD}` }), {
      commit: { repo, id: HEAD, branch: { repo, name: 'dev' } },
    });
  });
  it('reads commit.id from a CommitInfo, and nothing else', () => {
    assert.equal(commitIdOf({ commit: { id: HEAD.toUpperCase(), repo: {} }, parentCommit: { id: PARENT } }), HEAD);
    assert.equal(commitIdOf({ commit: { id: 'master' } }), undefined);
    assert.equal(commitIdOf({}), undefined);
  });
});

describe('pachd HTTP API resolver', () => {
  let server: http.Server;
  let address: string;
  const seen: { url?: string; token?: string; body: unknown }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const body = JSON.parse(text) as { commit: { id: string; repo: { name: string } } };
        seen.push({ url: req.url, token: req.headers['authn-token'] as string | undefined, body });
        res.setHeader('Content-Type', 'application/json');
        if (req.url !== '/api/pfs_v2.API/InspectCommit' || req.method !== 'POST') {
          res.statusCode = 404;
          res.end(JSON.stringify({ code: 5, message: 'Not Found' }));
        } else if (body.commit.repo.name === 'secret' && req.headers['authn-token'] !== 'tok') {
          res.statusCode = 401;
          res.end(JSON.stringify({ code: 16, message: 'the request has no authentication token' }));
        } else if (body.commit.repo.name === 'missing') {
          res.statusCode = 404;
          res.end(JSON.stringify({ code: 5, message: 'repo missing not found in project default' }));
        } else {
          const id = body.commit.id === 'master^1' ? PARENT : HEAD;
          res.end(JSON.stringify({ commit: { repo: body.commit.repo, id, branch: { name: 'master' } }, origin: { kind: 'USER' }, parentCommit: { id: PARENT } }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('resolves a branch and an ancestor to ids, sending the documented request', async () => {
    const r = httpResolver(address);
    assert.equal(await r.resolve({ input: 'images', repo: 'images', ref: 'master' }), HEAD);
    assert.equal(await r.resolve({ input: 'images', repo: 'images', ref: 'master^1' }), PARENT);
    assert.equal(seen.at(-1)?.url, '/api/pfs_v2.API/InspectCommit');
    assert.deepEqual(seen.at(-1)?.body, { commit: { repo: { name: 'images', type: 'user', project: { name: 'default' } }, id: 'master^1' } });
  });
  it('sends the token in the authn-token header', async () => {
    await assert.rejects(httpResolver(address).resolve({ input: 's', repo: 'secret', ref: 'master' }), /HTTP 401: the request has no authentication token/);
    assert.equal(await httpResolver(address, 'tok').resolve({ input: 's', repo: 'secret', ref: 'master' }), HEAD);
    assert.equal(seen.at(-1)?.token, 'tok');
  });
  it("says pachd's own reason when it refuses", async () => {
    await assert.rejects(httpResolver(address).resolve({ input: 'm', repo: 'missing', ref: 'master' }), /HTTP 404: repo missing not found/);
  });
  it('fails cleanly when nothing listens', async () => {
    await assert.rejects(httpResolver('http://127.0.0.1:1').resolve({ input: 'x', repo: 'x', ref: 'master' }), /ECONNREFUSED/);
  });
});

describe('pachctl resolver and resolvePins', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pachsvc-pachctl-'));
    // Behaves as `pachctl inspect commit REPO@REF --raw [--project P]` does: snake_case JSON of the CommitInfo.
    writeFileSync(
      join(dir, 'pachctl'),
      `#!/bin/sh
echo "$@" >> "${dir}/calls"
case "$3" in
  images@master) printf '{\\n  "commit": {\\n    "repo": {"name": "images", "type": "user", "project": {"name": "default"}},\\n    "id": "${HEAD}"\\n  },\\n  "parent_commit": {"id": "${PARENT}"}\\n}\\n' ;;
  *) echo "commit $3 not found" >&2; exit 1 ;;
esac
`,
    );
    chmodSync(join(dir, 'pachctl'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('asks pachctl with --raw and the project', async () => {
    const r = pachctlResolver(join(dir, 'pachctl'));
    assert.equal(await r.resolve({ input: 'images', repo: 'images', ref: 'master', project: 'default' }), HEAD);
    await assert.rejects(r.resolve({ input: 'x', repo: 'nope', ref: 'master' }), /commit nope@master not found/);
  });
  it('says when pachctl is not installed', async () => {
    await assert.rejects(pachctlResolver(join(dir, 'absent')).resolve({ input: 'x', repo: 'x', ref: 'master' }), /pachctl is not installed/);
  });
  it('tries each resolver in turn and reports every reason for what it cannot pin', async () => {
    const result = await resolvePins(
      [
        { input: 'images', repo: 'images', ref: 'master' },
        { input: 'other', repo: 'other', ref: 'dev' },
      ],
      [httpResolver('http://127.0.0.1:1'), pachctlResolver(join(dir, 'pachctl'))],
    );
    assert.deepEqual(result.pins, { images: HEAD });
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]?.target.input, 'other');
    assert.match(result.failures[0]!.reasons.join(' | '), /HTTP API.*ECONNREFUSED.* \| pachctl: commit other@dev not found/);
  });
});
