// Interleaved rounds: every round runs the same steps in order (pachsvc's command and its counterpart,
// kubectl's or `node -e 0`, side by side; setup steps between them untimed), so that machine load,
// caches and the cluster's state hit both sides alike. After the warm-up rounds come the timed rounds,
// then a few rounds under GNU time for peak memory, then one round that counts requests.
import { countKubectl, countPachsvc, median, rssOnce, timeOnce } from './measure.mjs';

/**
 * @typedef {{ row: string, side: 'pachsvc' | 'other', argv: string[], counter?: 'pachsvc' | 'kubectl' }} Timed
 * @typedef {{ setup: string[], ok?: number[] }} Setup
 * @param {(round: number) => (Timed | Setup)[]} stepsOf the steps of round n (0-based)
 * @returns {Map<string, { pachsvc: number[], other: number[], rss: { pachsvc: number[], other: number[] }, requests: { pachsvc?: object, other?: object } }>}
 */
export function runRounds(stepsOf, { rounds, warmup, rssRounds = 3, count = true, env, onRound }) {
  const rows = new Map();
  const rowOf = (name) => {
    if (!rows.has(name)) rows.set(name, { pachsvc: [], other: [], rss: { pachsvc: [], other: [] }, requests: {} });
    return rows.get(name);
  };
  const total = warmup + rounds + rssRounds + (count ? 1 : 0);
  for (let n = 0; n < total; n++) {
    const phase = n < warmup ? 'warmup' : n < warmup + rounds ? 'timed' : n < warmup + rounds + rssRounds ? 'rss' : 'count';
    for (const step of stepsOf(n)) {
      if (step.setup) {
        timeOnce(step.setup, env, step.ok);
        continue;
      }
      const row = rowOf(step.row);
      if (phase === 'timed') row[step.side].push(timeOnce(step.argv, env));
      else if (phase === 'rss') {
        const kb = rssOnce(step.argv, env);
        if (kb !== undefined) row.rss[step.side].push(kb);
      } else if (phase === 'count' && step.counter) {
        row.requests[step.side] = step.counter === 'pachsvc' ? countPachsvc(step.argv, env) : countKubectl(step.argv, env);
      } else timeOnce(step.argv, env);
    }
    onRound?.(n + 1, total, phase);
  }
  return rows;
}

/** The medians of a row: { pachsvc, other, ratio, rssPachsvc, rssOther } (ms; kB). */
export function summarize(row) {
  const p = median(row.pachsvc);
  const o = median(row.other);
  return {
    pachsvc: p,
    other: o,
    ratio: p / o,
    rssPachsvc: row.rss.pachsvc.length ? Math.max(...row.rss.pachsvc) : undefined,
    rssOther: row.rss.other.length ? Math.max(...row.rss.other) : undefined,
  };
}
