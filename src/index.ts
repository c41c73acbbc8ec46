// pachsvc as a library (`import { loadSpec, renderService } from 'pachsvc'`): read Pachyderm service
// specs and render their Kubernetes objects with the very functions the CLI runs (re-exported here, not
// copied). Built as its own bundle (scripts/build-lib.mjs) that never loads the Kubernetes client, yargs
// or chalk: reading and rendering a spec needs no cluster and no terminal.
import { loadSpecs, type LoadedFile, type LoadOptions } from './spec/load.ts';
import { SpecError, sortDiagnostics, type Diagnostic } from './spec/diagnostics.ts';
import type { Dialect } from './spec/model.ts';
import { RenderError, renderWithNotes } from './render/index.ts';
import { DEFAULT_PACHCTL_VERSION, DEFAULT_PACHYDERM_NAMESPACE, defaultPachdAddress, type RenderOptions } from './render/types.ts';
import { VERSION } from './cli/version.ts';

export { loadSpec, loadSpecs, STDIN_FILE, type LoadOptions, type LoadedSpec, type LoadedFile } from './spec/load.ts';
export { SpecError, formatDiagnostic, type Diagnostic, type Position, type Severity } from './spec/diagnostics.ts';
export type { ServiceSpec, Input, Dialect, ServiceType, OnNewData, SecretRef, Resources, Toleration, JsonPatchOperation } from './spec/model.ts';
export type { CommitRef, Ancestry } from './spec/ref.ts';
export { renderService, renderWithNotes, RenderError, PatchError, type RenderedService, type RenderWarning, type PatchField } from './render/index.ts';
export { DEFAULT_PACHCTL_VERSION, DEFAULT_PACHYDERM_NAMESPACE, defaultPachdAddress, type RenderOptions, type KubeObject, type ObjectMeta } from './render/types.ts';
/** pachsvc's version (recorded on rendered objects by defaultRenderOptions). */
export { VERSION };

/**
 * Render options as the CLI's defaults give them (`pachyderm/pachctl:<DEFAULT_PACHCTL_VERSION>`, pachd
 * in namespace `default`), with `overrides` on top.
 */
export function defaultRenderOptions(overrides: Partial<RenderOptions> = {}): RenderOptions {
  return {
    pachctlImage: `pachyderm/pachctl:${DEFAULT_PACHCTL_VERSION}`,
    pachdAddress: defaultPachdAddress(DEFAULT_PACHYDERM_NAMESPACE),
    version: VERSION,
    ...overrides,
  };
}

export interface ValidateOptions extends LoadOptions {
  /** The options the specs are rendered with to check what only the finished objects show. */
  render?: Partial<RenderOptions>;
}

export interface ValidationResult {
  /** No errors (warnings may remain). */
  valid: boolean;
  /** The services of a valid text, in file order. */
  services: { name: string; dialect: Dialect; inputs: number }[];
  /** Every error and warning, sorted by position in the text. */
  diagnostics: Diagnostic[];
}

/**
 * Checks a spec file's text as `pachsvc validate` does (reading, the rules, and rendering) and returns
 * every problem found; never throws for a problem of the spec.
 */
export async function validateSpec(text: string, options: ValidateOptions): Promise<ValidationResult> {
  const { render, ...load } = options;
  let file: LoadedFile;
  try {
    file = await loadSpecs(text, load);
  } catch (err) {
    if (err instanceof SpecError) return { valid: false, services: [], diagnostics: err.diagnostics };
    throw err;
  }
  const renderOptions = defaultRenderOptions(render);
  const diagnostics: Diagnostic[] = [...file.pipelines];
  for (const spec of file.specs) {
    diagnostics.push(...spec.warnings);
    try {
      for (const w of renderWithNotes(spec.service, renderOptions).warnings) {
        diagnostics.push({ severity: 'warning', file: load.file, position: spec.positionOf(w.pointer), message: w.message });
      }
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      diagnostics.push({ severity: 'error', file: load.file, position: spec.positionOf(err.pointer), message: err.message });
    }
  }
  const valid = !diagnostics.some((d) => d.severity === 'error');
  const services = valid ? file.specs.map((s) => ({ name: s.service.name, dialect: s.dialect, inputs: s.service.inputs.length })) : [];
  return { valid, services, diagnostics: sortDiagnostics(diagnostics) };
}
