// Counts the API requests one pachsvc run makes, without touching its code: preload this module
// (node --import) and, at exit, it writes {"requests": N, "lines": ["GET /api/v1/…", …]} to the file
// PACHSVC_BENCH_COUNT_FILE names. Every HTTP/1.1 request Node's http client sends is one.
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';

const lines = [];
diagnostics.subscribe('http.client.request.start', ({ request }) => {
  lines.push(`${request.method} ${decodeURIComponent(request.path).replace(/\?.*/, '')}`);
});
process.once('exit', () => {
  if (process.env.PACHSVC_BENCH_COUNT_FILE) writeFileSync(process.env.PACHSVC_BENCH_COUNT_FILE, JSON.stringify({ requests: lines.length, lines }));
});
