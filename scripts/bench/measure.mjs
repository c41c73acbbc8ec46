// Timing, peak memory and request counts of short commands, for the benchmarks.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs argv once with stdout to /dev/null; returns wall milliseconds. Throws if it exits other than `ok`. */
export function timeOnce(argv, env, ok = [0]) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.signal === 'SIGINT') throw new Error('interrupted');
  if (!ok.includes(r.status)) throw new Error(`${argv.join(' ')} failed (exit ${r.status ?? r.signal}): ${String(r.stderr).trim().slice(0, 500)}`);
  return ms;
}

/**
 * `rounds` interleaved rounds over cases (A, B, C, A, B, C, …) after `warmup` untimed rounds, so
 * machine load and caches hit every case alike. Returns one array of wall times per case.
 */
export function interleave(cases, { rounds, warmup, env }) {
  const times = cases.map(() => []);
  for (let i = 0; i < warmup + rounds; i++) {
    cases.forEach((c, k) => {
      const ms = timeOnce(c.argv, env);
      if (i >= warmup) times[k].push(ms);
    });
  }
  return times;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
};

/**
 * Peak resident set size (VmHWM, kilobytes as getrusage reports them) of argv, the largest over `runs`
 * runs, measured by GNU time (`time -f %M`). Separate from the timed runs so the wrapper costs them
 * nothing. Returns undefined when GNU time is not installed.
 */
export function peakRssKb(argv, env, runs = 3) {
  const time = gnuTime();
  if (!time) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pachsvc-bench-rss-'));
  try {
    let peak = 0;
    for (let i = 0; i < runs; i++) {
      const out = join(dir, 'rss');
      const r = spawnSync(time, ['-o', out, '-f', '%M', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`${argv.join(' ')} failed under ${time} (exit ${r.status}): ${String(r.stderr).trim().slice(0, 500)}`);
      peak = Math.max(peak, Number(readFileSync(out, 'utf8').trim().split('\n').pop()));
    }
    return peak;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let gnuTimePath;
/** Path of GNU time (not the shell keyword), or undefined. */
export function gnuTime() {
  if (gnuTimePath !== undefined) return gnuTimePath || undefined;
  gnuTimePath = '';
  for (const p of ['/usr/bin/time', '/bin/time', '/usr/local/bin/time']) {
    if (!existsSync(p)) continue;
    const r = spawnSync(p, ['-f', '%M', 'true'], { encoding: 'utf8' });
    if (r.status === 0 && /^\d+\s*$/.test(r.stderr)) {
      gnuTimePath = p;
      break;
    }
  }
  return gnuTimePath || undefined;
}

/** Peak RSS (kilobytes) of one run of argv under GNU time; undefined without GNU time. Throws if it fails. */
export function rssOnce(argv, env) {
  const time = gnuTime();
  if (!time) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pachsvc-bench-rss-'));
  try {
    const out = join(dir, 'rss');
    const r = spawnSync(time, ['-o', out, '-f', '%M', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed under ${time} (exit ${r.status}): ${String(r.stderr).trim().slice(0, 500)}`);
    return Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The API requests one run of pachsvc makes (argv: [node, bin/pachsvc, …]), counted by a preloaded
 * diagnostics_channel subscriber (count-requests.mjs): { requests, lines }.
 */
export function countPachsvc(argv, env) {
  const dir = mkdtempSync(join(tmpdir(), 'pachsvc-bench-count-'));
  const file = join(dir, 'count.json');
  try {
    const hook = new URL('./count-requests.mjs', import.meta.url).pathname;
    const r = spawnSync(argv[0], ['--import', hook, ...argv.slice(1)], { env: { ...env, PACHSVC_BENCH_COUNT_FILE: file }, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`counted ${argv.join(' ')} failed (exit ${r.status}): ${String(r.stderr).trim().slice(0, 300)}`);
    return JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The API requests one run of kubectl makes, from its -v=6 log: { requests, lines }. */
export function countKubectl(argv, env) {
  const r = spawnSync(argv[0], [...argv.slice(1), '-v=6'], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} -v=6 failed (exit ${r.status}): ${r.stderr.trim().slice(-300)}`);
  const lines = r.stderr
    .split('\n')
    .map((l) => /"(GET|POST|PUT|PATCH|DELETE)" url="https?:\/\/[^/"]+([^"?]*)/.exec(l) ?? /\b(GET|POST|PUT|PATCH|DELETE) https?:\/\/[^/ ]+([^ ?]*)/.exec(l))
    .filter(Boolean)
    .map((m) => `${m[1]} ${m[2]}`);
  return { requests: lines.length, lines };
}

/** Kilobytes (KiB, as getrusage counts) to decimal megabytes. */
export const mb = (kb) => (kb * 1024) / 1e6;

/**
 * Where one `pachsvc list` spends its wall time: `runs` runs with trace-list.mjs preloaded, each
 * phase the median over the runs. The tracing itself costs a few milliseconds.
 */
export function traceBreakdown(pachsvcArgv, env, runs = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'pachsvc-bench-trace-'));
  const hook = new URL('./trace-list.mjs', import.meta.url).pathname;
  const file = join(dir, 'trace.json');
  const rows = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, ['--import', hook, ...pachsvcArgv], { env: { ...env, PACHSVC_TRACE_FILE: file }, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`traced ${pachsvcArgv.join(' ')} failed: ${String(r.stderr).trim().slice(0, 300)}`);
      const t = JSON.parse(readFileSync(file, 'utf8'));
      const firstRequest = Math.min(...t.requests.map((q) => q.start));
      const firstHeaders = Math.min(...t.requests.map((q) => q.headers ?? Infinity));
      const lastByte = Math.max(...t.requests.map((q) => q.end ?? q.lastByte ?? 0));
      rows.push({
        boot: t.preload,
        firstRequest,
        firstHeaders,
        lastByte,
        mb: t.requests.reduce((s, q) => s + q.bytes, 0) / 1e6,
        parse: t.parses.reduce((s, p) => s + p.ms, 0),
        afterLastByte: t.exit - lastByte,
        gc: t.gcMs,
        exit: t.exit,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.fromEntries(Object.keys(rows[0]).map((k) => [k, median(rows.map((r) => r[k]))]));
}
