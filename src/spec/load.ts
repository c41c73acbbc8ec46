// From a spec file's text to canonical ServiceSpecs: read (JSON or YAML, one spec or several, with
// positions), normalize the spelling, read it as leniently as Pachyderm does, check (unsupported fields,
// schema, rules, names), build. Every problem of every spec is reported at once, each at its place.
import { own } from '../lib/objects.ts';
import { quote } from '../lib/text.ts';
import { buildService, detectDialect } from './build.ts';
import { SpecError, sortDiagnostics, type Diagnostic, type Position } from './diagnostics.ts';
import { applyLeniency, isServiceSpec, specName } from './lenient.ts';
import { ANNOTATIONS_SIZE_LIMIT, LIMITS } from './limits.ts';
import { locate } from './locate.ts';
import type { Dialect, ServiceSpec } from './model.ts';
import { kubernetesName, nameFromFile, nameProblem } from './name.ts';
import { normalize, type Normalized } from './normalize.ts';
import { Reporter } from './reporter.ts';
import { checkRules, stripUnsupported } from './rules.ts';
import { checkSchema, describeValue } from './schema.ts';
import { serializeSpec } from './serialize.ts';
import { readDocuments, type SourceNode } from './source.ts';

export const STDIN_FILE = '<stdin>';

export interface LoadOptions {
  /** The name to show in messages: the path given to -f, or `<stdin>`. */
  file: string;
  /** --name: used when the file holds one spec, and it names no service. */
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
  /** The spec's index in the file (0-based; the specs of a list count one by one). */
  document: number;
  /** Where the spec starts in the file. */
  at: Position;
}

export interface LoadedFile {
  /** The services, in file order. */
  specs: LoadedSpec[];
  /**
   * One warning per spec that is a batch pipeline (or a spout) without a service section: pachsvc leaves
   * those to pachctl. (A file with no service at all is an error instead: SpecError.)
   */
  pipelines: Diagnostic[];
}

/** Every service of a file. Throws SpecError, with every problem of every spec, if any spec is broken. */
export async function loadSpecs(text: string, options: LoadOptions): Promise<LoadedFile> {
  return loadNodes(specNodes(await readDocuments(text, options.file), options.file), options);
}

/** The one service of a file that must hold exactly one spec (the single-spec commands). */
export async function loadSpec(text: string, options: LoadOptions): Promise<LoadedSpec> {
  const nodes = specNodes(await readDocuments(text, options.file), options.file);
  if (nodes.length > 1) {
    throw new SpecError([{ severity: 'error', file: options.file, position: nodes[1]!.at, message: 'this file holds more than one spec; pachsvc takes one service per file' }]);
  }
  return (await loadNodes(nodes, options)).specs[0]!;
}

/** The specs of a file: each document's top-level value, a list of specs counting as its items. */
function specNodes(docs: { node: SourceNode }[], file: string): SourceNode[] {
  const nodes: SourceNode[] = [];
  let emptyList: SourceNode | undefined;
  for (const { node } of docs) {
    if (node.kind === 'array') {
      if (node.items.length === 0) emptyList ??= node;
      nodes.push(...node.items);
    } else {
      nodes.push(node);
    }
  }
  if (nodes.length === 0) {
    throw new SpecError([{ severity: 'error', file, position: emptyList?.at ?? { line: 1, column: 1 }, message: emptyList ? 'the list of specs is empty' : 'the spec is empty' }]);
  }
  return nodes;
}

interface Checked {
  doc: Normalized;
  index: number;
  at: Position;
  spout: boolean;
  diagnostics: Diagnostic[];
}

function loadNodes(nodes: SourceNode[], options: LoadOptions): LoadedFile {
  const { file } = options;
  const problems: Diagnostic[] = [];
  const pipelines: Diagnostic[] = [];
  const checked: Checked[] = [];

  nodes.forEach((node, index) => {
    if (node.kind !== 'object') {
      const value = node.kind === 'array' ? [] : node.value;
      problems.push({ severity: 'error', file, position: node.at, message: `the spec must be an object, not ${describeValue(value)}` });
      return;
    }
    const doc = normalize(node);
    if (!isServiceSpec(doc.value)) {
      pipelines.push({ severity: 'warning', file, position: node.at, message: pipelineMessage(doc.value) });
      return;
    }
    const r = new Reporter(doc, file);
    const spout = applyLeniency(doc, r);
    stripUnsupported(doc, file, r);
    const schema = checkSchema(doc, file);
    checkRules(doc, file, r);
    checked.push({ doc, index, at: node.at, spout, diagnostics: [...r.diagnostics, ...schema] });
  });

  if (checked.length === 0 && problems.length === 0) {
    // Nothing here is a service: what would be a warning beside services is the error.
    throw new SpecError(capped(pipelines.map((d) => ({ ...d, severity: 'error' as const }))));
  }

  // --name and the file name can name a file's only spec; in a file of several, each names itself.
  const single = nodes.length === 1;
  const names = new Map<string, Checked>();
  const resolved = checked.map((c) => {
    const named = resolveName(c.doc, options, single, nodes.length);
    // A name in the spec that the schema refused already ("a b") is one problem, said once.
    const said = new Set(c.diagnostics.map((d) => `${d.position.line}:${d.position.column}`));
    c.diagnostics.push(...named.diagnostics.filter((d) => !named.fromSpec || !said.has(`${d.position.line}:${d.position.column}`)));
    const other = names.get(named.name);
    if (other && named.name !== '') {
      c.diagnostics.push({
        severity: 'error',
        file,
        position: locate(c.doc, named.pointer),
        message: `the service name ${quote(named.name)} is taken by the spec at line ${other.at.line} (spec ${other.index + 1} of the file): each service needs its own name`,
      });
    } else {
      names.set(named.name, c);
    }
    return named;
  });
  if (!single && options.name !== undefined && checked[0]) {
    checked[0].diagnostics.push({
      severity: 'warning',
      file,
      position: { line: 1, column: 1 },
      message: `--name ${quote(options.name)} is ignored: the file holds ${nodes.length} specs, and --name names a file's only spec`,
    });
  }

  const all = [...problems, ...checked.flatMap((c) => c.diagnostics)];
  if (all.some((d) => d.severity === 'error')) throw new SpecError(capped([...all, ...pipelines]));

  const specs: LoadedSpec[] = [];
  const tooLarge: Diagnostic[] = [];
  checked.forEach((c, i) => {
    const spec = c.doc.value as Record<string, any>;
    const buildOptions = { ...(options.follow === undefined ? {} : { follow: options.follow }), ...(c.spout ? { spout: true } : {}) };
    const service = buildService(spec, resolved[i]!.name, buildOptions);
    const size = recordedSize(service);
    if (size > ANNOTATIONS_SIZE_LIMIT) {
      tooLarge.push({
        severity: 'error',
        file,
        position: c.at,
        message: `this spec is too large to create: its annotations would take ${size} bytes, and Kubernetes keeps at most ${ANNOTATIONS_SIZE_LIMIT} per object (pachsvc records the spec in one, pachsvc.io/spec)`,
      });
    }
    specs.push({
      service,
      dialect: detectDialect(spec, c.doc.camelCase),
      warnings: sortDiagnostics(c.diagnostics),
      positionOf: (pointer) => locate(c.doc, pointer),
      document: c.index,
      at: c.at,
    });
  });
  if (tooLarge.length > 0) throw new SpecError(capped([...all, ...pipelines, ...tooLarge]));
  return { specs, pipelines: sortDiagnostics(pipelines) };
}

function pipelineMessage(spec: unknown): string {
  const name = specName(spec);
  const what = name !== undefined ? `pipeline ${quote(name)}` : 'this spec';
  if (own(spec, 'spout') !== undefined) return `${what} is a spout without a service section: pachsvc runs services; create spouts with pachctl`;
  return `${what} has no service section: pachsvc runs services; create batch pipelines with pachctl`;
}

/**
 * The bytes of the Deployment's annotations the spec becomes: the user's, and the spec itself (with room
 * for pachsvc's version and the pinned commits).
 */
function recordedSize(service: ServiceSpec): number {
  let size = Buffer.byteLength(JSON.stringify(serializeSpec(service))) + 64;
  for (const [key, value] of Object.entries(service.annotations)) size += Buffer.byteLength(key) + Buffer.byteLength(value);
  for (const input of service.inputs) size += Buffer.byteLength(input.name) + 40;
  return size;
}

/** At most LIMITS.diagnostics problems (the first ones in the file), and a count of the rest. */
function capped(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.length <= LIMITS.diagnostics) return sorted;
  const shown = sorted.slice(0, LIMITS.diagnostics);
  const rest = sorted.slice(LIMITS.diagnostics);
  const errors = rest.filter((d) => d.severity === 'error').length;
  shown.push({
    severity: errors > 0 ? 'error' : 'warning',
    file: rest[0]!.file,
    position: rest[0]!.position,
    message: `… and ${rest.length} more problems (${errors} errors) from here on, not shown`,
  });
  return shown;
}

interface ResolvedName {
  name: string;
  fromSpec: boolean;
  /** Where the name is in the spec (or the spec's start). */
  pointer: string;
  diagnostics: Diagnostic[];
}

function resolveName(doc: Normalized, options: LoadOptions, single: boolean, count: number): ResolvedName {
  const spec = doc.value;
  const diagnostics: Diagnostic[] = [];
  const at = (pointer: string) => locate(doc, pointer);
  const candidates = [
    { value: own(own(spec, 'pipeline'), 'name'), pointer: '/pipeline/name' },
    { value: own(spec, 'name'), pointer: '/name' },
  ];
  const fromSpec = candidates.find((c): c is { value: string; pointer: string } => typeof c.value === 'string');

  let name: string;
  let source: string;
  let position: Position;
  if (fromSpec) {
    name = fromSpec.value;
    source = `${new Reporter(doc, options.file).display(fromSpec.pointer)} ${quote(name)}`;
    position = at(fromSpec.pointer);
    if (single && options.name !== undefined && kubernetesName(options.name) !== kubernetesName(name)) {
      diagnostics.push({
        severity: 'warning',
        file: options.file,
        position,
        message: `--name ${quote(options.name)} is ignored: the spec names the service ${quote(name)}`,
      });
    }
  } else if (!single) {
    diagnostics.push({
      severity: 'error',
      file: options.file,
      position: doc.root.at,
      message: `this spec names no service (no pipeline.name): in a file of ${count} specs, each must name itself (--name and the file name name a file's only spec)`,
    });
    return { name: '', fromSpec: false, pointer: '', diagnostics };
  } else if (options.name !== undefined) {
    name = options.name;
    source = `--name ${quote(name)}`;
    position = { line: 1, column: 1 };
  } else if (options.file !== STDIN_FILE) {
    name = nameFromFile(options.file);
    source = `the file name gives the service name ${quote(name)}, but`;
    position = { line: 1, column: 1 };
  } else {
    diagnostics.push({
      severity: 'error',
      file: options.file,
      position: { line: 1, column: 1 },
      message: 'the spec names no service (no pipeline.name) and stdin has no file name to take one from: pass --name',
    });
    return { name: '', fromSpec: false, pointer: '', diagnostics };
  }

  const k8s = kubernetesName(name);
  const problem = nameProblem(k8s);
  if (problem) {
    const verb = source.endsWith('but') ? '' : ' cannot name a service:';
    diagnostics.push({ severity: 'error', file: options.file, position, message: `${source}${verb} ${problem}` });
  }
  return { name: k8s, fromSpec: fromSpec !== undefined, pointer: fromSpec?.pointer ?? '', diagnostics };
}
