// From a spec's text to the canonical ServiceSpec: read (JSON or YAML, with positions), normalize the
// spelling, check (unsupported fields, schema, rules, name), build. Every problem is reported at once.
import { buildService, detectDialect } from './build.ts';
import { SpecError, type Diagnostic, type Position } from './diagnostics.ts';
import { locate } from './locate.ts';
import type { Dialect, ServiceSpec } from './model.ts';
import { kubernetesName, nameFromFile, nameProblem } from './name.ts';
import { normalize, type Normalized } from './normalize.ts';
import { checkRules, stripUnsupported } from './rules.ts';
import { checkSchema } from './schema.ts';
import { readSource } from './source.ts';

export const STDIN_FILE = '<stdin>';

export interface LoadOptions {
  /** The name to show in messages: the path given to -f, or `<stdin>`. */
  file: string;
  /** --name: used when the spec names no service. */
  name?: string;
  /** --follow: inputs follow their branch unless the spec says otherwise. */
  follow?: boolean;
}

export interface LoadedSpec {
  service: ServiceSpec;
  dialect: Dialect;
  /** Warnings (nothing that stops the spec from being used), sorted by position. */
  warnings: Diagnostic[];
  /** Where a field of the normalized spec is in the file (for errors found later, e.g. by render). */
  positionOf(pointer: string): Position;
}

export async function loadSpec(text: string, options: LoadOptions): Promise<LoadedSpec> {
  const { file } = options;
  const doc = normalize(await readSource(text, file));
  const diagnostics = [...stripUnsupported(doc, file), ...checkSchema(doc, file), ...checkRules(doc, file)];
  const named = resolveName(doc, options);
  // A name in the spec that the schema refused already ("a b") is one problem, said once.
  const said = new Set(diagnostics.map((d) => `${d.position.line}:${d.position.column}`));
  diagnostics.push(...named.diagnostics.filter((d) => !named.fromSpec || !said.has(`${d.position.line}:${d.position.column}`)));
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new SpecError(diagnostics);

  const spec = doc.value as Record<string, any>;
  return {
    service: buildService(spec, named.name, options.follow === undefined ? {} : { follow: options.follow }),
    dialect: detectDialect(spec, doc.camelCase),
    warnings: diagnostics,
    positionOf: (pointer) => locate(doc, pointer),
  };
}

function resolveName(doc: Normalized, options: LoadOptions): { name: string; fromSpec: boolean; diagnostics: Diagnostic[] } {
  const spec = (doc.value ?? {}) as Record<string, any>;
  const diagnostics: Diagnostic[] = [];
  const at = (pointer: string) => locate(doc, pointer);
  const fromSpec = [
    { value: spec.pipeline?.name, pointer: '/pipeline/name' },
    { value: spec.name, pointer: '/name' },
  ].find((c) => typeof c.value === 'string');

  let name: string;
  let source: string;
  let position: Position;
  if (fromSpec) {
    name = fromSpec.value;
    source = `${doc.locations.get(fromSpec.pointer)?.display ?? 'name'} ${JSON.stringify(name)}`;
    position = at(fromSpec.pointer);
    if (options.name !== undefined && kubernetesName(options.name) !== kubernetesName(name)) {
      diagnostics.push({
        severity: 'warning',
        file: options.file,
        position,
        message: `--name ${JSON.stringify(options.name)} is ignored: the spec names the service ${JSON.stringify(name)}`,
      });
    }
  } else if (options.name !== undefined) {
    name = options.name;
    source = `--name ${JSON.stringify(name)}`;
    position = { line: 1, column: 1 };
  } else if (options.file !== STDIN_FILE) {
    name = nameFromFile(options.file);
    source = `the file name gives the service name ${JSON.stringify(name)}, but`;
    position = { line: 1, column: 1 };
  } else {
    diagnostics.push({
      severity: 'error',
      file: options.file,
      position: { line: 1, column: 1 },
      message: 'the spec names no service (no pipeline.name) and stdin has no file name to take one from: pass --name',
    });
    return { name: '', fromSpec: false, diagnostics };
  }

  const k8s = kubernetesName(name);
  const problem = nameProblem(k8s);
  if (problem) {
    const verb = source.endsWith('but') ? '' : ' cannot name a service:';
    diagnostics.push({ severity: 'error', file: options.file, position, message: `${source}${verb} ${problem}` });
  }
  return { name: k8s, fromSpec: fromSpec !== undefined, diagnostics };
}
