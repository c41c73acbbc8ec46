// What every cluster benchmark needs around the commands it times: a private copy of the build, a
// control plane (KUBECONFIG's, or the local one started for the run and stopped after it), kubectl, and
// namespaces of the benchmark's own (labelled, so that only those are ever reused or deleted).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kube, sleep } from './kube.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const MANAGED = 'app.kubernetes.io/managed-by=pachsvc';
export const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
export const BENCH_NAMESPACE_LABEL = 'pachsvc.io/bench';

export const log = (msg) => console.error(`[bench] ${msg}`);
export const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Others rebuild dist/ while they work: a private copy (bin/ and dist/) keeps every run of a benchmark
 * on one build. Returns { pachsvc, describe, remove }.
 */
export async function snapshotBuild() {
  const dir = join(root, `.bench/pachsvc-${process.pid}`);
  // Copies left by runs that died without cleaning up (their process is gone).
  for (const d of existsSync(join(root, '.bench')) ? readdirSync(join(root, '.bench')) : []) {
    const pid = /^pachsvc-(\d+)$/.exec(d)?.[1];
    if (pid && !alive(Number(pid))) rmSync(join(root, '.bench', d), { recursive: true, force: true });
  }
  if (!existsSync(join(root, 'dist/pachsvc.cjs'))) {
    log('dist/ is missing or old: npm run build');
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const pachsvc = join(dir, 'bin/pachsvc');
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(dir, 'bin'), { recursive: true });
      const built = statSync(join(root, 'dist/pachsvc.cjs')).mtime;
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !src.includes('/dist/lib') });
      for (const f of ['pachsvc', 'package.json']) cpSync(join(root, 'bin', f), join(dir, 'bin', f));
      execFileSync(process.execPath, [pachsvc, '--version'], { stdio: 'ignore' });
      if (statSync(join(root, 'dist/pachsvc.cjs')).mtime.getTime() !== built.getTime()) throw new Error('dist/ changed while being copied');
      const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
      const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'scripts/build.mjs', 'package.json'], { cwd: root, encoding: 'utf8' }).stdout.trim();
      return {
        pachsvc,
        describe: `dist/ built ${built.toISOString().replace(/\.\d+Z$/, 'Z')} (HEAD ${head || '?'}${dirty ? ', uncommitted changes in src/' : ''})`,
        remove: () => rmSync(dir, { recursive: true, force: true }),
      };
    } catch (err) {
      if (attempt >= 5) throw new Error(`cannot copy a complete dist/ (is a build running?): ${err.message}`);
      await sleep(3000);
    }
  }
}

/**
 * The cluster: KUBECONFIG's if set, else the local control plane started in .bench/cluster (stopped by
 * the returned stop(), unless keep). Returns { env, kubectl, kube, server, own, stop }.
 */
export async function openCluster({ keep = false } = {}) {
  const env = { ...process.env };
  let own;
  if (env.KUBECONFIG) {
    log(`using the cluster of KUBECONFIG=${env.KUBECONFIG}`);
  } else {
    const stateDir = join(root, '.bench/cluster');
    env.PACHSVC_CLUSTER_DIR = stateDir;
    // One an earlier run kept (--keep) is used and left as it was found.
    const kept = clusterRunning(stateDir);
    own = { stateDir, kept };
    log(kept ? `KUBECONFIG is not set: using the local control plane an earlier run kept in ${stateDir} (left running)` : `KUBECONFIG is not set: starting the local control plane in ${stateDir} (stopped at the end${keep ? ' unless --keep' : ''})`);
    const started = Date.now();
    const code = await new Promise((resolve) => {
      const p = spawn('bash', [join(root, 'test/cluster/up.sh')], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('exit', (c, sig) => resolve(c ?? sig));
    });
    if (code !== 0) throw new Error(`test/cluster/up.sh failed (${code})`);
    const clusterEnv = Object.fromEntries(
      readFileSync(join(stateDir, 'cluster.env'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    env.KUBECONFIG = clusterEnv.KUBECONFIG_PATH;
    env.PACHSVC_KUBECTL ??= clusterEnv.PACHSVC_KUBECTL;
    own.upMs = Date.now() - started;
  }
  const kubectl = findKubectl(env);
  const kube = new Kube(kubectl, env);
  const server = (await kube.must('GET', '/version')).body.gitVersion;
  const kubectlVersion = JSON.parse(execFileSync(kubectl, ['version', '--client', '-o', 'json'], { env, encoding: 'utf8' })).clientVersion.gitVersion;
  const stop = () => {
    kube.close();
    if (!own) return;
    if (keep || own.kept) {
      log(`--keep: the control plane stays up (KUBECONFIG=${env.KUBECONFIG}; stop it with PACHSVC_CLUSTER_DIR=${own.stateDir} bash test/cluster/down.sh)`);
      return;
    }
    log('stopping the local control plane');
    spawnSync('bash', [join(root, 'test/cluster/down.sh')], { cwd: root, env, stdio: ['ignore', 2, 2] });
  };
  return { env, kubectl, kubectlVersion, kube, server, own, stop, discoveryCache: discoveryCacheDir(env, kube.server) };
}

/** Whether the local control plane in stateDir is up (its kube-apiserver's process is there). */
function clusterRunning(stateDir) {
  try {
    return alive(Number(readFileSync(join(stateDir, 'pids/kube-apiserver.pid'), 'utf8').trim()));
  } catch {
    return false;
  }
}

export function findKubectl(env) {
  if (env.PACHSVC_KUBECTL) return env.PACHSVC_KUBECTL;
  const r = spawnSync('bash', [join(root, 'test/cluster/build.sh'), '--print-dir'], { encoding: 'utf8' });
  const built = join(r.stdout.trim(), 'bin/kubectl');
  if (r.status === 0 && existsSync(built)) return built;
  return 'kubectl';
}

function discoveryCacheDir(env, server) {
  return join(env.KUBECACHEDIR ?? join(homedir(), '.kube/cache'), 'discovery', new URL(server).host.replace(/:/g, '_'));
}

/**
 * A namespace of the benchmark's own, created empty (an earlier one of that name, also the benchmark's,
 * is deleted first) or, with reuse, kept as it is. Any other namespace of that name stops the run.
 * Resolves to whether it already existed (and was kept).
 */
export async function benchNamespace(kube, ns, { reuse = false, timeoutMs = 600_000 } = {}) {
  const path = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
  const got = await kube.request('GET', path);
  if (got.status === 200 && got.body.metadata?.labels?.[BENCH_NAMESPACE_LABEL] !== 'true') {
    throw new Error(`namespace ${ns} exists and was not made by this benchmark: pass another name, or delete it yourself`);
  }
  if (got.status === 200 && got.body.status?.phase !== 'Terminating' && reuse) return true;
  if (got.status === 200) {
    if (got.body.status?.phase !== 'Terminating') await kube.must('DELETE', path, {}, [404]);
    log(`waiting for namespace ${ns} (from an earlier run) to be deleted`);
    await waitUntil(`namespace ${ns} gone`, timeoutMs, async () => (await kube.request('GET', path)).status === 404);
  }
  const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [BENCH_NAMESPACE_LABEL]: 'true' } } };
  await kube.must('POST', '/api/v1/namespaces', { body });
  await waitUntil(`ServiceAccount ${ns}/default`, 60_000, async () => (await kube.request('GET', `${path}/serviceaccounts/default`)).status === 200);
  return false;
}

/** Deletes a namespace of the benchmark's own (the namespace controller finishes in the background). */
export async function dropNamespace(kube, ns) {
  const path = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
  const got = await kube.request('GET', path);
  if (got.status !== 200 || got.body.metadata?.labels?.[BENCH_NAMESPACE_LABEL] !== 'true') return;
  await kube.request('DELETE', path);
}

export async function waitUntil(what, ms, test) {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(1000);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** `--key value` and `--flag` arguments against defaults (their types say which is which). */
export function parseArgs(argv, defaults, usage) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults) || !argv[i].startsWith('--')) {
      console.error(usage ?? `usage: [${Object.keys(defaults).map((k) => `--${k}${typeof defaults[k] === 'boolean' ? '' : ' V'}`).join('] [')}]`);
      process.exit(2);
    }
    if (typeof defaults[key] === 'boolean') out[key] = true;
    else out[key] = typeof defaults[key] === 'number' ? Number(argv[++i]) : argv[++i];
    if (out[key] === undefined || Number.isNaN(out[key])) {
      console.error(`--${key} needs a ${typeof defaults[key] === 'number' ? 'number' : 'value'}`);
      process.exit(2);
    }
  }
  return out;
}
