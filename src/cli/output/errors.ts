/** A mistake in how the command was called (exit code 2, like kubectl's and every Unix tool's). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already explained to the user on stderr: exit with this code, print nothing more. */
export class ReportedError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ReportedError';
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
