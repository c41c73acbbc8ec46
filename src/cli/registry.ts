// Every command pachsvc has, once. The command names, the fast path, yargs and completion all come from
// this list: a command added here is everywhere; one not added here is nowhere.
import type { Command } from './command.ts';
import { APPLY, CREATE, UPDATE } from './commands/apply.ts';
import { COMPLETE, COMPLETION } from './commands/completion.ts';
import { DELETE } from './commands/delete.ts';
import { DIFF } from './commands/diff.ts';
import { EDIT } from './commands/edit.ts';
import { HISTORY } from './commands/history.ts';
import { ROLLBACK } from './commands/rollback.ts';
import { INSPECT } from './commands/inspect.ts';
import { LIST } from './commands/list.ts';
import { LOGS } from './commands/logs.ts';
import { OPEN, PORT_FORWARD } from './commands/port-forward.ts';
import { RENDER } from './commands/render.ts';
import { VALIDATE } from './commands/validate.ts';
import { VERSION_COMMAND } from './commands/version.ts';

export const COMMANDS: Command[] = [CREATE, UPDATE, APPLY, DIFF, LIST, INSPECT, EDIT, HISTORY, ROLLBACK, DELETE, LOGS, PORT_FORWARD, OPEN, VALIDATE, RENDER, VERSION_COMMAND, COMPLETION, COMPLETE];

/** Every name a user may type for a command, aliases included. */
export const COMMAND_NAMES: string[] = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
