// Flags of the commands that write a service (create, update, apply, rollback, edit): waiting for it to
// be ready, and how many revisions to keep.
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
