// Probe: does @kubernetes/client-node's PortForward (WebSocket, v4.channel.k8s.io)
// carry bytes through kube-apiserver to a kwok pod's forwarded port?
//
//   KUBECONFIG=.cluster/kubeconfig node test/cluster/probes/client-node-portforward.mjs NAMESPACE POD PORT [REQUESTS]
//
// Listens on a free local port; every accepted connection opens its own
// portforward WebSocket (as client-node's docs do), then sends REQUESTS
// (default 3) HTTP GETs through it, one connection each, and prints each
// response (or error). Exit 0 when every request got a 200.
import http from 'node:http';
import net from 'node:net';
import { KubeConfig, PortForward } from '@kubernetes/client-node';

const [namespace, pod, portArg, nArg] = process.argv.slice(2);
if (!namespace || !pod || !portArg) {
  console.error('usage: client-node-portforward.mjs NAMESPACE POD PORT [REQUESTS]');
  process.exit(2);
}
const port = Number(portArg);
const n = Number(nArg ?? 3);
const kc = new KubeConfig();
kc.loadFromDefault();
const forward = new PortForward(kc);

const server = net.createServer(async (socket) => {
  try {
    const ws = await forward.portForward(namespace, pod, [port], socket, process.stderr, socket);
    const t = ws; // isomorphic-ws WebSocket
    console.log(`  websocket open, negotiated subprotocol: ${JSON.stringify(t.protocol)}`);
    t.on?.('close', (code, reason) => { console.log(`  websocket closed ${code} ${reason}`); socket.end(); });
    socket.on('close', () => t.close?.());
  } catch (err) {
    console.log(`  portForward failed: ${err?.message ?? err}`);
    socket.destroy();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const local = server.address().port;
console.log(`local 127.0.0.1:${local} -> pods/${pod}/portforward ${port} (namespace ${namespace}), server ${kc.getCurrentCluster()?.server}`);

let ok = 0;
for (let i = 1; i <= n; i++) {
  const res = await new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: local, path: `/probe-${i}`, agent: false, timeout: 10_000 }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: r.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 10 s')));
    req.on('error', (err) => resolve({ error: err.message }));
  });
  console.log(`request ${i}: ${res.error ? `ERROR ${res.error}` : `${res.status} ${res.body.trim()}`}`);
  if (res.status === 200) ok++;
}
server.close();
console.log(`${ok}/${n} requests reached the target`);
process.exit(ok === n ? 0 : 1);
