import type { FlagTable } from '../command.ts';

/** Flags every command has. */
export const GLOBAL_FLAGS = {
  color: { type: 'boolean', describe: 'Colour messages (--no-color or NO_COLOR turn it off)' },
  verbose: { alias: 'v', type: 'boolean', describe: 'Show stack traces and request details on errors' },
} satisfies FlagTable;
