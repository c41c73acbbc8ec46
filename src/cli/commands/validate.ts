import type { CommandSpec } from '../command.ts';
import { SpecError, type Diagnostic } from '../../spec/diagnostics.ts';
import { ReportedError } from '../errors.ts';
import { VALIDATE_OPTIONS, type RenderArgs, type SpecArgs } from '../options.ts';
import { diagnosticsJson, printDiagnostics } from '../output/diagnostics.ts';
import { loadFromArgs, renderLoaded, renderOptionsFromArgs } from '../spec-input.ts';
import { writeLine, type Terminal } from '../terminal.ts';

export type ValidateArgs = SpecArgs & RenderArgs & { output: 'text' | 'json' };

const DIALECTS: Record<string, string> = {
  'pachyderm-1.x': 'Pachyderm 1.x form',
  'pachyderm-2.x': 'Pachyderm 2.x form',
  'pachyderm-2.x-camel': 'Pachyderm 2.x form, camelCase',
};

export const VALIDATE: CommandSpec<ValidateArgs> = {
  command: 'validate',
  describe: 'Check a service spec, without a cluster',
  options: VALIDATE_OPTIONS,
  examples: [
    ['$0 validate -f examples/jupyter.json', 'Check a spec; problems are file:line:col lines on stderr'],
    ['$0 validate -f spec.yaml -o json | jq .diagnostics', 'The result as JSON, for tools'],
  ],
  run: (args, term) => runValidate(args, term),
};

export async function runValidate(args: ValidateArgs, term: Terminal): Promise<void> {
  let diagnostics: Diagnostic[] = [];
  let summary: { service: string; dialect: string; inputs: number } | undefined;
  let file = args.filename === '-' ? '<stdin>' : args.filename;
  const options = renderOptionsFromArgs(args, 'validate');
  try {
    const loaded = await loadFromArgs(args, term, { quiet: args.output === 'json' });
    file = loaded.file;
    renderLoaded(loaded, options);
    diagnostics = loaded.warnings;
    summary = { service: loaded.service.name, dialect: loaded.dialect, inputs: loaded.service.inputs.length };
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    diagnostics = err.diagnostics;
    if (args.output === 'text') printDiagnostics(term, diagnostics);
  }
  if (args.output === 'json') {
    const result = { file, valid: summary !== undefined, ...(summary ?? {}), diagnostics: diagnosticsJson(diagnostics) };
    writeLine(term.stdout, JSON.stringify(result, null, 2));
  } else if (summary) {
    const inputs = summary.inputs === 1 ? '1 input' : `${summary.inputs} inputs`;
    writeLine(term.stdout, `${file}: valid: service "${summary.service}" (${DIALECTS[summary.dialect]}, ${inputs})`);
  }
  if (!summary) throw new ReportedError(1);
}
