// Reading a file a user named (a spec, a kubeconfig, a certificate it names), bounded in size and time:
// a regular file or a pipe (a FIFO, `<(…)`), never a device or a socket (/dev/zero would be read for
// ever), at most maxBytes. A pipe is opened without blocking and read as its data arrives: no thread
// waits for a writer, an endless one stops at the cap, a silent one is waited for as `cat` would, and
// Ctrl-C or a deadline can always end the wait.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';

export type ReadProblem = 'not-a-file' | 'too-big';

/**
 * The path names something that is not read (a device, a socket, a folder), or more than maxBytes. What
 * else fails is the system's error, with its code (ENOENT, EACCES, …).
 */
export class ReadCappedError extends Error {
  constructor(
    readonly problem: ReadProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The bytes of the regular file or pipe at path, at most maxBytes; refuses anything else. */
export async function readCapped(path: string, maxBytes: number): Promise<Buffer> {
  // Looked at before it is opened: opening a device can itself do something (a tape rewinds).
  check(statSync(path), maxBytes);
  // O_NONBLOCK: a FIFO opens at once, with or without a writer; a regular file reads as it would without.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let st: Stats;
  try {
    // What was opened is looked at again: the path may name something else since.
    st = fstatSync(fd);
    check(st, maxBytes);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (st.isFIFO()) return readPipe(fd, maxBytes);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return Buffer.concat(chunks);
      total += n;
      // A file that grows while it is read stops at the cap too.
      if (total > maxBytes) throw tooBig(maxBytes);
      chunks.push(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

function check(st: Stats, maxBytes: number): void {
  if (!st.isFile() && !st.isFIFO()) throw new ReadCappedError('not-a-file', 'it is not a regular file or a pipe');
  if (st.size > maxBytes) throw tooBig(maxBytes);
}

/** A pipe opened without blocking, read through libuv as data arrives (the Socket owns and closes fd). */
async function readPipe(fd: number, maxBytes: number): Promise<Buffer> {
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: false });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of socket) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > maxBytes) throw tooBig(maxBytes);
      chunks.push(b);
    }
  } finally {
    socket.destroy();
  }
  return Buffer.concat(chunks);
}

function tooBig(maxBytes: number): ReadCappedError {
  return new ReadCappedError('too-big', `it is larger than ${size(maxBytes)}`);
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
