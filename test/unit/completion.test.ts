// Shell completion: what `__complete` offers for each place on a command line (in process, with the
// in-memory cluster for services and namespaces and kubeconfig files for contexts), the cobra answer
// kubectl's plugin completion reads, the bash script run by bash itself (with a stub program), and help
// that names the program `kubectl pachsvc` when run as a kubectl plugin.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextNames } from '../../src/cluster/config.ts';
import type { Kube } from '../../src/cluster/kube.ts';
import { candidates, complete } from '../../src/cli/commands/completion.ts';
import { COMMANDS } from '../../src/cli/registry.ts';
import { runWith } from '../../src/cli/start/run.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn, testFactory } from '../helpers/test-factory.ts';

const temp = mkdtempSync(join(tmpdir(), 'pachsvc-completion-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const MANAGED = { 'app.kubernetes.io/managed-by': 'pachsvc' };

function cluster(): FakeKube {
  const kube = new FakeKube();
  for (const name of ['jupyter', 'jupyter-lab', 'postgres']) {
    kube.seed('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { ...MANAGED, 'app.kubernetes.io/name': name } } });
    kube.seed('services', { apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { ...MANAGED, 'app.kubernetes.io/name': name } } });
  }
  // A Service left alone by a half-deleted service still names one; objects pachsvc does not manage do not.
  kube.seed('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'half', labels: { ...MANAGED, 'app.kubernetes.io/name': 'half' } } });
  kube.seed('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'not-ours' } });
  kube.seed('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'analytics-db', labels: MANAGED } }, 'team-a');
  for (const ns of ['default', 'team-a', 'team-b']) kube.seed('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return kube;
}

/** The candidates for the last word of a command line (`pachsvc` first). */
async function complete1(line: string[], options: { kube?: FakeKube; env?: Record<string, string> } = {}): Promise<string[]> {
  const t = testFactory({ kube: options.kube ?? cluster(), ...(options.env ? { env: options.env } : {}) });
  return candidates(line, line.length - 1, COMMANDS, t.f);
}

function kubeconfig(name: string, contexts: string[], current = contexts[0]): string {
  const file = join(temp, name);
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${current}`,
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts:',
    ...contexts.map((c) => `  - {name: ${c}, context: {cluster: c, user: u}}`),
  ].join('\n');
  writeFileSync(file, yaml);
  return file;
}

describe('completion candidates', () => {
  test('commands and global flags first; hidden commands never', async () => {
    const all = await complete1(['pachsvc', '']);
    for (const c of ['create', 'list', 'inspect', 'render', 'version', 'completion', '--verbose', '--no-color']) assert.ok(all.includes(c), c);
    assert.ok(!all.includes('__complete'));
    assert.deepEqual(await complete1(['pachsvc', 're']), ['render']);
    assert.deepEqual(await complete1(['pachsvc', '--ver']), ['--verbose']);
  });

  test('a command that completes services: its first argument from the cluster, in -n when given', async () => {
    const kube = cluster();
    assert.deepEqual(await complete1(['pachsvc', 'inspect', ''], { kube }), ['half', 'jupyter', 'jupyter-lab', 'postgres']);
    assert.deepEqual(await complete1(['pachsvc', 'logs', 'jup'], { kube }), ['jupyter', 'jupyter-lab']);
    // Only the first argument is a service; flags and their values do not count as arguments.
    assert.deepEqual(await complete1(['pachsvc', 'inspect', 'jupyter', ''], { kube }), []);
    assert.deepEqual(await complete1(['pachsvc', 'history', '--context', 'x', '-o', 'json', 'po'], { kube }), ['postgres']);
    // delete takes several.
    assert.deepEqual(await complete1(['pachsvc', 'delete', 'jupyter', 'p'], { kube }), ['postgres']);
    assert.deepEqual(await complete1(['pachsvc', 'rm', '-n', 'team-a', ''], { kube }), ['analytics-db']);
    assert.deepEqual(await complete1(['pachsvc', 'inspect', '--namespace=team-a', ''], { kube }), ['analytics-db']);
    // Every command marked to complete services does.
    for (const command of COMMANDS.filter((c) => c.completes === 'service')) {
      assert.deepEqual(await complete1(['pachsvc', command.name, 'post'], { kube }), ['postgres'], command.name);
    }
    // Two light tables (names only), no pods.
    assert.deepEqual(
      [...new Set(kube.calls.map((c) => `${c.verb} ${c.resource}`))].sort(),
      ['table deployments', 'table services'],
    );
    // Commands that take no service: nothing from the cluster.
    assert.deepEqual(await complete1(['pachsvc', 'render', ''], { kube }), []);
  });

  test('-n: namespaces from the cluster; --context: contexts from the kubeconfig files', async () => {
    assert.deepEqual(await complete1(['pachsvc', 'list', '-n', '']), ['default', 'team-a', 'team-b']);
    assert.deepEqual(await complete1(['pachsvc', 'list', '--namespace', 'team-']), ['team-a', 'team-b']);
    const one = kubeconfig('one.yaml', ['prod', 'staging']);
    const two = kubeconfig('two.yaml', ['kind-local', 'prod']);
    assert.deepEqual(await complete1(['pachsvc', 'list', '--kubeconfig', one, '--context', '']), ['prod', 'staging']);
    assert.deepEqual(await complete1(['pachsvc', 'list', '--context', ''], { env: { KUBECONFIG: `${one}:${two}` } }), ['prod', 'staging', 'kind-local']);
    assert.deepEqual(await complete1(['pachsvc', 'inspect', '--context', 'k'], { env: { KUBECONFIG: `${one}:${two}` } }), ['kind-local']);
    assert.deepEqual(await complete1(['pachsvc', 'list', '--context', ''], { env: { HOME: temp } }), []);
  });

  test('contextNames reads the files loadConfig would, and is silent about what it cannot read', async () => {
    const good = kubeconfig('good.yaml', ['a', 'b']);
    const broken = join(temp, 'broken.yaml');
    writeFileSync(broken, 'contexts: [ {name: "unclosed');
    const odd = join(temp, 'odd.yaml');
    writeFileSync(odd, 'contexts:\n  - name: 7\n  - just-a-string\n  - {name: c}\n');
    assert.deepEqual(await contextNames({}, { KUBECONFIG: [join(temp, 'missing.yaml'), broken, odd, good].join(':') }), ['c', 'a', 'b']);
    assert.deepEqual(await contextNames({ kubeconfig: good }, { KUBECONFIG: odd }), ['a', 'b']);
    assert.deepEqual(await contextNames({}, { HOME: join(temp, 'nowhere') }), []);
  });

  test('flag names, flag values from their choices, and --flag=value', async () => {
    const flags = await complete1(['pachsvc', 'list', '--']);
    for (const f of ['--namespace', '--context', '--kubeconfig', '--request-timeout', '--output', '--no-headers', '--all-namespaces']) assert.ok(flags.includes(f), f);
    assert.deepEqual(await complete1(['pachsvc', 'list', '-o', '']), ['wide', 'json', 'yaml', 'name']);
    assert.deepEqual(await complete1(['pachsvc', 'render', '--output=j']), ['--output=json']);
    // bash splits --output=j at '=' into three words.
    assert.deepEqual(await complete1(['pachsvc', 'render', '--output', '=', 'y']), ['yaml']);
    assert.deepEqual(await complete1(['pachsvc', 'completion', '']), ['bash', 'zsh']);
    assert.deepEqual(await complete1(['pachsvc', 'frobnicate', '']), []);
  });

  test('files fit after -f and --kubeconfig only', async () => {
    const f = testFactory({ kube: cluster() }).f;
    assert.equal((await complete(['pachsvc', 'render', '-f', ''], 3, COMMANDS, f)).files, true);
    assert.equal((await complete(['pachsvc', 'list', '--kubeconfig', ''], 3, COMMANDS, f)).files, true);
    assert.equal((await complete(['pachsvc', 'inspect', ''], 2, COMMANDS, f)).files, false);
    assert.equal((await complete(['pachsvc', 'list', '--timeout', ''], 3, COMMANDS, f)).files, false);
  });

  test('a cluster that fails or does not answer gives nothing, within --request-timeout (else 5s)', async () => {
    const forbidden = cluster();
    forbidden.deny('table', 'deployments');
    assert.deepEqual(await complete1(['pachsvc', 'inspect', ''], { kube: forbidden }), []);

    const t = testFactory();
    t.f.kube = async () => {
      throw new Error('no kubeconfig found');
    };
    assert.deepEqual(await candidates(['pachsvc', 'list', '-n', ''], 3, COMMANDS, t.f), []);

    const hung = testFactory();
    const never = new Promise<never>(() => {});
    hung.f.kube = async () => ({ namespace: 'default', table: () => never, list: () => never }) as unknown as Kube;
    const started = Date.now();
    assert.deepEqual(await candidates(['pachsvc', 'inspect', '--request-timeout', '200ms', ''], 4, COMMANDS, hung.f), []);
    const took = Date.now() - started;
    assert.ok(took >= 150 && took < 2000, `took ${took} ms`);
    // A bad --request-timeout is not the user's problem at a TAB: nothing, silently.
    assert.deepEqual(await candidates(['pachsvc', 'inspect', '--request-timeout', 'soon', ''], 4, COMMANDS, hung.f), []);
  });
});

describe('__complete', () => {
  test('one candidate a line; words after -- (flags among them) or as arguments', async () => {
    const kube = cluster();
    const r = await runIn(['__complete', '4', '--', 'pachsvc', 'inspect', '-n', 'team-a', ''], { kube });
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: 'analytics-db\n', stderr: '' });
    const none = await runIn(['__complete', '4', '--', 'pachsvc', 'inspect', '-n', 'team-a', 'x'], { kube });
    assert.deepEqual({ code: none.code, stdout: none.stdout }, { code: 0, stdout: '' });
    const old = await runIn(['__complete', '2', 'pachsvc', 'inspect', 'p'], { kube });
    assert.equal(old.stdout, 'postgres\n');
    assert.equal((await runIn(['__complete', '2', '--', 'pachsvc', 'list', '--'])).code, 0);
  });

  test("--cobra: cobra's answer, value<TAB>description lines and :<directive>", async () => {
    const kube = cluster();
    const commands = await runIn(['__complete', '--cobra', '1', '--', 'pachsvc', 'ren'], { kube });
    assert.equal(commands.stdout, 'render\tPrint the Kubernetes objects of services, without a cluster\n:4\n');
    const services = await runIn(['__complete', '--cobra', '2', '--', 'pachsvc', 'inspect', ''], { kube });
    assert.equal(services.stdout, 'half\njupyter\njupyter-lab\npostgres\n:4\n');
    const file = await runIn(['__complete', '--cobra', '3', '--', 'pachsvc', 'render', '-f', 'ex'], { kube });
    assert.equal(file.stdout, ':0\n');
    const none = await runIn(['__complete', '--cobra', '2', '--', 'pachsvc', 'render', 'x'], { kube });
    assert.equal(none.stdout, ':4\n');
  });
});

describe('the bash script', () => {
  // The script runs $PACHSVC_COMPLETE_PROG (else the word typed) with __complete: a stub stands in for
  // pachsvc, printing candidates and recording how it was called.
  function bashComplete(words: string[], cword: number, stub: string): string[] {
    const script = join(temp, 'pachsvc.bash');
    const setup = [
      `source ${JSON.stringify(script)}`,
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
      `COMP_CWORD=${cword}`,
      '_pachsvc_complete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const out = execFileSync('bash', ['-c', setup], { env: { PATH: process.env.PATH ?? '', PACHSVC_COMPLETE_PROG: stub }, encoding: 'utf8' });
    return out.split('\n').filter((l) => l !== '');
  }

  test('completes a service name from what the program answers', async () => {
    writeFileSync(join(temp, 'pachsvc.bash'), (await runIn(['completion', 'bash'])).stdout);
    const calls = join(temp, 'calls.txt');
    const stub = join(temp, 'stub-pachsvc');
    writeFileSync(stub, `#!/usr/bin/env bash\nprintf '%s|' "$@" >> ${JSON.stringify(calls)}\necho >> ${JSON.stringify(calls)}\nprintf 'jupyter\\njupyter-lab\\npostgres\\n'\n`);
    chmodSync(stub, 0o755);
    assert.deepEqual(bashComplete(['pachsvc', 'inspect', 'jupyter-'], 2, stub), ['jupyter-lab']);
    assert.deepEqual(bashComplete(['pachsvc', 'logs', '-n', 'team-a', 'po'], 4, stub), ['postgres']);
    assert.deepEqual(readFileSync(calls, 'utf8').split('\n').filter(Boolean), ['__complete|2|--|pachsvc|inspect|jupyter-|', '__complete|4|--|pachsvc|logs|-n|team-a|po|']);
  });

  test('a candidate is offered as it is: $(…) and `…` in a name are never run', async () => {
    writeFileSync(join(temp, 'pachsvc.bash'), (await runIn(['completion', 'bash'])).stdout);
    // A kubeconfig context (or anything else a candidate comes from) named to run a command.
    const pwned = join(temp, 'PWNED');
    const ticked = join(temp, 'TICKED');
    const names = [`prod$(touch ${pwned})`, `prod\`touch ${ticked}\``, 'prod *', 'staging'];
    const stub = join(temp, 'hostile-stub');
    writeFileSync(stub, `#!/usr/bin/env bash\nprintf '%s\\n' ${names.map((n) => `'${n}'`).join(' ')}\n`);
    chmodSync(stub, 0o755);
    assert.deepEqual(bashComplete(['pachsvc', 'list', '--context', 'pro'], 3, stub), names.slice(0, 3));
    assert.ok(!existsSync(pwned), 'the $(…) in a candidate ran');
    assert.ok(!existsSync(ticked), 'the `…` in a candidate ran');
    // The word typed is a prefix, not a pattern.
    assert.deepEqual(bashComplete(['pachsvc', 'list', '--context', 'prod *'], 3, stub), ['prod *']);
    assert.deepEqual(bashComplete(['pachsvc', 'list', '--context', '*'], 3, stub), []);
  });

  test('with pachsvc itself answering (the built one)', async () => {
    writeFileSync(join(temp, 'pachsvc.bash'), (await runIn(['completion', 'bash'])).stdout);
    const real = join(temp, 'real-pachsvc');
    writeFileSync(real, `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(import.meta.dirname, '../../bin/pachsvc'))} "$@"\n`);
    chmodSync(real, 0o755);
    assert.deepEqual(bashComplete(['pachsvc', 'ren'], 1, real), ['render']);
    assert.deepEqual(bashComplete(['pachsvc', 'list', '-o', 'w'], 3, real), ['wide']);
    assert.deepEqual(bashComplete(['pachsvc', 'list', '--all-'], 2, real), ['--all-namespaces']);
  });
});

describe('the zsh script', () => {
  test('asks the program for the words and adds what it answers; files when it answers nothing', async () => {
    // Never skipped: CI installs zsh (.ci/run), as it installs shellcheck.
    assert.equal(spawnSync('zsh', ['-fc', 'true']).status, 0, 'zsh is needed for this test: apt-get install zsh');
    const script = join(temp, 'pachsvc.zsh');
    writeFileSync(script, (await runIn(['completion', 'zsh'])).stdout);
    const calls = join(temp, 'zsh-calls.txt');
    const stub = join(temp, 'zsh-stub');
    writeFileSync(stub, `#!/usr/bin/env bash\nprintf '%s|' "$@" >> ${JSON.stringify(calls)}\necho >> ${JSON.stringify(calls)}\n[[ $5 == inspect ]] && printf 'jupyter\\njupyter-lab\\n'\nexit 0\n`);
    chmodSync(stub, 0o755);
    // compadd and _files work only inside a completion widget: stand-ins print what they are given.
    const zsh = (words: string[]) =>
      execFileSync('zsh', ['-fc', `source ${JSON.stringify(script)}; compadd() { print -rl -- "\${(@P)2}"; }; _files() { print FILES; }; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _pachsvc`], {
        env: { PATH: process.env.PATH ?? '', PACHSVC_COMPLETE_PROG: stub },
        encoding: 'utf8',
      });
    assert.equal(zsh(['pachsvc', 'inspect', 'ju']), 'jupyter\njupyter-lab\n');
    assert.equal(zsh(['pachsvc', 'render', '-f', '']), 'FILES\n');
    assert.deepEqual(readFileSync(calls, 'utf8').split('\n').filter(Boolean), ['__complete|2|--|pachsvc|inspect|ju|', '__complete|3|--|pachsvc|render|-f||']);
  });
});

describe('as a kubectl plugin', () => {
  test('help and usage hints say kubectl pachsvc', async () => {
    const help = testFactory();
    help.f.io.program = 'kubectl pachsvc';
    assert.equal(await runWith(['--help'], help.f), 0);
    assert.match(help.out(), /^Usage: kubectl pachsvc <command> \[flags\]$/m);
    assert.match(help.out(), /^ {2}kubectl pachsvc list /m);
    const examples = testFactory();
    examples.f.io.program = 'kubectl pachsvc';
    await runWith(['render', '--help'], examples.f);
    assert.match(examples.out(), /kubectl pachsvc render -f examples\/jupyter\.json/);
    const usage = testFactory();
    usage.f.io.program = 'kubectl pachsvc';
    assert.equal(await runWith(['inspect'], usage.f), 2);
    assert.match(usage.err(), /\nSee 'kubectl pachsvc inspect --help' for usage\.\n$/);
  });
});
