// Every command, as yargs command modules. Their code loads with the fast path (run.ts); main.ts adds
// only yargs around them, so `render`, `validate` and `list` start without loading yargs at all.
import type { CommandModule } from 'yargs';
import type { Terminal } from '../terminal.ts';
import { deleteCommand } from './delete.ts';
import { deployCommand } from './deploy.ts';
import { inspectCommand } from './inspect.ts';
import { listCommand } from './list.ts';
import { logsCommand } from './logs.ts';
import { renderCommand } from './render.ts';
import { validateCommand } from './validate.ts';

export function allCommands(term: Terminal): CommandModule<object, any>[] {
  return [
    deployCommand('create', term),
    deployCommand('update', term),
    deployCommand('apply', term),
    listCommand(term),
    inspectCommand(term),
    deleteCommand(term),
    logsCommand(term),
    validateCommand(term),
    renderCommand(term),
  ];
}

/** The names a user may type (for "did you mean"), aliases included. */
export const COMMAND_NAMES = ['create', 'update', 'apply', 'list', 'ls', 'inspect', 'describe', 'delete', 'rm', 'logs', 'validate', 'render', 'completion'];
