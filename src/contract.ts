// The contract between what render writes into the cluster and what the cluster layer reads back:
// labels, annotations and their encodings, container names, the port name, and the line the checkout
// and follow scripts log when they start serving a commit. Both sides import it from here, so neither
// spells a name the other cannot find.
import { findInputs } from './spec/inputs.ts';
import { isObj } from './lib/objects.ts';

// --- labels -----------------------------------------------------------------------------------------

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const MANAGER = 'pachsvc';

/** The labels that select a service's pods; user labels can never replace them. */
export function selectorLabels(name: string): Record<string, string> {
  return { [NAME_LABEL]: name, [MANAGED_BY]: MANAGER };
}

/** The label selector (`-l`) that finds every object pachsvc manages, or those of one service. */
export function managedSelector(name?: string): string {
  return name === undefined ? `${MANAGED_BY}=${MANAGER}` : `${MANAGED_BY}=${MANAGER},${NAME_LABEL}=${name}`;
}

export function isManaged(obj: { metadata: { labels?: Record<string, string> } } | undefined): boolean {
  return obj?.metadata.labels?.[MANAGED_BY] === MANAGER;
}

/** The service an object belongs to: its name label, else its own name. */
export function serviceNameOf(obj: { metadata: { name: string; labels?: Record<string, string> } }): string {
  return obj.metadata.labels?.[NAME_LABEL] ?? obj.metadata.name;
}

// --- annotations -------------------------------------------------------------------------------------

export const ANNOTATIONS = {
  /** The canonical spec (Pachyderm 2.x form, JSON) the service was created from. */
  spec: 'pachsvc.io/spec',
  /** The commit each input was pinned to: JSON {input: id}. */
  pins: 'pachsvc.io/pinned-commits',
  /** The pachsvc version that rendered the objects. */
  version: 'pachsvc.io/version',
  /**
   * The revision both objects were written at (1, 2, …): every create/update/apply/rollback/edit that
   * changes the service writes the next one on both, so a Deployment and a Service of two different
   * writes are told apart.
   */
  revision: 'pachsvc.io/revision',
} as const;

/** The revision an object was written at; 0 when it carries none (written by an older pachsvc). */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } } | undefined): number {
  const text = obj?.metadata.annotations?.[ANNOTATIONS.revision];
  const n = text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : 0;
  return n;
}

/** Label of the ConfigMaps that keep a service's revisions (history, rollback): the service's name. */
export const REVISION_OF_LABEL = 'pachsvc.io/revision-of';

/** The name of the ConfigMap that keeps revision n of a service. */
export function revisionRecordName(service: string, n: number): string {
  return `${service}.pachsvc.r${n}`;
}

/** The spec annotation's value for a serialized (canonical) spec. */
export function encodeSpec(serialized: Record<string, unknown>): string {
  return JSON.stringify(serialized);
}

/** The spec recorded on an object, or undefined when it has none or it is not JSON. */
export function decodeSpec(annotations: Record<string, string> | undefined): Record<string, unknown> | undefined {
  const parsed = parseJson(annotations?.[ANNOTATIONS.spec]);
  return isObj(parsed) ? parsed : undefined;
}

export function encodePins(pins: Record<string, string>): string {
  return JSON.stringify(pins);
}

/** The pinned commits recorded on an object, by input (string values only). */
export function decodePins(annotations: Record<string, string> | undefined): Record<string, string> {
  const parsed = parseJson(annotations?.[ANNOTATIONS.pins]);
  const out: Record<string, string> = Object.create(null);
  if (isObj(parsed)) for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  return out;
}

export interface RecordedInput {
  name: string;
  repo: string;
  /** The reference as written (normalized): master, master.1, master^2, … */
  ref: string;
  /** The commit id pinned at deploy time, if any. */
  commit?: string;
  follow: boolean;
}

/** The inputs recorded on a Deployment: refs from its spec annotation, pinned ids from its pins. */
export function recordedInputs(annotations: Record<string, string> | undefined): RecordedInput[] {
  const spec = decodeSpec(annotations);
  const pins = decodePins(annotations);
  return findInputs(spec).map((site) => ({
    name: site.name,
    repo: site.repo,
    ref: site.refText,
    follow: site.follow === true,
    ...(pins[site.name] ? { commit: pins[site.name] } : {}),
  }));
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// --- the pod -----------------------------------------------------------------------------------------

export const SERVICE_CONTAINER = 'service';
export const CHECKOUT_PREFIX = 'checkout-';
export const FOLLOW_PREFIX = 'follow-';
export const PORT_NAME = 'user-port';
export const PFS_VOLUME = 'pfs';
export const PFS_PATH = '/pfs';

export type ContainerRole = 'service' | 'checkout' | 'follow';

/** What a container of a service's pod does, from its name. */
export function containerRole(name: string): ContainerRole | undefined {
  if (name === SERVICE_CONTAINER) return 'service';
  if (name.startsWith(CHECKOUT_PREFIX)) return 'checkout';
  if (name.startsWith(FOLLOW_PREFIX)) return 'follow';
  return undefined;
}

// --- the serving line ----------------------------------------------------------------------------------
// checkout.sh and follow.sh (through lib.sh's log and serve) print, each time an input starts being served:
//   <UTC time> <input>: serving <repo>@<32-hex commit id> at <pfs>/<input>

export interface ServingLine {
  since: string;
  input: string;
  repo: string;
  commit: string;
}

const SERVING = /^(\S+) (\S+): serving (\S+)@([0-9a-fA-F]{32}) at \S/;

export function parseServingLine(line: string): ServingLine | undefined {
  const m = SERVING.exec(line);
  if (!m) return undefined;
  const [, since, input, repo, commit] = m as unknown as [string, string, string, string, string];
  return { since, input, repo, commit: commit.toLowerCase() };
}

// --- how the pod reaches pachd ---------------------------------------------------------------------------
// The checkout and follow containers run the pachctl image with PACHD_ADDRESS and, when a Secret holds a
// token, PACHSVC_TOKEN from it; a spout-service's own container gets PACHD_ADDRESS and PACH_TOKEN.

export interface PachdAccess {
  pachctlImage?: string;
  pachdAddress?: string;
  authSecret?: { name: string; key: string };
}

interface ContainerLike {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string } } }[];
}

/** The pachctl image, pachd address and token Secret a rendered Deployment was given. */
export function pachdAccessOf(deployment: { spec?: any } | undefined): PachdAccess {
  const pod = deployment?.spec?.template?.spec as { initContainers?: ContainerLike[]; containers?: ContainerLike[] } | undefined;
  const all = [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
  const checkout = all.find((c) => containerRole(c.name) === 'checkout' || containerRole(c.name) === 'follow');
  const source = checkout ?? all.find((c) => c.name === SERVICE_CONTAINER);
  const env = (name: string) => source?.env?.find((e) => e.name === name);
  const out: PachdAccess = {};
  if (checkout?.image) out.pachctlImage = checkout.image;
  const address = env('PACHD_ADDRESS')?.value;
  if (address) out.pachdAddress = address;
  const ref = (env(checkout ? 'PACHSVC_TOKEN' : 'PACH_TOKEN') ?? undefined)?.valueFrom?.secretKeyRef;
  if (ref?.name && ref.key) out.authSecret = { name: ref.name, key: ref.key };
  return out;
}
