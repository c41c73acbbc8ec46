// Writing a service's two objects (its Service and Deployment) so that the cluster always ends with one
// spec, whole, whatever else is writing at the same time:
//   - every write is conditioned on the resourceVersion read at the start of the attempt (a server-side
//     apply carrying metadata.resourceVersion is refused with 409 Conflict if the object changed since);
//   - on a conflict the attempt starts again from a fresh read, so of two concurrent writers the last to
//     succeed has written both objects, and the other's objects are wholly replaced;
//   - the two objects carry the revision they were written at (contract ANNOTATIONS.revision).
// Creating is exclusive (POST), and a create that fails half way removes what it created.
// What does not depend on another answer is asked at once.
import { ANNOTATIONS, revisionOf, revisionRecordName } from '../contract.ts';
import { ClusterError } from './errors.ts';
import type { Kube } from './kube.ts';
import { alreadyExists, currentRevision, decideDelete, decideWrite, liveObjects, notFound, notManagedError, type Live, type WriteVerb } from './rules.ts';
import { jsonPatch } from '../render/patch.ts';
import { FIELD_MANAGER, KINDS, kindOf, type KubeObject } from './types.ts';
import { isManaged } from '../contract.ts';
import { DEFAULT_HISTORY_MAX, deleteRevisions, listRevisions, pruneRevisions, recordRevision, type Revision } from './history.ts';
import { foreignFields, removalOps, type ForeignField } from './drift.ts';

export type Outcome = 'created' | 'configured' | 'unchanged';

export interface WriteRequest {
  verb: WriteVerb;
  namespace: string;
  name: string;
  /** The rendered objects (a Deployment and a Service), without a revision. */
  objects: KubeObject[];
  /** Server dry run: the API server checks everything and stores nothing. */
  dryRun: boolean;
  /** The spec file, for the hint when an update finds nothing to update. */
  hint?: string;
  /** How many revisions to keep (history); 0 keeps none. */
  historyMax?: number;
  /** Also remove the fields other managers added to the objects (kubectl set env, labels, …). */
  takeOwnership?: boolean;
  /**
   * Write only over this revision (edit: the one the user started editing): if the service is at another
   * one when the write is made, it fails with Conflict instead of overwriting what someone else wrote.
   */
  expectRevision?: number;
}

export interface WriteResult {
  outcome: Outcome;
  /** The objects as the API server answered (or would store them, in a dry run). */
  objects: KubeObject[];
  /** The revision the service is at afterwards. */
  revision: number;
  /** The objects before the write (empty when it created them). */
  before: Live;
  /** What went wrong after the write itself succeeded (the revision could not be recorded). */
  warnings: string[];
  /** Fields set by other managers: removed (with takeOwnership) or left as they are. */
  foreign: { object: string; fields: ForeignField[]; removed: boolean }[];
}

const MAX_ATTEMPTS = 10;

/** The service `name`'s objects as they are now. */
export async function readLive(c: Kube, namespace: string, name: string): Promise<Live> {
  const [deployment, service] = await Promise.all([c.get(KINDS.Deployment, namespace, name), c.get(KINDS.Service, namespace, name)]);
  return { ...(deployment ? { deployment } : {}), ...(service ? { service } : {}) };
}

export async function writeService(c: Kube, req: WriteRequest): Promise<WriteResult> {
  // Fields of others an attempt removed (--take-ownership) stay removed when a later attempt redoes the
  // write (another writer came in between): the next attempt no longer sees them, so they are said from here.
  const removedEarlier: Written['removed'] = [];
  for (let attempt = 1; ; attempt++) {
    const live = await readLive(c, req.namespace, req.name);
    const action = decideWrite(req.verb, live, req.name, req.namespace, req.hint);
    if (req.expectRevision !== undefined && currentRevision(live) !== req.expectRevision) {
      throw new ClusterError(
        'Conflict',
        `service "${req.name}" was changed by someone else meanwhile (revision ${req.expectRevision} is now ${currentRevision(live)}): nothing was written`,
        409,
      );
    }
    try {
      const result = action === 'create' ? await createService(c, req, live) : await updateService(c, req, live, removedEarlier);
      result.removed = mergeRemoved(removedEarlier, result.removed);
      const wrote = result.outcome !== 'unchanged';
      // What others set: removed (--take-ownership), or what is still there after the write (a Service port
      // someone changed is repaired by the write, not left).
      const foreign = result.removed.length > 0 ? result.removed.map((x) => ({ ...x, removed: true })) : foreignOf(result.objects).map((x) => ({ ...x, removed: false }));
      // A created service's hand-over to the apply manager and its revision record are independent: at once.
      const [, warnings] = await Promise.all([action === 'create' ? adoptAll(c, req, result) : undefined, req.dryRun || !wrote ? [] : record(c, req, result)]);
      return { outcome: result.outcome, objects: result.objects, revision: result.revision, before: action === 'create' ? {} : live, warnings, foreign };
    } catch (err) {
      if (!(err instanceof Retry) || attempt >= MAX_ATTEMPTS) {
        if (err instanceof Retry) {
          throw new ClusterError('Conflict', `service "${req.name}" kept being changed by another writer (${attempt} tries): nothing half-written was left; try again`, 409);
        }
        throw err;
      }
      await backoff(attempt);
    }
  }
}

/** Every field removed, by object, each once. */
function mergeRemoved(earlier: Written['removed'], now: Written['removed']): Written['removed'] {
  const out = new Map<string, ForeignField[]>();
  for (const { object, fields } of [...earlier, ...now]) {
    const kept = out.get(object) ?? [];
    for (const f of fields) if (!kept.some((k) => k.pointer === f.pointer)) kept.push(f);
    out.set(object, kept);
  }
  return [...out].map(([object, fields]) => ({ object, fields }));
}

/** What one attempt wrote (or, in a dry run, would write). */
interface Written {
  outcome: Outcome;
  objects: KubeObject[];
  revision: number;
  /** Fields of others it removed (--take-ownership), by object. */
  removed: { object: string; fields: ForeignField[] }[];
}

function foreignOf(objects: KubeObject[]): { object: string; fields: ForeignField[] }[] {
  return objects.map((o) => ({ object: objectName(o), fields: foreignFields(o) })).filter((x) => x.fields.length > 0);
}

/**
 * What --take-ownership removes from an object: the fields others added, but for Service ports someone
 * changed, which the write replaces whole (portsNeedRepair; removing them first would leave a Service
 * without ports, which the API server refuses).
 */
function toReclaim(req: WriteRequest, was: KubeObject): ForeignField[] {
  const rendered = req.objects.find((o) => o.kind === was.kind);
  const repaired = rendered !== undefined && portsNeedRepair(rendered, was);
  return foreignFields(was).filter((f) => !(repaired && f.pointer.startsWith('/spec/ports/')));
}

function objectName(o: KubeObject): string {
  return `${o.kind === 'Deployment' ? 'deployment.apps' : o.kind.toLowerCase()}/${o.metadata.name}`;
}

/** A JSON patch that applies only to the version `was` (else: Retry from a fresh read). */
async function patchIfUnchanged(c: Kube, was: KubeObject, namespace: string, ops: unknown[], dryRun = false): Promise<KubeObject> {
  try {
    return await c.patch(kindOf(was), namespace, was.metadata.name, [{ op: 'test', path: '/metadata/resourceVersion', value: was.metadata.resourceVersion }, ...ops], { dryRun });
  } catch (err) {
    if (isConflict(err)) throw new Retry();
    // A failed test is 422 Invalid, as is a patch the API server refuses: only the first means another
    // writer came in between, which the object's version tells.
    if (err instanceof ClusterError && err.reason === 'Invalid') {
      const now = await c.get(kindOf(was), namespace, was.metadata.name);
      if (now?.metadata.resourceVersion !== was.metadata.resourceVersion) throw new Retry();
    }
    throw err;
  }
}

/** Keeps the revision just written (history, rollback); a failure here is a warning, the write stands. */
async function record(c: Kube, req: WriteRequest, result: Written): Promise<string[]> {
  const max = req.historyMax ?? DEFAULT_HISTORY_MAX;
  const owner = result.objects.find((o) => o.kind === 'Deployment');
  if (!owner) return [];
  try {
    // --history-max 0 keeps none: what an earlier write recorded goes too.
    if (max <= 0) {
      await deleteRevisions(c, req.namespace, req.name);
      return [];
    }
    await recordRevision(c, req.namespace, req.name, { revision: result.revision, cause: req.verb, objects: req.objects, owner });
    // Revisions are numbered from 1 up: up to revision `max` there cannot be more than `max` records
    // (those a deleted service left are its Deployment's, and go with it), so there is nothing to prune.
    if (result.revision > max) await pruneRevisions(c, req.namespace, req.name, max);
    return [];
  } catch (err) {
    return [`revision ${result.revision} of service "${req.name}" was not recorded (history and rollback will not know it): ${err instanceof Error ? err.message : String(err)}`];
  }
}

/** Another writer changed the service after this attempt read it: read again and redo. */
class Retry extends Error {}

function isConflict(err: unknown): boolean {
  return err instanceof ClusterError && err.reason === 'Conflict';
}

/** Another writer came first: the object changed (Conflict) or was created (AlreadyExists) meanwhile. */
function isRace(err: unknown): boolean {
  return isConflict(err) || (err instanceof ClusterError && err.reason === 'AlreadyExists');
}

async function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random());
  await new Promise((r) => setTimeout(r, ms));
}

/** The objects with the revision they are written at. */
export function stamp(objects: KubeObject[], revision: number): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [ANNOTATIONS.revision]: String(revision) } } }));
}

// The Service goes first: a taken NodePort, the commonest conflict, then fails before any pod starts.
function ordered(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => (a.kind === 'Service' ? 0 : 1) - (b.kind === 'Service' ? 0 : 1));
}

function liveFor(obj: KubeObject, live: Live): KubeObject | undefined {
  return obj.kind === 'Deployment' ? live.deployment : obj.kind === 'Service' ? live.service : undefined;
}

/** Creates every object, or none. */
async function createService(c: Kube, req: WriteRequest, live: Live): Promise<Written> {
  const revision = currentRevision(live) + 1;
  const created: KubeObject[] = [];
  for (const obj of ordered(stamp(req.objects, revision))) {
    try {
      created.push(await c.create(obj, req.namespace, { dryRun: req.dryRun }));
    } catch (err) {
      if (err instanceof ClusterError && err.reason === 'AlreadyExists') {
        const other = await c.get(kindOf(obj), req.namespace, obj.metadata.name).catch(() => undefined);
        if (other && !isManaged(other)) throw await undo(c, req, created, notManagedError(other, 'replace'));
        // Someone created the service meanwhile: create refuses; apply leaves what it made and updates.
        if (req.verb === 'create') throw await undo(c, req, created, alreadyExists(req.name, req.namespace));
        throw new Retry();
      }
      throw await undo(c, req, created, err, obj);
    }
  }
  return { outcome: 'created', objects: created, revision, removed: [] };
}

/** Hands what create POSTed to the apply manager (adoptForApply), every object at once. */
function adoptAll(c: Kube, req: WriteRequest, result: { outcome: Outcome; objects: KubeObject[] }): Promise<unknown> {
  if (req.dryRun || result.outcome !== 'created') return Promise.resolve();
  return Promise.all(result.objects.map((obj) => adoptForApply(c, obj, req.namespace)));
}

/** Deletes what a failed create made (exactly those objects, by uid); returns the error to throw. */
async function undo(c: Kube, req: WriteRequest, created: KubeObject[], cause: unknown, failed?: KubeObject): Promise<unknown> {
  if (req.dryRun || created.length === 0) return cause;
  const left: string[] = [];
  for (const obj of [...created].reverse()) {
    try {
      await c.delete(kindOf(obj), req.namespace, obj.metadata.name, { ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}) });
    } catch (err) {
      if (!(err instanceof ClusterError && err.reason === 'NotFound')) left.push(`${obj.kind.toLowerCase()}/${obj.metadata.name}`);
    }
  }
  if (!(cause instanceof ClusterError)) return cause;
  const after = left.length > 0 ? `; could not remove ${left.join(', ')}: delete with \`pachsvc delete ${req.name}\`` : '; nothing was left behind';
  const what = failed ? `creating ${failed.kind.toLowerCase()} "${failed.metadata.name}" failed: ` : '';
  return new ClusterError(cause.reason, `${what}${cause.message}${after}`, cause.status);
}

/**
 * Server-side apply of both objects onto the live service, each conditioned on the resourceVersion read.
 * An object missing from a half service is created again. Nothing is written when the API server would
 * store both unchanged (checked with a dry run).
 */
async function updateService(c: Kube, req: WriteRequest, live: Live, removedEarlier: Written['removed']): Promise<Written> {
  // An object another pachsvc has just created (POST) and not yet handed to the apply manager
  // (adoptForApply): applied over as it is, its lists would be merged with this spec's instead of
  // replaced (two container ports named user-port, both specs' env vars). Hand it over, then read again.
  const pending = req.dryRun ? [] : liveObjects(live).filter(unadopted);
  if (pending.length > 0) {
    for (const obj of pending) await adoptForApply(c, obj, req.namespace);
    throw new Retry();
  }
  const current = currentRevision(live);
  const revision = current + 1;
  const next = ordered(stamp(req.objects, revision));
  // Every write is tried first as a server dry run: if the API server would refuse one, none is made.
  const previews = await Promise.all(next.map((obj) => preview(c, obj, liveFor(obj, live), req.namespace)));
  const reclaim = req.takeOwnership ? liveObjects(live).map((was) => ({ was, fields: toReclaim(req, was) })).filter((x) => x.fields.length > 0) : [];
  const removed = reclaim.map((x) => ({ object: objectName(x.was), fields: x.fields }));
  const complete = Boolean(live.deployment && live.service) && revisionOf(live.deployment) === revisionOf(live.service);
  if (complete && reclaim.length === 0 && next.every((obj, i) => sameContent(previews[i]!, liveFor(obj, live)!, [ANNOTATIONS.revision]))) {
    return { outcome: 'unchanged', objects: liveObjects(live), revision: current, removed: [] };
  }
  if (req.dryRun) {
    // What --take-ownership would remove, taken out of the preview too (as the API server would store it).
    const shown = previews.map((p) => (reclaim.length > 0 ? withoutForeign(req, p) : p));
    return { outcome: 'configured', objects: shown, revision, removed };
  }
  // Only now, with every write checked, are the fields of others removed (each patch conditioned on the
  // version read, as the writes that follow are on the version it leaves).
  const after: Live = { ...live };
  for (const { was, fields } of reclaim) {
    const patched = await patchIfUnchanged(c, was, req.namespace, removalOps(fields));
    removedEarlier.push({ object: objectName(was), fields });
    if (was.kind === 'Deployment') after.deployment = patched;
    else after.service = patched;
  }
  const written: KubeObject[] = [];
  for (const obj of next) {
    const was = liveFor(obj, after);
    try {
      written.push(was ? await applyOver(c, obj, was, req.namespace) : await c.create(obj, req.namespace, { dryRun: false }));
    } catch (err) {
      if (isRace(err)) throw new Retry();
      throw err;
    }
  }
  await Promise.all(written.filter((obj) => !liveFor(obj, live)).map((obj) => adoptForApply(c, obj, req.namespace)));
  return { outcome: 'configured', objects: written, revision, removed };
}

/** A preview without what --take-ownership removes (found in the preview's own managedFields). */
function withoutForeign(req: WriteRequest, preview: KubeObject): KubeObject {
  const ops = removalOps(toReclaim(req, preview));
  return ops.length === 0 ? preview : (jsonPatch(preview, ops) as KubeObject);
}

/** A server dry run of the write: the object as the API server would store it. */
async function preview(c: Kube, obj: KubeObject, was: KubeObject | undefined, namespace: string): Promise<KubeObject> {
  try {
    if (!was) return await c.create(obj, namespace, { dryRun: true });
    return await applyOver(c, obj, was, namespace, true);
  } catch (err) {
    if (isRace(err)) throw new Retry();
    throw err;
  }
}

/** The object, to be applied only over the version `was` (409 Conflict if it changed since). */
function conditioned(obj: KubeObject, was: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, ...(was.metadata.resourceVersion ? { resourceVersion: was.metadata.resourceVersion } : {}) } };
}

async function applyOver(c: Kube, obj: KubeObject, was: KubeObject, namespace: string, dryRun = false): Promise<KubeObject> {
  if (portsNeedRepair(obj, was)) {
    // A dry run cannot apply over a repair it did not store: it shows the repaired object with every
    // rendered field replaced instead, which is what the real write ends with.
    if (dryRun) return patchIfUnchanged(c, was, namespace, [...repairOps(obj), ...replaceOps(obj)], true);
    was = await patchIfUnchanged(c, was, namespace, repairOps(obj));
  }
  return c.apply(conditioned(obj, was), namespace, { dryRun, force: true });
}

function replaceOps(obj: KubeObject): unknown[] {
  return [
    { op: 'add', path: '/metadata/labels', value: obj.metadata.labels ?? {} },
    { op: 'add', path: '/metadata/annotations', value: obj.metadata.annotations ?? {} },
    ...Object.entries(obj.spec ?? {}).map(([k, v]) => ({ op: 'add', path: `/spec/${k}`, value: v })),
  ];
}

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
  targetPort?: unknown;
}

const portKey = (p: ServicePort) => `${p.port}/${p.protocol ?? 'TCP'}`;

/**
 * A Service port that someone else changed (`kubectl patch svc … /spec/ports/0/port`) is a new entry
 * to server-side apply, and pachsvc's own entry would clash with it (two ports named user-port): pachsvc
 * owns the ports it renders, so then they are replaced whole before the apply.
 */
export function portsNeedRepair(obj: KubeObject, was: KubeObject): boolean {
  if (obj.kind !== 'Service') return false;
  const want = new Set(((obj.spec?.ports ?? []) as ServicePort[]).map(portKey));
  return ((was.spec?.ports ?? []) as ServicePort[]).some((p) => !want.has(portKey(p)));
}

function repairOps(obj: KubeObject): unknown[] {
  return [{ op: 'replace', path: '/spec/ports', value: obj.spec?.ports ?? [] }];
}

/** Created by pachsvc's POST, and no pachsvc apply owns its fields yet. */
function unadopted(obj: KubeObject): boolean {
  const fields = obj.metadata.managedFields ?? [];
  const ours = (operation: string) => fields.some((f) => f.manager === FIELD_MANAGER && f.operation === operation && !f.subresource);
  return ours('Update') && !ours('Apply');
}

/**
 * POST records its fields as an "Update" by pachsvc. Server-side apply only removes fields its own
 * "Apply" entry owns, so later updates could never drop a field set at create time. Re-labelling the
 * entry as an Apply (what kubectl's client-side-to-server-side migration does) fixes that.
 */
async function adoptForApply(c: Kube, created: KubeObject, namespace: string): Promise<void> {
  // Controllers add their own entries meanwhile (the Deployment's status), so find ours afresh each try.
  // The API server sorts the entries by time in seconds, then by manager: one added in the same second
  // by kube-controller-manager comes just before ours, so the second try is the next index, unread (the
  // patch's tests make a wrong guess fail harmlessly); after that, ours is found in a fresh read.
  let guess: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const obj = attempt <= 1 ? created : await c.get(kindOf(created), namespace, created.metadata.name);
    if (!obj || obj.metadata.uid !== created.metadata.uid) return;
    const fields = obj.metadata.managedFields ?? [];
    const found = fields.findIndex((f) => f.manager === FIELD_MANAGER && f.operation === 'Update' && !f.subresource);
    if (found < 0) return;
    const i = attempt === 1 && guess !== undefined ? guess + 1 : found;
    guess = i;
    try {
      await c.patch(kindOf(obj), namespace, obj.metadata.name, [
        { op: 'test', path: `/metadata/managedFields/${i}/manager`, value: FIELD_MANAGER },
        { op: 'test', path: `/metadata/managedFields/${i}/operation`, value: 'Update' },
        { op: 'replace', path: `/metadata/managedFields/${i}/operation`, value: 'Apply' },
      ]);
      return;
    } catch (err) {
      // A test that failed (another writer moved the entries) is retried; anything else is not ours to fix.
      if (!(err instanceof ClusterError && (err.reason === 'Invalid' || err.reason === 'Conflict'))) return;
    }
  }
}

/** Same labels, annotations (but those ignored) and spec, whatever the order of their keys. */
export function sameContent(a: KubeObject, b: KubeObject, ignoredAnnotations: string[] = []): boolean {
  const annotations = (o: KubeObject) => Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => !ignoredAnnotations.includes(k)));
  const pick = (o: KubeObject) => canonical([o.metadata.labels ?? {}, annotations(o), o.spec ?? {}]);
  return pick(a) === pick(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Deletes the service's objects, all or none: a dry run of every deletion first (if RBAC or admission
 * would refuse one, none is done), then each exactly by uid. Returns what this call deleted; a delete
 * that another caller made first is NotFound here, as kubectl says.
 */
export async function deleteService(c: Kube, namespace: string, name: string, options: { dryRun: boolean }): Promise<KubeObject[]> {
  // Every deletion is tried as a dry run before any is made (none is made if one would be refused). The
  // dry runs go with the read of the objects and the listing of their revision records: one round trip
  // for all. A dry run answers for the object of that name (its uid is not known yet); an object the
  // read finds but its dry run did not (made in between) has its dry run again, by uid.
  const tried = (kind: (typeof KINDS)['Deployment' | 'Service']) =>
    c.delete(kind, namespace, name, { dryRun: true }).then(
      () => ({ ok: true as const }),
      (err: unknown) => ({ ok: false as const, err }),
    );
  const [live, records, deploymentTry, serviceTry] = await Promise.all([
    readLive(c, namespace, name),
    options.dryRun ? Promise.resolve(undefined) : listRevisions(c, namespace, name).catch(() => undefined),
    tried(KINDS.Deployment),
    tried(KINDS.Service),
  ]);
  const objects = decideDelete(live, name, namespace);
  const byUid = (o: KubeObject) => ({ ...(o.metadata.uid ? { uid: o.metadata.uid } : {}) });
  await Promise.all(
    objects.map(async (obj) => {
      const t = obj.kind === 'Deployment' ? deploymentTry : serviceTry;
      if (t.ok) return;
      if (!(t.err instanceof ClusterError && t.err.reason === 'NotFound')) throw t.err;
      await deleteIgnoringGone(c, obj, namespace, { ...byUid(obj), dryRun: true });
    }),
  );
  if (options.dryRun) return objects;
  // Every object at once, by uid, and its history beside them (the garbage collector would remove the
  // records too, later, as the Deployment owns them): one round trip. The dry runs above passed, so
  // none is expected to be refused.
  const [done] = await Promise.all([
    Promise.all(objects.map((obj) => deleteIgnoringGone(c, obj, namespace, byUid(obj)))),
    objects.length > 0 ? deleteRecords(c, namespace, name, records).catch(() => undefined) : undefined,
  ]);
  const deleted = objects.filter((_, i) => done[i]);
  // Of concurrent deletes of one service, the one that deleted its last object (each object's deletion
  // succeeds once) deleted the service; the others find it gone, as kubectl would.
  if (deleted.at(-1) !== objects.at(-1)) throw notFound(name, namespace);
  return deleted;
}

/** Deletes the revision records listed (all at once), or, if they could not be listed, every one there is. */
async function deleteRecords(c: Kube, namespace: string, name: string, records: Revision[] | undefined): Promise<void> {
  if (!records) return deleteRevisions(c, namespace, name);
  await Promise.all(
    records.map((r) =>
      c.delete(KINDS.ConfigMap, namespace, revisionRecordName(name, r.revision)).catch((err: unknown) => {
        if (!(err instanceof ClusterError && err.reason === 'NotFound')) throw err;
      }),
    ),
  );
}

/** True when this call deleted it; false when it was already gone (or replaced: the uid precondition). */
async function deleteIgnoringGone(c: Kube, obj: KubeObject, namespace: string, options: { uid?: string; dryRun?: boolean }): Promise<boolean> {
  try {
    await c.delete(kindOf(obj), namespace, obj.metadata.name, options);
    return true;
  } catch (err) {
    if (err instanceof ClusterError && (err.reason === 'NotFound' || (err.reason === 'Conflict' && options.uid))) return false;
    throw err;
  }
}
