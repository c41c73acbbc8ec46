// Progress for --wait: an ora spinner on stderr when stderr is a terminal; silence otherwise (a pipe or
// a CI log gets only the result).
import type { Terminal } from './terminal.ts';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export async function startProgress(term: Terminal, text: string): Promise<Progress> {
  const interactive = Boolean(term.stderr.isTTY) && process.env.TERM !== 'dumb' && !process.env.CI;
  if (!interactive) return { update: () => {}, stop: () => {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: term.stderr as NodeJS.WriteStream, color: term.color ? 'cyan' : false as never, discardStdin: false }).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    stop: () => spinner.stop(),
  };
}
