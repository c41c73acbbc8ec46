// A service's spec as the cluster records it (the pachsvc.io/spec annotation of its Deployment, or of a
// revision's), loaded and rendered again with the pachd access and pinned commits recorded beside it.
// rollback and edit write through here: what they write is always a spec pachsvc checked and rendered,
// never objects read back from the cluster, which others may have edited.
import { decodePins, decodeSpec, pachdAccessOf, type PachdAccess } from '../contract.ts';
import type { KubeObject, RenderOptions } from '../render/index.ts';
import { SpecError } from '../spec/diagnostics.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, type RenderFlags } from './flags/spec.ts';
import type { IOStreams } from './output/iostreams.ts';
import { loadSources, renderLoaded, type Loaded } from './specs.ts';

/** The render options a rendered Deployment was given (its checkout image, pachd address, token Secret). */
export function recordedRenderOptions(deployment: KubeObject | undefined, command: string): RenderOptions {
  const access: PachdAccess = pachdAccessOf(deployment);
  return renderOptionsFromFlags(
    {
      'pachctl-version': RENDER_FLAGS['pachctl-version'].default,
      'pachyderm-namespace': RENDER_FLAGS['pachyderm-namespace'].default,
      ...(access.pachctlImage ? { 'pachctl-image': access.pachctlImage } : {}),
      ...(access.pachdAddress ? { 'pachd-address': access.pachdAddress } : {}),
      ...(access.authSecret ? { 'pachyderm-auth-secret': `${access.authSecret.name}:${access.authSecret.key}` } : {}),
    } satisfies RenderFlags,
    command,
  );
}

/** Loads spec text as one service named `name` (or says why it cannot be). */
export async function loadOne(text: string, file: string, name: string, io: IOStreams, command: string): Promise<Loaded> {
  const { services } = await loadSources([{ file, text }], { filename: '-' }, io, { quiet: true, command });
  const [loaded] = services;
  if (!loaded || services.length !== 1) {
    throw new SpecError([{ severity: 'error', file, position: { line: 1, column: 1 }, message: `${file} must hold exactly one service spec` }]);
  }
  if (loaded.service.name !== name) {
    throw new SpecError([{ severity: 'error', file, position: loaded.positionOf('/pipeline/name'), message: `the name cannot change (it is "${name}"); to make another service, create it from a spec file` }]);
  }
  return loaded;
}

/**
 * The objects a recorded Deployment stands for: its spec, loaded and checked again, rendered with its
 * pachd access and pinned commits, in `namespace`.
 */
export async function renderRecorded(deployment: KubeObject, name: string, namespace: string, io: IOStreams, command: string, file: string): Promise<KubeObject[]> {
  const spec = decodeSpec(deployment.metadata.annotations);
  if (!spec) {
    throw new SpecError([{ severity: 'error', file, position: { line: 1, column: 1 }, message: `${file} records no spec (no pachsvc.io/spec annotation)` }]);
  }
  const loaded = await loadOne(JSON.stringify(spec), file, name, io, command);
  return renderLoaded(loaded, { ...recordedRenderOptions(deployment, command), namespace, pins: decodePins(deployment.metadata.annotations) }).objects;
}
