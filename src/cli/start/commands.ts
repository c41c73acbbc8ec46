// Which command a name means. From source this reads the registry (every command, loaded at once); the
// build (scripts/build.mjs) replaces this module with one that loads only the named command's module,
// derived from the same registry, so that `list` never loads what `create` needs (the spec reader,
// validator and renderer) and each command starts with its own code only.
import type { Command } from '../command.ts';

export async function loadCommand(name: string): Promise<Command | undefined> {
  const { findCommand } = await import('../registry.ts');
  return findCommand(name);
}
