// `npm run bench:list`: `pachsvc list` of N services (realistic objects rendered by pachsvc itself, their
// pods running on kwok fake nodes) against `kubectl get deploy,svc -l app.kubernetes.io/managed-by=pachsvc`
// in the same run, interleaved, with peak memory, requests, and where pachsvc's time goes.
//
//   npm run bench:list [-- --services 1000 --rounds 15 --warmup 2 --namespace pachsvc-bench-list --keep]
//
// With KUBECONFIG set it uses that cluster (namespace and fake nodes removed at the end); without, the
// local control plane, started in .bench/cluster and stopped at the end. --keep leaves the cluster (or
// the namespace and nodes) for the next run, which reuses the services. `npm run bench -- --big` runs
// the same measurement at 1,000 and 10,000 services as part of the whole benchmark.
import { availableParallelism, loadavg } from 'node:os';
import { MANAGED, dropNamespace, log, openCluster, parseArgs, secs, snapshotBuild } from './bench/env.mjs';
import { BENCH_NODE_LABEL } from './bench/fixtures.mjs';
import { mb, median, quantile, traceBreakdown } from './bench/measure.mjs';
import { runRounds, summarize } from './bench/rounds.mjs';
import { ensureServices } from './bench/services.mjs';

const opts = parseArgs(process.argv.slice(2), { services: 1000, rounds: 15, warmup: 2, namespace: 'pachsvc-bench-list', keep: false });
let build;
let cluster;
process.on('SIGINT', () => cleanup().finally(() => process.exit(130)));

try {
  build = await snapshotBuild();
  cluster = await openCluster({ keep: opts.keep });
  const { env, kube, kubectl } = cluster;
  const t = Date.now();
  const setup = await ensureServices({ kube, pachsvc: build.pachsvc, ns: opts.namespace, count: opts.services });
  const listArgv = [process.execPath, build.pachsvc, 'list', '-n', opts.namespace];
  const jsonArgv = [...listArgv, '-o', 'json'];
  const kubectlArgv = [kubectl, 'get', 'deploy,svc', '-l', MANAGED, '-n', opts.namespace];
  const loadStart = loadavg()[0].toFixed(2);
  log(`timing: ${opts.warmup} warm-up + ${opts.rounds} interleaved rounds, then 3 memory rounds and 1 counting round`);
  const rows = runRounds(
    (n) => {
      const steps = [
        { row: 'list', side: 'pachsvc', argv: listArgv, counter: 'pachsvc' },
        { row: 'list', side: 'other', argv: kubectlArgv, counter: 'kubectl' },
        { row: 'list -o json', side: 'pachsvc', argv: jsonArgv },
      ];
      return n % 2 ? [steps[1], steps[0], steps[2]] : steps;
    },
    { rounds: opts.rounds, warmup: opts.warmup, env },
  );
  log('where the time goes: 5 traced runs of pachsvc list');
  const b = traceBreakdown(listArgv.slice(1), env);
  const list = summarize(rows.get('list'));
  const json = rows.get('list -o json');
  const spread = (xs) => `${quantile(xs, 0.25).toFixed(0)}–${quantile(xs, 0.75).toFixed(0)} ms`;
  const requests = rows.get('list').requests;
  console.log(
    [
      '',
      `pachsvc list benchmark: ${opts.services} services in namespace ${opts.namespace}; kube-apiserver ${cluster.server}; kubectl ${cluster.kubectlVersion}`,
      `measured: ${build.describe}; ${availableParallelism()} CPUs; load average ${loadStart} at the start of timing, ${loadavg()[0].toFixed(2)} at the end`,
      `setup ${secs(Date.now() - t)}: ${setup.nodes} fake nodes added, ${setup.created} services created in ${secs(setup.ms.create)}, ${setup.ready}/${opts.services} ready after ${secs(setup.ms.ready)} more`,
      `pachsvc list: ${list.pachsvc.toFixed(0)} ms (${spread(rows.get('list').pachsvc)}), kubectl get deploy,svc: ${list.other.toFixed(0)} ms (${spread(rows.get('list').other)}), ratio ${list.ratio.toFixed(2)}x`,
      `pachsvc list -o json: ${median(json.pachsvc).toFixed(0)} ms, ${(median(json.pachsvc) / list.other).toFixed(2)}x`,
      `peak RSS: pachsvc list ${list.rssPachsvc ? mb(list.rssPachsvc).toFixed(0) : '-'} MB, -o json ${json.rss.pachsvc.length ? mb(Math.max(...json.rss.pachsvc)).toFixed(0) : '-'} MB, kubectl ${list.rssOther ? mb(list.rssOther).toFixed(0) : '-'} MB`,
      `requests: pachsvc ${requests.pachsvc?.requests ?? '-'}, kubectl ${requests.other?.requests ?? '-'}`,
      `pachsvc list, traced (medians of 5, ms from process start): node ready ${b.boot.toFixed(0)}, first request ${b.firstRequest.toFixed(0)}, ` +
        `first response headers ${b.firstHeaders.toFixed(0)}, last response byte ${b.lastByte.toFixed(0)} (${b.mb.toFixed(1)} MB), exit ${b.exit.toFixed(0)}; ` +
        `JSON.parse ${b.parse.toFixed(0)} ms, GC ${b.gc.toFixed(0)} ms`,
    ].join('\n'),
  );
} catch (err) {
  console.error(`[bench-list] ERROR: ${err.stack ?? err.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function cleanup() {
  build?.remove();
  if (!cluster) return;
  if (!cluster.own && !opts.keep) {
    await dropNamespace(cluster.kube, opts.namespace).catch(() => undefined);
    await cluster.kube.request('DELETE', `/api/v1/nodes?labelSelector=${encodeURIComponent(`${BENCH_NODE_LABEL}=true`)}`).catch(() => undefined);
  }
  cluster.stop();
  cluster = undefined;
}
