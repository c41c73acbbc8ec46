// A dry run never writes: every way of asking for one (bare --dry-run, =client, =server) is run by the
// built CLI against a request-logging stand-in API server, which must see no write without dryRun=All.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStubApiServer, type StubApiServer } from '../helpers/stub-apiserver.ts';
import { ProcessGroup } from './helpers/processes.ts';
import { tempDir } from '../helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const procs = new ProcessGroup();
const dir = tempDir('dry');
const specFile = join(dir, 'svc.json');
writeFileSync(specFile, JSON.stringify({ pipeline: { name: 'svc' }, transform: { image: 'nginx' }, service: { internal_port: 80 }, input: { pfs: { repo: 'd', glob: '/' } } }));
let stub: StubApiServer;

before(async () => {
  stub = await startStubApiServer();
});
after(async () => {
  procs.killAll();
  await stub.close();
});

function pachsvc(args: string[]) {
  return procs.run(process.execPath, ['bin/pachsvc', ...args, '--kubeconfig', stub.kubeconfig, '--no-pin'], { cwd: ROOT, timeoutMs: 20_000 });
}

describe('a dry run never writes', () => {
  for (const verb of ['create', 'update', 'apply']) {
    for (const flag of ['--dry-run', '--dry-run=client', '--dry-run=server']) {
      test(`${verb} ${flag}`, async () => {
        const before = stub.requests.length;
        const r = await pachsvc([verb, '-f', specFile, flag]);
        const writes = stub.writes().filter((w) => stub.requests.indexOf(w) >= before);
        assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [], `writes for ${verb} ${flag}`);
        // update of a service that does not exist fails (exit 1); everything else succeeds.
        assert.equal(r.code, verb === 'update' && flag === '--dry-run=server' ? 1 : 0, r.stderr);
        if (flag !== '--dry-run=server') assert.match(r.stdout, /kind: Deployment/);
      });
    }
  }

  test('an unknown --dry-run value is a usage error (exit 2) and sends nothing', async () => {
    const before = stub.requests.length;
    const r = await pachsvc(['apply', '-f', specFile, '--dry-run=maybe']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /dry-run/);
    assert.equal(stub.requests.length, before);
  });

  test('a bare --dry-run after -- is left alone', async () => {
    const { expandBareFlags } = await import('../../src/cli/start/argv.ts');
    assert.deepEqual(expandBareFlags(['create', '--dry-run', '--', '--dry-run']), ['create', '--dry-run=client', '--', '--dry-run']);
  });
});
