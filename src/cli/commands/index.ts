// Every command, as yargs command modules. Their code loads with the fast path (run.ts); main.ts adds
// only yargs around them, so `render`, `validate` and `list` start without loading yargs at all.
import type { CommandModule } from 'yargs';
import { defineCommand, type CommandSpec } from '../command.ts';
import type { Terminal } from '../terminal.ts';
import { DELETE } from './delete.ts';
import { deployCommand } from './deploy.ts';
import { INSPECT } from './inspect.ts';
import { LIST } from './list.ts';
import { LOGS } from './logs.ts';
import { RENDER } from './render.ts';
import { VALIDATE } from './validate.ts';

const COMMANDS: CommandSpec<any>[] = [
  deployCommand('create'),
  deployCommand('update'),
  deployCommand('apply'),
  LIST,
  INSPECT,
  DELETE,
  LOGS,
  VALIDATE,
  RENDER,
];

export function allCommands(term: Terminal): CommandModule<object, any>[] {
  return COMMANDS.map((spec) => defineCommand(spec, term));
}

/** The names a user may type (for "did you mean"), aliases included. */
export const COMMAND_NAMES = ['create', 'update', 'apply', 'list', 'ls', 'inspect', 'describe', 'delete', 'rm', 'logs', 'validate', 'render', 'completion'];
