// Completion and `version` against a real API server: service names, namespaces and contexts come from
// the cluster and the kubeconfig (through the bash script too), a user who may not list namespaces gets
// nothing and no error, and `version` shows the server's own version and pachd's from its Deployment.
//   bash test/e2e/run.sh test/e2e/completion-version.test.ts
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyManifest, contexts, freshNamespace, kubectlJson, PACHSVC_BIN, pachsvc, requireRestrictedContext, RESTRICTED_CONTEXT, type Namespace } from './helpers/kube.ts';
import { pachsvcOk, scratchDir, specFile } from './helpers/specs.ts';

/** What `pachsvc __complete` offers for the last word of a command line. */
async function offered(words: string[]): Promise<string[]> {
  const r = await pachsvcOk(['__complete', String(words.length - 1), '--', 'pachsvc', ...words.slice(1)]);
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').filter(Boolean);
}

describe('completion from a real cluster', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-complete');
    await pachsvcOk(['create', '-f', specFile('alpha'), '-n', ns.name, '--no-pin']);
    await pachsvcOk(['create', '-f', specFile('alps'), '-n', ns.name, '--no-pin']);
  });
  after(() => ns.cleanup());

  it('service names in -n, namespaces, contexts', async () => {
    assert.deepEqual(await offered(['pachsvc', 'inspect', '-n', ns.name, '']), ['alpha', 'alps']);
    assert.deepEqual(await offered(['pachsvc', 'delete', '-n', ns.name, 'alpha', 'al']), ['alpha', 'alps']);
    const namespaces = await offered(['pachsvc', 'list', '-n', '']);
    for (const n of [ns.name, 'default', 'kube-system']) assert.ok(namespaces.includes(n), `${n} in ${namespaces.join(' ')}`);
    assert.deepEqual(await offered(['pachsvc', 'list', '--context', '']), await contexts());
  });

  it('a user who may not list namespaces: nothing, silently', async () => {
    await requireRestrictedContext();
    assert.deepEqual(await offered(['pachsvc', 'list', '--context', RESTRICTED_CONTEXT, '-n', '']), []);
  });

  it('through the bash script', async () => {
    const script = join(scratchDir(), 'pachsvc.bash');
    writeFileSync(script, (await pachsvcOk(['completion', 'bash'])).stdout);
    const prog = join(scratchDir(), 'pachsvc');
    writeFileSync(prog, `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(PACHSVC_BIN)} "$@"\n`);
    chmodSync(prog, 0o755);
    const lines = [`source ${JSON.stringify(script)}`, `COMP_WORDS=(pachsvc logs -n ${ns.name} alp)`, 'COMP_CWORD=4', '_pachsvc_complete', 'printf "%s\\n" "${COMPREPLY[@]}"'];
    const out = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-c', lines.join('\n')], { env: { ...process.env, PACHSVC_COMPLETE_PROG: prog } }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    assert.deepEqual(out.split('\n').filter(Boolean), ['alpha', 'alps']);
  });
});

describe('version against a real cluster', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-version');
    // A stand-in for pachd's Deployment, as Pachyderm's Helm chart names it (its pods need not run).
    await applyManifest(
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'pachd', namespace: ns.name },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'pachd' } },
          template: { metadata: { labels: { app: 'pachd' } }, spec: { containers: [{ name: 'pachd', image: 'pachyderm/pachd:2.10.4' }] } },
        },
      }),
    );
  });
  after(() => ns.cleanup());

  it("the server's version as kubectl shows it, and pachd's from its Deployment", async () => {
    const server = (await kubectlJson<{ serverVersion: { gitVersion: string } }>(['version', '-o', 'json'])).serverVersion.gitVersion;
    const r = await pachsvc(['version', '--pachyderm-namespace', ns.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Kubernetes Server Version: ${server.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(r.stdout, /^pachd Version: 2\.10\.4$/m);
    assert.match(r.stderr, /^warning: checkout containers use pachyderm\/pachctl:\S+, but pachd is 2\.10\.4: pass --pachctl-version 2\.10\.4 /);
    const same = await pachsvc(['version', '--pachyderm-namespace', ns.name, '--pachctl-version', '2.10.4', '-o', 'json']);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stderr, '');
    assert.equal(JSON.parse(same.stdout).kubernetes.gitVersion, server);
  });

  it('a server that cannot be reached: exit 1, as kubectl version', async () => {
    const dir = scratchDir();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\n');
    const r = await pachsvc(['version', '--kubeconfig', kubeconfig, '--request-timeout', '5s']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Kubernetes Server Version: unknown$/m);
    assert.match(r.stderr, /127\.0\.0\.1:1/);
  });
});
