// Child processes for tests: started in their own process group (so that everything they start can be
// killed at once), with every wait bounded so that a hung process fails its test instead of the suite.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started process whose output is collected as it comes. */
export class Running {
  stdout = '';
  stderr = '';
  readonly done: Promise<Finished>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.done = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Waits for the process to end, at most timeoutMs. */
  async finished(timeoutMs = 10_000): Promise<Finished> {
    const timer = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const result = await Promise.race([this.done, timer]);
    if (result === 'timeout') {
      throw new Error(`process ${this.child.pid} still running after ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    }
    return result;
  }

  /** Kills the process and everything it started. */
  killGroup(): void {
    if (this.child.pid === undefined || this.child.exitCode !== null) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Starts processes and kills them all (with their children) when the test is done. */
export class ProcessGroup {
  private readonly running: Running[] = [];

  start(command: string, args: string[], options: SpawnOptions & { input?: string } = {}): Running {
    const { input, ...rest } = options;
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...rest, detached: true });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
    const r = new Running(child);
    this.running.push(r);
    return r;
  }

  async run(command: string, args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<Finished> {
    const { timeoutMs, ...rest } = options;
    return this.start(command, args, rest).finished(timeoutMs);
  }

  killAll(): void {
    for (const r of this.running) r.killGroup();
  }
}

/** Polls check until it holds, at most timeoutMs; then fails with what was awaited and describe()'s details. */
export async function waitFor(what: string, check: () => boolean, options: { timeoutMs?: number; describe?: () => string } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${options.describe ? `\n${options.describe()}` : ''}`);
    }
    await sleep(20);
  }
}

