// Flags of the commands that write a service (create, update, apply, rollback, edit): waiting for it to
// be ready, and how many revisions to keep; and --dry-run, which delete checks too. Kept apart from the
// commands so that delete and rollback do not load the spec reader and the renderer for it.
import type { FlagTable } from '../command.ts';
import { quote } from '../../lib/text.ts';
import { UsageError } from '../output/errors.ts';

export interface WriteFlags {
  wait: boolean;
  timeout: string;
  'history-max': string;
}

export const WRITE_FLAGS = {
  wait: { type: 'boolean', default: false, describe: 'Wait until every replica is ready with its data checked out' },
  timeout: { type: 'string', default: '5m', describe: 'How long --wait waits (e.g. 90s, 10m)', requiresArg: true },
  'history-max': { type: 'string', default: '10', describe: 'How many revisions of each service to keep for history and rollback (0: none)', requiresArg: true },
} satisfies FlagTable;

/** --history-max, checked. */
export function historyMaxFlag(value: unknown, command: string): number {
  const text = String(value);
  if (!/^\d{1,4}$/.test(text)) throw new UsageError(`--history-max must be a number of revisions from 0 to 9999, not ${quote(text)}`, command);
  return Number(text);
}

export const DRY_RUN_FLAG = {
  'dry-run': {
    type: 'string',
    default: 'none',
    describe: 'client: print the objects, touch nothing; server: the API server checks everything and stores nothing (a bare --dry-run is client)',
    requiresArg: true,
  },
} satisfies FlagTable;

export type DryRun = 'none' | 'client' | 'server';

/** --dry-run's value, checked: anything but none, client or server is a usage error, never a write. */
export function dryRunFlag(value: unknown, command: string): DryRun {
  if (value === 'none' || value === 'client' || value === 'server') return value;
  throw new UsageError(`invalid value ${JSON.stringify(String(value).slice(0, 40))} for --dry-run (choose from none, client, server)`, command);
}
