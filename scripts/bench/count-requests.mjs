// Counts the API requests and TLS connections one pachsvc run makes, without touching its code:
// preload this module (node --import) and, at exit, it writes {"requests": N, "connections": M, "lines":
// ["GET /api/v1/…", …]} to the file PACHSVC_BENCH_COUNT_FILE names. A request is one HTTP/1.1 request
// (Node's http client) or one HTTP/2 stream; a connection is one TLS handshake begun.
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import tls from 'node:tls';

const lines = [];
let connections = 0;
const path = (p) => decodeURIComponent(p).replace(/\?.*/, '');
diagnostics.subscribe('http.client.request.start', ({ request }) => lines.push(`${request.method} ${path(request.path)}`));
const connect = http2.connect;
http2.connect = function countingConnect(...args) {
  const session = connect.apply(this, args);
  const request = session.request;
  session.request = function countingRequest(headers, ...rest) {
    lines.push(`${headers[':method']} ${path(headers[':path'])}`);
    return request.call(this, headers, ...rest);
  };
  return session;
};
const tlsConnect = tls.connect;
tls.connect = function countingTlsConnect(...args) {
  connections++;
  return tlsConnect.apply(this, args);
};
process.once('exit', () => {
  if (process.env.PACHSVC_BENCH_COUNT_FILE) writeFileSync(process.env.PACHSVC_BENCH_COUNT_FILE, JSON.stringify({ requests: lines.length, connections, lines }));
});
