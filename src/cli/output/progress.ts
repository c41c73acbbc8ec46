// Progress for --wait: an ora spinner on stderr when stderr is a terminal; silence otherwise (a pipe or
// a CI log gets only the result).
import type { IOStreams } from './iostreams.ts';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export async function startProgress(io: IOStreams, text: string): Promise<Progress> {
  if (!io.progress) return { update: () => {}, stop: () => {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: io.stderr as NodeJS.WriteStream, color: io.color ? 'cyan' : (false as never), discardStdin: false }).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    stop: () => spinner.stop(),
  };
}
