// `pachsvc list` benchmark: puts 1,000 pachsvc services (realistic objects rendered by pachsvc itself) on
// a real control plane, waits for their pods to run, then times `pachsvc list` against
// `kubectl get deploy,svc -l app.kubernetes.io/managed-by=pachsvc` in the same run, interleaved, and
// measures pachsvc's peak memory. Targets: ratio at most 1.0 (beat kubectl), peak RSS under 150 MB. It
// prints; it does not fail on a missed target.
//
//   npm run bench:list [-- --services 1000 --rounds 15 --warmup 2 --keep]
//
// With KUBECONFIG set it uses that cluster (namespace pachsvc-bench, and fake nodes if the cluster has
// a kwok node to copy; both removed at the end). Without, it starts the local control plane
// (test/cluster/up.sh) in .bench/cluster and stops it at the end, also on failure or Ctrl-C.
// --keep leaves cluster, namespace and nodes in place; a later run finds the services and reuses them.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kube, sleep } from './bench/kube.mjs';
import { BENCH_NODE_LABEL, addFakeNodes, createServices, deploymentReadiness, readyNodes, renderTemplates, serviceName } from './bench/fixtures.mjs';
import { interleave, mb, median, peakRssKb, quantile, traceBreakdown } from './bench/measure.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The CLI is measured from a private copy of bin/ and dist/ (see snapshotBuild).
const SNAPSHOT = join(root, `.bench/pachsvc-${process.pid}`);
const PACHSVC = join(SNAPSHOT, 'bin/pachsvc');
const MANAGED = 'app.kubernetes.io/managed-by=pachsvc';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const BENCH_NAMESPACE_LABEL = 'pachsvc.io/bench';

const opts = parseArgs(process.argv.slice(2), {
  services: 1000,
  rounds: 15,
  warmup: 2,
  namespace: 'pachsvc-bench',
  concurrency: 32,
  'ready-timeout': 600,
  keep: false,
});
const N = opts.services;
const NS = opts.namespace;
const log = (msg) => console.error(`[bench-list] ${msg}`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

const env = { ...process.env };
let ownCluster; // { stateDir } when this run started (or reuses) the local control plane
let kube;
let ownNamespace = false; // created by this benchmark (now or by an earlier --keep run)
let cleaning;

process.on('SIGINT', () => onSignal(130));
process.on('SIGTERM', () => onSignal(143));

try {
  await main();
} catch (err) {
  console.error(`[bench-list] ERROR: ${err.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main() {
  const tSetup = Date.now();
  if (!existsSync(join(root, 'dist/pachsvc.js'))) {
    log('dist/ is missing: npm run build');
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const build = await snapshotBuild();

  // Rendered first: a spec pachsvc rejects should fail the run before a cluster is started.
  const { make, variants } = renderTemplates(PACHSVC, NS);
  let tUp = 0;
  if (env.KUBECONFIG) {
    log(`using the cluster of KUBECONFIG=${env.KUBECONFIG}`);
  } else {
    const t = Date.now();
    await startLocalCluster();
    tUp = Date.now() - t;
  }
  const kubectl = findKubectl();
  kube = new Kube(kubectl, env);
  const server = (await kube.must('GET', '/version')).body.gitVersion;
  const kubectlVersion = JSON.parse(execFileSync(kubectl, ['version', '--client', '-o', 'json'], { env, encoding: 'utf8' })).clientVersion.gitVersion;

  const present = await prepareNamespace();
  const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !present.has(serviceName(i)));
  const toCreate = missing.length;

  let t = Date.now();
  const nodes = await addFakeNodes(kube, toCreate);
  if (nodes.added > 0) {
    log(`adding ${nodes.added} kwok fake nodes (${nodes.note}) so that all ${N} pods fit`);
    await waitUntil(`${nodes.added} new nodes Ready`, 120_000, async () => (await readyNodes(kube, nodes.names)).length === nodes.added);
  } else if (/no kwok/.test(nodes.note)) log(nodes.note);
  const tNodes = Date.now() - t;

  t = Date.now();
  if (toCreate > 0) {
    log(`creating ${toCreate} services (${2 * toCreate} objects, ${opts.concurrency} services at a time; variants: ${variants.join(', ')})`);
    let last = 0;
    await createServices(kube, NS, make, missing, opts.concurrency, (done) => {
      if (Date.now() - last > 5000) {
        last = Date.now();
        log(`  ${done}/${toCreate} created`);
      }
    });
  }
  const tCreate = Date.now() - t;

  t = Date.now();
  let readiness = await deploymentReadiness(kube, NS);
  let lastLog = Date.now();
  const deadline = Date.now() + opts['ready-timeout'] * 1000;
  while (readiness.ready < N && Date.now() < deadline) {
    if (Date.now() - lastLog > 15_000) {
      log(`  ${readiness.ready}/${N} deployments ready`);
      lastLog = Date.now();
    }
    await sleep(2000);
    readiness = await deploymentReadiness(kube, NS);
  }
  const tReady = Date.now() - t;
  if (readiness.ready < N) log(`only ${readiness.ready}/${N} deployments ready after ${opts['ready-timeout']} s; measuring anyway`);
  const setupMs = Date.now() - tSetup;

  const listArgv = [PACHSVC, 'list', '-n', NS];
  const jsonArgv = [PACHSVC, 'list', '-n', NS, '-o', 'json'];
  const kubectlArgv = [kubectl, 'get', 'deploy,svc', '-l', MANAGED, '-n', NS];
  const check = checkOutputs(listArgv, kubectlArgv);

  const loadStart = loadavg()[0].toFixed(1);
  log(`timing: ${opts.warmup} warm-up + ${opts.rounds} interleaved rounds of 3 commands`);
  const [tList, tKubectl, tJson] = interleave(
    [{ argv: listArgv }, { argv: kubectlArgv }, { argv: jsonArgv }],
    { rounds: opts.rounds, warmup: opts.warmup, env },
  );
  const requests = kubectlRequests(kubectlArgv);
  log('peak RSS: 3 more runs of each under GNU time');
  const [rssList, rssJson, rssKubectl] = [listArgv, jsonArgv, kubectlArgv].map((a) => peakRssKb(a, env));
  log('where the time goes: 5 traced runs of pachsvc list');
  const b = traceBreakdown(listArgv, env);

  const mList = median(tList);
  const mKubectl = median(tKubectl);
  const mJson = median(tJson);
  const rss = (kb, target) => (kb === undefined ? 'peak RSS not measured (GNU time not found: apt-get install time)' : `peak RSS ${mb(kb).toFixed(0)} MB${target ? ' (target < 150 MB)' : ''}`);
  const spread = (xs) => `${quantile(xs, 0.25).toFixed(0)}–${quantile(xs, 0.75).toFixed(0)} ms`;
  const out = [
    '',
    `pachsvc list benchmark: ${N} services in namespace ${NS} (${check}); kube-apiserver ${server} at ${kube.server}; kubectl ${kubectlVersion} (${kubectl})`,
    `measured: ${build}; load average ${loadStart} at the start of timing, ${loadavg()[0].toFixed(1)} at the end (${availableParallelism()} CPUs)`,
    `setup ${secs(setupMs)}: ${tUp ? `control plane up ${secs(tUp)}, ` : ''}${nodes.added} fake nodes added ${secs(tNodes)}, ` +
      `${toCreate < N ? `${N - toCreate} services reused (left by --keep), ` : ''}${toCreate ? `${2 * toCreate} objects created ${secs(tCreate)}, ` : ''}${readiness.ready}/${N} deployments ready ${secs(tReady)}`,
    `timing: median of ${opts.rounds} interleaved rounds after ${opts.warmup} warm-up rounds, stdout to /dev/null. The warm-up fills kubectl's discovery cache ` +
      `(${discoveryCacheDir()}), so timed kubectl runs skip discovery: ${requests}.`,
    `pachsvc list (${N} services): ${mList.toFixed(0)} ms, kubectl get deploy,svc: ${mKubectl.toFixed(0)} ms, ratio ${(mList / mKubectl).toFixed(2)}x (target <= 1.0); ${rss(rssList, true)}`,
    `pachsvc list -o json (${N} services): ${mJson.toFixed(0)} ms, ratio ${(mJson / mKubectl).toFixed(2)}x to kubectl get deploy,svc; ${rss(rssJson, true)}`,
    `spread (p25–p75): pachsvc list ${spread(tList)}, kubectl ${spread(tKubectl)}, pachsvc list -o json ${spread(tJson)}; kubectl ${rss(rssKubectl, false)}`,
    `pachsvc list, traced (medians of 5, ms from process start): node ready ${b.boot.toFixed(0)}, first request ${b.firstRequest.toFixed(0)}, ` +
      `first response headers ${b.firstHeaders.toFixed(0)}, last response byte ${b.lastByte.toFixed(0)} (${b.mb.toFixed(1)} MB in 3 responses), ` +
      `exit ${b.exit.toFixed(0)}; JSON.parse ${b.parse.toFixed(0)} ms, GC ${b.gc.toFixed(0)} ms, ${b.afterLastByte.toFixed(0)} ms from last byte to exit`,
  ];
  console.log(out.join('\n'));
}

// ------------------------------------------------------------------------------------------ cluster

// Others rebuild dist/ while they work (npm run build empties it first): a private copy keeps every run
// of this benchmark on one build. Returns a description of that build.
async function snapshotBuild() {
  // Copies left by runs that died without cleaning up (their process is gone).
  for (const d of existsSync(join(root, '.bench')) ? readdirSync(join(root, '.bench')) : []) {
    const pid = /^pachsvc-(\d+)$/.exec(d)?.[1];
    if (pid && !alive(Number(pid))) rmSync(join(root, '.bench', d), { recursive: true, force: true });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(SNAPSHOT, { recursive: true, force: true });
      mkdirSync(join(SNAPSHOT, 'bin'), { recursive: true });
      const built = statSync(join(root, 'dist/pachsvc.js')).mtime;
      cpSync(join(root, 'dist'), join(SNAPSHOT, 'dist'), { recursive: true });
      cpSync(join(root, 'bin/pachsvc'), PACHSVC);
      execFileSync(PACHSVC, ['--version'], { stdio: 'ignore' });
      if (statSync(join(root, 'dist/pachsvc.js')).mtime.getTime() !== built.getTime()) throw new Error('dist/ changed while being copied');
      const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
      const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'scripts/build.mjs', 'package.json'], { cwd: root, encoding: 'utf8' }).stdout.trim();
      return `dist/ built ${built.toISOString().replace(/\.\d+Z$/, 'Z')} (HEAD ${head || '?'}${dirty ? ', with uncommitted changes in src/' : ''})`;
    } catch (err) {
      if (attempt >= 5) throw new Error(`cannot copy a complete dist/ (is a build running?): ${err.message}`);
      await sleep(3000);
    }
  }
}

async function startLocalCluster() {
  const stateDir = join(root, '.bench/cluster');
  env.PACHSVC_CLUSTER_DIR = stateDir;
  ownCluster = { stateDir };
  log(`KUBECONFIG is not set: starting the local control plane in ${stateDir} (stopped at the end${opts.keep ? ' unless --keep' : ''})`);
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
}

function findKubectl() {
  if (env.PACHSVC_KUBECTL) return env.PACHSVC_KUBECTL;
  const r = spawnSync('bash', [join(root, 'test/cluster/build.sh'), '--print-dir'], { encoding: 'utf8' });
  const built = join(r.stdout.trim(), 'bin/kubectl');
  if (r.status === 0 && existsSync(built)) return built;
  return 'kubectl';
}

/**
 * Makes the namespace ready and returns the names of the services already in it (left by a --keep
 * run: they are reused). Only a namespace this benchmark created (label pachsvc.io/bench) is reused or
 * deleted; any other of that name stops the run.
 */
async function prepareNamespace() {
  const path = `/api/v1/namespaces/${encodeURIComponent(NS)}`;
  const ns = await kube.request('GET', path);
  if (ns.status === 200 && ns.body.metadata?.labels?.[BENCH_NAMESPACE_LABEL] !== 'true') {
    throw new Error(`namespace ${NS} exists and was not made by this benchmark: pass --namespace NAME, or delete it yourself`);
  }
  if (ns.status === 200 && ns.body.status?.phase !== 'Terminating') {
    ownNamespace = true;
    const [deployments, services] = await Promise.all([managedNames('/apis/apps/v1'), managedNames('/api/v1')]);
    const wanted = new Set(Array.from({ length: N }, (_, i) => serviceName(i)));
    const complete = [...deployments].filter((d) => services.has(d));
    if ([...deployments, ...services].every((name) => wanted.has(name))) {
      if (complete.length > 0) log(`namespace ${NS} already holds ${complete.length} of the ${N} services (from a --keep run): reusing them`);
      return new Set(complete);
    }
    log(`namespace ${NS} (from an earlier run) holds services beyond the ${N} wanted: deleting it first`);
    await kube.must('DELETE', path, {}, [404]);
  }
  if (ns.status === 200) {
    log(`waiting for namespace ${NS} (from an earlier run) to be deleted`);
    await waitUntil(`namespace ${NS} gone`, opts['ready-timeout'] * 1000, async () => (await kube.request('GET', path)).status === 404);
  }
  const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { [BENCH_NAMESPACE_LABEL]: 'true' } } };
  await kube.must('POST', '/api/v1/namespaces', { body });
  ownNamespace = true;
  await waitUntil(`ServiceAccount ${NS}/default`, 60_000, async () => (await kube.request('GET', `${path}/serviceaccounts/default`)).status === 200);
  return new Set();
}

/** Names of the managed objects of one kind in the namespace (api: /apis/apps/v1 deployments, /api/v1 services). */
async function managedNames(api) {
  const resource = api === '/api/v1' ? 'services' : 'deployments';
  const p = `${api}/namespaces/${encodeURIComponent(NS)}/${resource}?labelSelector=${encodeURIComponent(MANAGED)}&includeObject=None`;
  const table = (await kube.must('GET', p, { accept: TABLE })).body;
  const col = table.columnDefinitions.findIndex((c) => c.name === 'Name');
  return new Set((table.rows ?? []).map((r) => String(r.cells[col])));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function waitUntil(what, ms, test) {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(1000);
  }
}

async function cleanup() {
  cleaning ??= (async () => {
    rmSync(SNAPSHOT, { recursive: true, force: true });
    if (opts.keep) {
      if (ownCluster) log(`--keep: the control plane stays up (KUBECONFIG=${env.KUBECONFIG}; stop it with PACHSVC_CLUSTER_DIR=${ownCluster.stateDir} bash test/cluster/down.sh)`);
      else log(`--keep: namespace ${NS} and the fake nodes (label ${BENCH_NODE_LABEL}) stay`);
      kube?.close();
      return;
    }
    if (ownCluster) {
      kube?.close();
      log('stopping the local control plane');
      spawnSync('bash', [join(root, 'test/cluster/down.sh')], { cwd: root, env, stdio: ['ignore', 2, 2] });
      return;
    }
    if (kube) {
      try {
        // Nothing is touched unless the namespace check passed (a run that stopped there changed nothing).
        if (!ownNamespace) return;
        log(`deleting namespace ${NS} (the namespace controller finishes in the background)`);
        await kube.request('DELETE', `/api/v1/namespaces/${encodeURIComponent(NS)}`);
        const nodes = await kube.request('DELETE', `/api/v1/nodes?labelSelector=${encodeURIComponent(`${BENCH_NODE_LABEL}=true`)}`);
        const count = nodes.body?.items?.length ?? 0;
        if (count > 0) log(`deleted the ${count} fake nodes this benchmark added (label ${BENCH_NODE_LABEL})`);
      } catch (err) {
        log(`cleanup failed: ${err.message}`);
      } finally {
        kube.close();
      }
    }
  })();
  return cleaning;
}

function onSignal(code) {
  if (!cleaning) log('interrupted; cleaning up');
  cleanup().finally(() => process.exit(code));
}

// ------------------------------------------------------------------------------------------ checks

/** Both tools list the same N services (what the timed runs print); returns a short description. */
function checkOutputs(listArgv, kubectlArgv) {
  const run = (argv) => {
    const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().slice(0, 500)}`);
    return r.stdout;
  };
  const pachsvcRows = run(listArgv).trim().split('\n').length - 1;
  const kubectlOut = run(kubectlArgv);
  const deploys = (kubectlOut.match(/^deployment\.apps\//gm) ?? []).length;
  const svcs = (kubectlOut.match(/^service\//gm) ?? []).length;
  if (pachsvcRows !== N || deploys !== N || svcs !== N) {
    log(`WARNING: expected ${N} rows from each; pachsvc list printed ${pachsvcRows}, kubectl ${deploys} deployments and ${svcs} services`);
  }
  return `pachsvc list prints ${pachsvcRows} rows, kubectl ${deploys} deployments + ${svcs} services`;
}

/** How many API requests one (warm) kubectl run makes, from its -v=6 log. */
function kubectlRequests(kubectlArgv) {
  const r = spawnSync(kubectlArgv[0], [...kubectlArgv.slice(1), '-v=6'], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = r.stderr.split('\n').filter((l) => /round_trippers.*(?:GET|"Response")/.test(l));
  const discovery = lines.filter((l) => !l.includes('/namespaces/')).length;
  const pages = lines.some((l) => l.includes('continue=')) ? '; it reads each list in pages of 500, its default --chunk-size' : '';
  return `one warm kubectl run made ${lines.length} API requests (${discovery} for discovery${pages})`;
}

function discoveryCacheDir() {
  return join(env.KUBECACHEDIR ?? join(homedir(), '.kube/cache'), 'discovery', new URL(kube.server).host.replace(/:/g, '_'));
}

// ------------------------------------------------------------------------------------------ args

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults) || !argv[i].startsWith('--')) {
      console.error(`usage: node scripts/bench-list.mjs [${Object.keys(defaults).map((k) => `--${k}${typeof defaults[k] === 'boolean' ? '' : ' V'}`).join('] [')}]`);
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
