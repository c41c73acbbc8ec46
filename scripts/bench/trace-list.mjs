// Where the wall time of one `pachsvc list` goes, without touching its code: preload this module and it
// prints a timeline to stderr at exit (or to the file named by PACHSVC_TRACE_FILE, as JSON).
//
//   node --import ./scripts/bench/trace-list.mjs bin/pachsvc list -n pachsvc-bench >/dev/null
//
// Marks: node start-up until this preload runs; the program's own start (module loading and kubeconfig)
// until the first request; per request: headers (TLS + server time), download (bytes on the socket);
// JSON.parse of large bodies; writes to stdout; exit. Times in ms from process start.
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';

const now = () => performance.now();
const trace = { preload: now(), requests: [], parses: [], writes: [], gcMs: 0 };

diagnostics.subscribe('http.client.request.start', ({ request }) => {
  const r = { path: decodeURIComponent(request.path).replace(/\?.*/, ''), start: now(), bytes: 0 };
  trace.requests.push(r);
  // The channel fires when the request is sent, often after a kept-alive socket is assigned.
  const onSocket = (socket) => {
    const onData = (chunk) => {
      r.firstByte ??= now();
      r.lastByte = now();
      r.bytes += chunk.length;
    };
    socket.on('data', onData);
    request.once('response', (res) => {
      r.headers = now();
      res.once('end', () => {
        r.end = now();
        socket.off('data', onData);
      });
    });
  };
  if (request.socket) onSocket(request.socket);
  else request.once('socket', onSocket);
});

// HTTP/2: each stream of the session is a request.
const h2connect = http2.connect;
http2.connect = function tracedConnect(...args) {
  const session = h2connect.apply(this, args);
  const request = session.request;
  session.request = function tracedRequest(headers, ...rest) {
    const r = { path: decodeURIComponent(headers[':path']).replace(/\?.*/, ''), start: now(), bytes: 0 };
    trace.requests.push(r);
    const stream = request.call(this, headers, ...rest);
    stream.once('response', () => (r.headers = now()));
    stream.on('data', (chunk) => {
      r.firstByte ??= now();
      r.lastByte = now();
      r.bytes += chunk.length;
    });
    stream.once('end', () => (r.end = now()));
    return stream;
  };
  return session;
};

const parse = JSON.parse;
JSON.parse = function tracedParse(text, reviver) {
  if (typeof text !== 'string' || text.length < 100_000) return parse(text, reviver);
  const start = now();
  try {
    return parse(text, reviver);
  } finally {
    trace.parses.push({ start, ms: now() - start, chars: text.length });
  }
};

const write = process.stdout.write;
process.stdout.write = function tracedWrite(chunk, ...rest) {
  const start = now();
  try {
    return write.call(this, chunk, ...rest);
  } finally {
    trace.writes.push({ start, ms: now() - start, bytes: Buffer.byteLength(chunk) });
  }
};

const { PerformanceObserver } = await import('node:perf_hooks');
const gc = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) trace.gcMs += e.duration;
});
gc.observe({ entryTypes: ['gc'] });

process.once('exit', () => {
  trace.exit = now();
  trace.rssPeakMb = (process.resourceUsage().maxRSS * 1024) / 1e6; // KiB → MB
  if (process.env.PACHSVC_TRACE_FILE) {
    writeFileSync(process.env.PACHSVC_TRACE_FILE, JSON.stringify(trace));
    return;
  }
  const f = (x) => (x === undefined ? '   -  ' : x.toFixed(0).padStart(6));
  const lines = [`node start-up until preload ${f(trace.preload)} ms`];
  const first = Math.min(...trace.requests.map((r) => r.start));
  lines.push(`first request at            ${f(first)} ms (module loading, kubeconfig, TLS options)`);
  for (const r of trace.requests) {
    lines.push(`  ${r.path.padEnd(52)} start ${f(r.start)} headers ${f(r.headers)} last byte ${f(r.lastByte)} end ${f(r.end)}  ${(r.bytes / 1e6).toFixed(1)} MB`);
  }
  for (const p of trace.parses) lines.push(`  JSON.parse ${(p.chars / 1e6).toFixed(1)} M chars at ${f(p.start)}: ${p.ms.toFixed(0)} ms`);
  const w = trace.writes.reduce((s, x) => s + x.ms, 0);
  lines.push(`stdout writes: ${trace.writes.length}, ${w.toFixed(0)} ms; GC ${trace.gcMs.toFixed(0)} ms; exit at ${f(trace.exit)} ms; peak RSS ${trace.rssPeakMb.toFixed(0)} MB`);
  process.stderr.write(`${lines.join('\n')}\n`);
});
