// openPodStream (src/cluster/portforward.ts), the stream of one forwarded connection over the API server's
// WebSocket (v4.channel.k8s.io), against a local WebSocket server that speaks the API server's side: the
// port-number prefix on each channel, then data. Backpressure holds both ways: a local client that does not
// read stops the WebSocket from being read (the pod's data waits in the network, not in pachsvc's memory),
// and an API server that does not read makes writes wait.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../src/cluster/client.ts';
import { openPodStream } from '../../src/cluster/portforward.ts';

// ws comes with @kubernetes/client-node (which opens port-forward WebSockets with it); it has no types here.
interface ServerSocket {
  send(data: Buffer, cb?: (err?: Error) => void): void;
  readonly bufferedAmount: number;
  readonly readyState: number;
  pause(): void;
  resume(): void;
  close(): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: () => void): void;
}
interface Server {
  address(): AddressInfo;
  on(event: 'connection', listener: (socket: ServerSocket) => void): void;
  on(event: 'listening', listener: () => void): void;
  close(): void;
  clients: Set<ServerSocket>;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: new (options: object) => Server };

const PORT = 8080;
const CHUNK = 64 * 1024;
const TOTAL = 48 * 1024 * 1024;

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    for (const c of s.clients) c.close();
    s.close();
  }
});

/** A stand-in for the API server's pods/portforward endpoint; `serve` runs for each connection. */
async function apiServer(serve: (socket: ServerSocket) => void): Promise<Cluster> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'v4.channel.k8s.io' });
  servers.push(server);
  await new Promise<void>((resolve) => server.on('listening', resolve));
  server.on('connection', (socket) => {
    // Each channel starts with the port's number (little-endian), as the kubelet's answer does.
    socket.send(Buffer.from([0, PORT & 0xff, PORT >> 8]));
    socket.send(Buffer.from([1, PORT & 0xff, PORT >> 8]));
    serve(socket);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return { webSocketOptions: async () => ({ server: url, options: { headers: {}, handshakeTimeout: 5_000 } }) } as unknown as Cluster;
}

describe('openPodStream: backpressure', () => {
  test('pod to client: a client that does not read holds the WebSocket, and everything arrives once it reads', { timeout: 60_000 }, async () => {
    let sent = 0;
    const cluster = await apiServer((socket) => {
      const payload = Buffer.concat([Buffer.from([0]), Buffer.alloc(CHUNK, 0x61)]);
      const pump = () => {
        // The server keeps little unsent itself: what it sends is what the network takes.
        while (sent < TOTAL && socket.bufferedAmount < 512 * 1024 && socket.readyState === 1) {
          socket.send(payload);
          sent += CHUNK;
        }
        if (sent < TOTAL) setTimeout(pump, 5);
        else socket.close();
      };
      pump();
    });
    const stream = await openPodStream(cluster, 'default', 'web-a', PORT);
    await sleep(1_000);
    // Nothing reads the stream: what is buffered stays near the stream's high-water mark; the rest waits.
    assert.ok(stream.readableLength < 1024 * 1024, `${stream.readableLength} bytes buffered in the stream`);
    assert.ok(sent < TOTAL / 2, `the server sent ${sent} of ${TOTAL} bytes to a client that reads nothing`);
    let received = 0;
    await pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          done();
        },
      }),
    );
    assert.equal(received, TOTAL);
  });

  test('client to pod: writes wait while the API server does not read, and everything arrives once it does', { timeout: 60_000 }, async () => {
    let received = 0;
    let server: ServerSocket | undefined;
    let closed!: () => void;
    const serverClosed = new Promise<void>((resolve) => (closed = resolve));
    const cluster = await apiServer((socket) => {
      server = socket;
      socket.pause();
      socket.on('message', (data) => (received += data.length - 1));
      socket.on('close', closed);
    });
    const stream = await openPodStream(cluster, 'default', 'web-a', PORT);
    stream.resume();
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= TOTAL) return void this.push(null);
        produced += CHUNK;
        this.push(Buffer.alloc(CHUNK, 0x62));
      },
    });
    const sending = pipeline(source, stream);
    await sleep(1_000);
    try {
      assert.ok(produced < TOTAL / 2, `${produced} of ${TOTAL} bytes taken from the local client while the API server read nothing`);
    } finally {
      server!.resume();
    }
    await sending;
    await serverClosed;
    assert.equal(received, TOTAL);
  });
});
