// `npm run bench`: every command of pachsvc against what a user would run instead, in the same run,
// interleaved, after warm-up rounds, and printed as one table:
//   start-up   --version, render and validate of a JSON and a YAML spec      vs `node -e 0`
//   writes     create, update, apply (changed, unchanged), delete of one service   vs kubectl create -f,
//              kubectl apply --server-side --force-conflicts -f, kubectl delete deploy,svc NAME
//   inspect    pachsvc inspect NAME                                         vs kubectl describe deployment NAME
//   list       of 10 services (and, with --big, of 1,000 and 10,000)        vs kubectl get deploy,svc -l …
//   folder     pachsvc apply -f DIR -R of 100 specs                         vs a shell loop of 100 pachsvc apply -f
// Each row: medians of pachsvc and of the other, their ratio and the target, the peak RSS of each (GNU
// time, the largest of 3 runs), and the API requests one run of each makes (pachsvc: counted by a
// preloaded hook; kubectl: its -v=6 log). pachsvc runs with --no-pin (nothing to ask pachd).
//
//   npm run bench [-- --runs 15 --warmup 2 --only startup,write,list --big --big-services 10000 --keep]
//
// The cluster: KUBECONFIG's, else the local control plane, started in .bench/cluster for the run and
// stopped after it (--keep leaves it, and --big's services, for the next run). Everything the
// benchmark creates is in namespaces of its own (label pachsvc.io/bench=true), deleted at the end.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANAGED, benchNamespace, dropNamespace, log, openCluster, parseArgs, root, secs, snapshotBuild } from './env.mjs';
import { BENCH_NODE_LABEL, writeFixtures } from './fixtures.mjs';
import { runRounds, summarize } from './rounds.mjs';
import { ensureServices } from './services.mjs';
import { mb } from './measure.mjs';

const opts = parseArgs(process.argv.slice(2), {
  runs: 15,
  warmup: 2,
  only: 'startup,write,list,folder',
  'folder-specs': 100,
  'folder-runs': 3,
  big: false,
  'big-services': 10000,
  'big-runs': 10,
  keep: false,
});
const groups = new Set(opts.only.split(','));
if (opts.big) groups.add('big');

const NODE = process.execPath;
const W = 'bench-w'; // the service the write rows create, change and delete
const NS = { write: 'pachsvc-bench-w', writeKubectl: 'pachsvc-bench-wk', list10: 'pachsvc-bench-10', big: 'pachsvc-bench-big', folder: 'pachsvc-bench-dir', loop: 'pachsvc-bench-loop' };
const bigNamespace = (n) => (n === opts['big-services'] ? NS.big : `${NS.big}-${n}`);
const TARGETS = {
  version: { ratio: 1.1 },
  startup: { ratio: 1.3 },
  write: { ratio: 1.2, rssMb: 10 },
  inspect: { ratio: 1.5 },
  list10: { ratio: 1.5 },
  big: { ratio: 0.5, rssAbsMb: 150 },
  folder: { ratio: 0.5 }, // "well under" a shell loop: one process start, one connection, 8 writes at once
};

const results = []; // { row, target, s: summary, requests, note }
const notes = [];
let build;
let cluster;
let tmp;
let cleaning;

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => cleanup().finally(() => process.exit(130)));

try {
  const loadStart = loadavg();
  const started = Date.now();
  build = await snapshotBuild();
  const pachsvc = [NODE, build.pachsvc];
  if (groups.has('startup')) startup(pachsvc);
  if (['write', 'list', 'big', 'folder'].some((g) => groups.has(g))) {
    cluster = await openCluster({ keep: opts.keep });
    const env = cluster.env;
    notes.push(`cluster: kube-apiserver ${cluster.server} at ${cluster.kube.server}${cluster.own ? ` (started for this run in ${secs(cluster.own.upMs)})` : ''}; kubectl ${cluster.kubectlVersion}`);
    if (groups.has('write')) await writes(pachsvc, env);
    if (groups.has('folder')) await folder(pachsvc, env);
    if (groups.has('list')) await lists(pachsvc, env, NS.list10, [10], TARGETS.list10, opts.runs);
    // Each size in a namespace of its own, so that a kept cluster keeps both for the next run.
    if (groups.has('big')) for (const n of [1000, opts['big-services']]) await lists(pachsvc, env, bigNamespace(n), [n], TARGETS.big, opts['big-runs']);
  }
  print(loadStart, Date.now() - started);
} catch (err) {
  console.error(`[bench] ERROR: ${err.stack ?? err.message}`);
  process.exitCode = 1;
  // What was measured before the failure is still printed.
  if (results.length > 0) print(loadavg(), 0);
} finally {
  await cleanup();
}

// ------------------------------------------------------------------------------------------ rows

function startup(pachsvc) {
  const rows = [
    ['pachsvc --version', ['--version'], TARGETS.version],
    ['render (JSON spec)', ['render', '-f', join(root, 'examples/jupyter.json')], TARGETS.startup],
    ['render (YAML spec)', ['render', '-f', join(root, 'examples/file-server.yaml')], TARGETS.startup],
    ['validate (JSON spec)', ['validate', '-f', join(root, 'examples/notebook-cross.json')], TARGETS.startup],
    ['validate (YAML spec)', ['validate', '-f', join(root, 'examples/file-server.yaml')], TARGETS.startup],
  ];
  log(`start-up: ${opts.warmup} warm-up + ${opts.runs} timed rounds of ${rows.length + 1} commands`);
  const env = { ...process.env };
  const measured = runRounds(
    () => [{ row: 'node -e 0', side: 'other', argv: [NODE, '-e', '0'] }, ...rows.map(([row, args]) => ({ row, side: 'pachsvc', argv: [...pachsvc, ...args], counter: 'pachsvc' }))],
    { rounds: opts.runs, warmup: opts.warmup, env },
  );
  const base = measured.get('node -e 0');
  for (const [row, , target] of rows) {
    const r = measured.get(row);
    r.other = base.other;
    r.rss.other = base.rss.other;
    results.push({ row, vs: 'node -e 0', target, s: summarize(r), requests: r.requests });
  }
}

async function writes(pachsvc, env) {
  const { kube, kubectl } = cluster;
  await benchNamespace(kube, NS.write);
  await benchNamespace(kube, NS.writeKubectl);
  tmp = mkdtempSync(join(tmpdir(), 'pachsvc-bench-'));
  const f = writeFixtures(build.pachsvc, tmp, W, NS.writeKubectl);
  const p = (...args) => [...pachsvc, ...args, '-n', NS.write];
  const k = (...args) => [kubectl, ...args, '-n', NS.writeKubectl];
  const pairs = [
    ['create', p('create', '-f', f.spec.a, '--no-pin'), k('create', '-f', f.yaml.a), 'kubectl create -f'],
    ['update (changed)', p('update', '-f', f.spec.b, '--no-pin'), k('apply', '--server-side', '--force-conflicts', '-f', f.yaml.b), 'kubectl apply --server-side'],
    ['apply (changed)', p('apply', '-f', f.spec.a, '--no-pin'), k('apply', '--server-side', '--force-conflicts', '-f', f.yaml.a), 'kubectl apply --server-side'],
    ['apply (unchanged)', p('apply', '-f', f.spec.a, '--no-pin'), k('apply', '--server-side', '--force-conflicts', '-f', f.yaml.a), 'kubectl apply --server-side'],
    ['inspect', p('inspect', W), k('describe', 'deployment', W), 'kubectl describe deployment'],
    ['delete', p('delete', W), k('delete', 'deploy,svc', W), 'kubectl delete deploy,svc'],
  ];
  log(`writes: ${opts.warmup} warm-up + ${opts.runs} timed + 3 memory + 1 counting rounds of ${pairs.length} pairs (namespaces ${NS.write}, ${NS.writeKubectl})`);
  const measured = runRounds(
    (n) =>
      pairs.flatMap(([row, ours, theirs]) => {
        const a = { row, side: 'pachsvc', argv: ours, counter: 'pachsvc' };
        const b = { row, side: 'other', argv: theirs, counter: 'kubectl' };
        return n % 2 ? [b, a] : [a, b]; // who goes first alternates
      }),
    { rounds: opts.runs, warmup: opts.warmup, env, onRound: progress('writes') },
  );
  for (const [row, , , vs] of pairs) {
    const r = measured.get(row);
    results.push({ row, vs, target: row === 'inspect' ? TARGETS.inspect : TARGETS.write, s: summarize(r), requests: r.requests });
  }
}

// A GitOps folder: N specs in 10 subfolders (JSON and YAML), applied to an empty namespace by one
// `apply -f DIR -R` and by a shell loop of N `apply -f FILE`, each round after `delete --all` (untimed).
async function folder(pachsvc, env) {
  const { kube, kubectl } = cluster;
  const n = opts['folder-specs'];
  await benchNamespace(kube, NS.folder);
  await benchNamespace(kube, NS.loop);
  tmp ??= mkdtempSync(join(tmpdir(), 'pachsvc-bench-'));
  const dir = join(tmp, 'folder');
  const files = [];
  for (let i = 0; i < n; i++) {
    const name = `dir-${String(i + 1).padStart(4, '0')}`;
    const sub = join(dir, `team-${i % 10}`);
    mkdirSync(sub, { recursive: true });
    const spec = {
      pipeline: { name },
      transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080', '--directory', '/pfs'] },
      service: { internal_port: 8080, type: 'ClusterIP' },
      input: { pfs: { repo: `data${i % 7}`, branch: 'master', glob: '/' } },
    };
    const json = i % 2 === 0;
    const file = join(sub, `${name}.${json ? 'json' : 'yaml'}`);
    writeFileSync(file, json ? JSON.stringify(spec, null, 2) : stringify(spec));
    files.push(file);
  }
  const list = join(tmp, 'folder-files');
  writeFileSync(list, files.join('\n') + '\n');
  const row = `apply -f DIR -R (${n} specs)`;
  const loop = ['bash', '-c', 'while IFS= read -r f; do "$0" "$1" apply -f "$f" --no-pin -n "$2" >/dev/null || exit 1; done < "$3"', ...pachsvc, NS.loop, list];
  const clear = (ns) => ({ setup: [...pachsvc, 'delete', '--all', '-n', ns] });
  log(`${row}: 1 warm-up + ${opts['folder-runs']} timed rounds (namespaces ${NS.folder}, ${NS.loop})`);
  const measured = runRounds(
    () => [
      clear(NS.folder),
      clear(NS.loop),
      { row, side: 'pachsvc', argv: [...pachsvc, 'apply', '-f', dir, '-R', '--no-pin', '-n', NS.folder], counter: 'pachsvc' },
      { row, side: 'other', argv: loop },
    ],
    { rounds: opts['folder-runs'], warmup: 1, rssRounds: 1, env, onRound: progress(row) },
  );
  const r = measured.get(row);
  // Both ways must leave exactly the N services.
  const counts = [NS.folder, NS.loop].map((ns) => {
    const out = spawnSync(kubectl, ['get', 'deploy', '-l', MANAGED, '-n', ns, '-o', 'name'], { env, encoding: 'utf8' });
    return out.stdout.split('\n').filter(Boolean).length;
  });
  notes.push(`${row}: services left by the folder apply ${counts[0]}, by the loop ${counts[1]} (expected ${n} each)`);
  if (counts.some((c) => c !== n)) throw new Error(`apply -f DIR left ${counts[0]} and the loop ${counts[1]} services, not ${n}`);
  results.push({ row, vs: `shell loop of ${n} pachsvc apply`, target: TARGETS.folder, s: summarize(r), requests: r.requests });
}

async function lists(pachsvc, env, ns, counts, target, runs) {
  const { kube, kubectl } = cluster;
  for (const count of counts) {
    const t = Date.now();
    const setup = await ensureServices({ kube, pachsvc: build.pachsvc, ns, count });
    notes.push(
      `list of ${count}: setup ${secs(Date.now() - t)} (${setup.nodes} fake nodes added in ${secs(setup.ms.nodes)}, ${setup.created} services created in ${secs(setup.ms.create)}, ` +
        `${setup.ready}/${count} Deployments ready${setup.running !== undefined ? ` and ${setup.running} pods running` : ''} after ${secs(setup.ms.ready)} more)`,
    );
    const row = `list (${count.toLocaleString('en')} services)`;
    log(`${row}: ${opts.warmup} warm-up + ${runs} timed + 3 memory + 1 counting rounds`);
    const measured = runRounds(
      (n) => {
        const a = { row, side: 'pachsvc', argv: [...pachsvc, 'list', '-n', ns], counter: 'pachsvc' };
        const b = { row, side: 'other', argv: [kubectl, 'get', 'deploy,svc', '-l', MANAGED, '-n', ns], counter: 'kubectl' };
        return n % 2 ? [b, a] : [a, b];
      },
      { rounds: runs, warmup: opts.warmup, env, onRound: progress(row) },
    );
    const r = measured.get(row);
    results.push({ row, vs: 'kubectl get deploy,svc -l', target, s: summarize(r), requests: r.requests });
  }
}

function progress(what) {
  let last = Date.now();
  return (n, total, phase) => {
    if (Date.now() - last > 20_000 || n === total) {
      last = Date.now();
      log(`  ${what}: round ${n}/${total} (${phase}) done`);
    }
  };
}

// ------------------------------------------------------------------------------------------ output

function print(loadStart, ms) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const f = (x, d = 0) => (x === undefined ? '-' : x.toFixed(d));
  const head = ['command', 'pachsvc', 'other', 'ratio', 'target', 'ok', 'RSS pachsvc', 'RSS other', 'requests', 'kubectl requests', 'compared with'];
  const rows = results.map(({ row, vs, target, s, requests }) => {
    const rssP = s.rssPachsvc === undefined ? undefined : mb(s.rssPachsvc);
    const rssO = s.rssOther === undefined ? undefined : mb(s.rssOther);
    let ok = s.ratio <= target.ratio;
    let goal = `<= ${target.ratio}x`;
    if (target.rssMb !== undefined) {
      goal += `, RSS <= other+${target.rssMb} MB`;
      if (rssP !== undefined && rssO !== undefined) ok &&= rssP <= rssO + target.rssMb;
    }
    if (target.rssAbsMb !== undefined) {
      goal += `, RSS < ${target.rssAbsMb} MB`;
      if (rssP !== undefined) ok &&= rssP < target.rssAbsMb;
    }
    return [
      row,
      `${f(s.pachsvc)} ms`,
      `${f(s.other)} ms`,
      `${s.ratio.toFixed(2)}x`,
      goal,
      ok ? 'yes' : 'NO',
      rssP === undefined ? '-' : `${f(rssP)} MB`,
      rssO === undefined ? '-' : `${f(rssO)} MB`,
      requests.pachsvc ? String(requests.pachsvc.requests) : '-',
      requests.other ? String(requests.other.requests) : '-',
      vs,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out = [
    '',
    `pachsvc benchmark: medians of ${opts.runs} interleaved runs after ${opts.warmup} warm-up rounds${groups.has('big') ? ` (${opts['big-runs']} for --big)` : ''}; peak RSS: the largest of 3 runs under GNU time`,
    `${build.describe}; node ${process.version}; ${availableParallelism()} CPUs; load average ${load(loadStart)} at the start, ${load(loadavg())} at the end; took ${secs(ms)}`,
    ...notes,
    '',
    line(head),
    ...rows.map(line),
    '',
    'requests per run:',
    ...results.filter((r) => r.requests.pachsvc?.requests).map((r) => `  ${r.row}: ${summarizeLines(r.requests.pachsvc.lines)}${r.requests.other ? `  |  kubectl: ${summarizeLines(r.requests.other.lines)}` : ''}`),
  ];
  console.log(out.join('\n'));
}

/**
 * `GET deployments, GET services ×2, …`: the requests by method and resource, in order; past 24 (a folder
 * of specs), how many of each, in the order first made.
 */
function summarizeLines(lines) {
  const short = lines.map((l) => {
    const [method, path] = l.split(' ');
    const parts = path.split('/').filter(Boolean);
    const i = parts.indexOf('namespaces');
    const rest = i >= 0 ? parts.slice(i + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
    return `${method} ${rest.length > 1 && rest[0] !== 'openapi' ? `${rest[0]}/${rest.length > 2 ? rest.slice(2).join('/') : 'NAME'}` : rest.join('/') || path}`;
  });
  const out = [];
  const byKind = new Map();
  for (const s of short) {
    const last = lines.length > 24 ? byKind.get(s) : out.at(-1);
    if (last && last.s === s) last.n++;
    else {
      out.push({ s, n: 1 });
      byKind.set(s, out.at(-1));
    }
  }
  return out.map(({ s, n }) => (n > 1 ? `${s} x${n}` : s)).join(', ');
}

// ------------------------------------------------------------------------------------------ cleanup

async function cleanup() {
  cleaning ??= (async () => {
    build?.remove();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (!cluster) return;
    try {
      // A cluster this run started is stopped whole (unless --keep); in any other, what the run made goes.
      const stopping = cluster.own && !cluster.own.kept && !opts.keep;
      if (!stopping) {
        const big = opts.keep || !groups.has('big') ? [] : [bigNamespace(1000), bigNamespace(opts['big-services'])];
        for (const ns of [NS.write, NS.writeKubectl, NS.list10, NS.folder, NS.loop, ...big]) await dropNamespace(cluster.kube, ns).catch(() => undefined);
        if (!opts.keep && !cluster.own) await cluster.kube.request('DELETE', `/api/v1/nodes?labelSelector=${encodeURIComponent(`${BENCH_NODE_LABEL}=true`)}`).catch(() => undefined);
      }
    } finally {
      cluster.stop();
    }
  })();
  return cleaning;
}
