import { SpecError, sortDiagnostics, type Diagnostic } from '../../spec/diagnostics.ts';
import { safeText } from '../../lib/text.ts';
import { defineCommand } from '../command.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, SPEC_FLAGS, type RenderFlags, type SpecFlags } from '../flags/spec.ts';
import { EXIT } from '../output/errors.ts';
import { diagnosticsJson, printDiagnostics } from '../output/diagnostics.ts';
import { writeLine } from '../output/iostreams.ts';
import { loadSources, readSources, renderAll } from '../specs.ts';

type Args = SpecFlags & RenderFlags & { output: 'text' | 'json' };

const DIALECTS: Record<string, string> = {
  'pachyderm-1.x': 'Pachyderm 1.x form',
  'pachyderm-2.x': 'Pachyderm 2.x form',
  'pachyderm-2.x-camel': 'Pachyderm 2.x form, camelCase',
};

export const VALIDATE = defineCommand<Args>({
  name: 'validate',
  summary: 'Check service specs, without a cluster',
  fast: true,
  flags: {
    ...SPEC_FLAGS,
    ...RENDER_FLAGS,
    output: { alias: 'o', choices: ['text', 'json'], default: 'text', describe: 'text, or json for tools', requiresArg: true },
  },
  examples: [
    ['$0 validate -f examples/jupyter.json', 'Check a spec; problems are file:line:col lines on stderr'],
    ['$0 validate -f services/ -R', 'Check a folder of specs'],
    ['$0 validate -f spec.yaml -o json | jq .diagnostics', 'The result as JSON, for tools'],
  ],
  async run(args, f) {
    const options = renderOptionsFromFlags(args, 'validate');
    const sources = await readSources(args, f.io, 'validate');
    let diagnostics: Diagnostic[] = [];
    let services: { file: string; service: string; dialect: string; inputs: number }[] = [];
    let valid = true;
    let loadWarnings: Diagnostic[] = [];
    try {
      const { services: loaded, warnings } = await loadSources(sources, args, f.io, { quiet: true, command: 'validate' });
      loadWarnings = warnings;
      // Rendering checks what only the finished objects can show (patches, sizes), in every spec.
      const rendered = await renderAll(loaded, async () => options);
      diagnostics = sortDiagnostics([...warnings, ...rendered.warnings]);
      services = loaded.map((s) => ({ file: s.file, service: s.service.name, dialect: s.dialect, inputs: s.service.inputs.length }));
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      diagnostics = sortDiagnostics([...loadWarnings, ...err.diagnostics]);
      valid = false;
    }
    if (args.output === 'json') {
      const files = sources.map((s) => s.file);
      const one = services.length === 1 ? { service: services[0]!.service, dialect: services[0]!.dialect, inputs: services[0]!.inputs } : {};
      const result = { ...(files.length === 1 ? { file: files[0] } : { files }), valid, ...one, services, diagnostics: diagnosticsJson(diagnostics) };
      writeLine(f.io.stdout, JSON.stringify(result, null, 2));
      return valid ? EXIT.ok : EXIT.failure;
    }
    printDiagnostics(f.io, diagnostics);
    for (const s of services) {
      const inputs = s.inputs === 1 ? '1 input' : `${s.inputs} inputs`;
      writeLine(f.io.stdout, `${safeText(s.file)}: valid: service "${s.service}" (${DIALECTS[s.dialect] ?? s.dialect}, ${inputs})`);
    }
    return valid ? EXIT.ok : EXIT.failure;
  },
});
