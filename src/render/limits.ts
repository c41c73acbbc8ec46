// Limits the API server enforces on what render writes, checked here so that a spec that would break
// one fails at its place in the spec instead of as "Error from server (Invalid)" after a round trip.
import { joinPointer } from '../lib/json-pointer.ts';
import { isObj } from '../lib/objects.ts';
import { RenderError } from './errors.ts';

/** Kubernetes' limit on the total size of an object's annotations (keys and values, in bytes). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function annotationsBytes(annotations: Record<string, string> | undefined): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) total += Buffer.byteLength(k) + Buffer.byteLength(v);
  return total;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * Throws a RenderError when the annotations of `where` (e.g. `the Deployment`) exceed Kubernetes' limit,
 * blaming the largest part of the spec recorded in them (metadata.annotations, when those are it), or
 * metadata.annotations on an object that records no spec.
 */
export function checkAnnotations(
  where: string,
  annotations: Record<string, string> | undefined,
  user: Record<string, string>,
  recorded?: { key: string; spec: Record<string, unknown> },
): void {
  const total = annotationsBytes(annotations);
  if (total <= MAX_ANNOTATIONS_BYTES) return;
  const over = `the annotations of ${where} would take ${kib(total)}, and Kubernetes allows ${kib(MAX_ANNOTATIONS_BYTES)} in all`;
  if (!recorded) throw new RenderError('/metadata/annotations', `${over}: metadata.annotations take ${kib(annotationsBytes(user))}`);
  const part = largestPart(recorded.spec);
  const specBytes = Buffer.byteLength(annotations?.[recorded.key] ?? '');
  throw new RenderError(
    part.pointer,
    `${over}: ${recorded.key} records the whole spec (${kib(specBytes)}), and its largest part is ${part.label} (${kib(part.bytes)}); keep large data out of the spec (in the image, a Secret or ConfigMap, or a Pachyderm repo)`,
  );
}

/** The largest field of a serialized spec, two levels deep: `/transform/stdin`. */
function largestPart(spec: Record<string, unknown>): { pointer: string; label: string; bytes: number } {
  let best = { pointer: '', label: 'the spec', bytes: 0 };
  const consider = (path: string[], value: unknown) => {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (bytes > best.bytes) best = { pointer: joinPointer(path), label: path.join('.'), bytes };
  };
  for (const [key, value] of Object.entries(spec)) {
    if (isObj(value)) for (const [sub, inner] of Object.entries(value)) consider([key, sub], inner);
    else consider([key], value);
  }
  return best;
}
