// A Factory for running commands in process: in-memory streams (stdout, stderr and stdin as strings),
// an in-memory cluster (fake-kube.ts), and stand-ins for pachd, the clock, the editor and the browser.
import { PassThrough, Writable } from 'node:stream';
import type { Factory } from '../../src/cli/factory.ts';
import { checkClusterFlags } from '../../src/cli/flags/cluster.ts';
import type { IOStreams } from '../../src/cli/output/iostreams.ts';
import { runWith } from '../../src/cli/start/run.ts';
import type { Resolver } from '../../src/pachyderm/resolve.ts';
import { FakeKube } from './fake-kube.ts';

export interface TestRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestFactoryOptions {
  kube?: FakeKube;
  stdin?: string;
  env?: Record<string, string | undefined>;
  /** Commits pachd answers for `repo@ref`; anything else cannot be resolved. */
  commits?: Record<string, string>;
  now?: number;
  /** What the "editor" does to the file it is given. */
  edit?: (path: string) => Promise<void> | void;
  tty?: boolean;
}

export function testStreams(stdin = '', tty = false): { io: IOStreams; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const input = new PassThrough();
  input.end(stdin);
  const io: IOStreams = {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    stdin: input,
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    stdinIsTTY: false,
    color: false,
    colorOut: false,
    verbose: false,
    progress: false,
  };
  return { io, out: () => out, err: () => err };
}

export function testFactory(options: TestFactoryOptions = {}): { f: Factory; kube: FakeKube; out: () => string; err: () => string; opened: string[]; browsed: string[]; pachdAsked: { address: string; token?: string }[] } {
  const kube = options.kube ?? new FakeKube();
  const streams = testStreams(options.stdin ?? '', options.tty ?? false);
  const opened: string[] = [];
  const browsed: string[] = [];
  const pachdAsked: { address: string; token?: string }[] = [];
  const f: Factory = {
    io: streams.io,
    env: options.env ?? {},
    now: () => options.now ?? Date.parse('2026-12-01T10:05:00Z'),
    async kube(flags, command) {
      // As productionFactory's: a bad cluster flag is a usage error before anything is sent.
      checkClusterFlags(flags, command);
      opened.push(flags.namespace ?? kube.namespace);
      if (flags.namespace !== undefined && flags.namespace !== kube.namespace) return Object.assign(Object.create(kube), { namespace: flags.namespace }) as FakeKube;
      return kube;
    },
    async pachd(asked): Promise<Resolver[]> {
      pachdAsked.push(asked);
      return [
        {
          name: 'test pachd',
          async resolve(target) {
            const id = options.commits?.[`${target.repo}@${target.ref}`];
            if (!id) throw new Error(`no commit for ${target.repo}@${target.ref}`);
            return id;
          },
        },
      ];
    },
    async editFile(path) {
      await options.edit?.(path);
    },
    async openBrowser(url) {
      browsed.push(url);
    },
    close() {},
  };
  return { f, kube, out: streams.out, err: streams.err, opened, browsed, pachdAsked };
}

/** Runs one pachsvc command line in process. */
export async function runIn(
  argv: string[],
  options: TestFactoryOptions & { kube?: FakeKube } = {},
): Promise<TestRun & { kube: FakeKube; browsed: string[]; pachdAsked: { address: string; token?: string }[] }> {
  const t = testFactory(options);
  const code = await runWith(argv, t.f);
  return { code, stdout: t.out(), stderr: t.err(), kube: t.kube, browsed: t.browsed, pachdAsked: t.pachdAsked };
}
