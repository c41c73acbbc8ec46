// What pod_spec and pod_patch can break in the pod pachsvc builds, found by comparing the patched pod
// with pachsvc's own: checkout, follow and service containers removed or replaced, the pfs volume
// removed or swapped for another kind, /pfs mounted elsewhere or not at all (warnings); and container
// names Kubernetes would refuse (errors). Every walk is over own properties of plain objects only: the
// patched pod is user data.
import { PFS_PATH, PFS_VOLUME, PORT_NAME } from '../contract.ts';
import { isObj, own, type Obj } from '../lib/objects.ts';
import { quote } from '../lib/text.ts';
import { jsonEqual } from './patch.ts';

export type ContainerRole = { role: 'service' } | { role: 'checkout' | 'follow'; input: string };

/** What a finding is about. */
export type FindingKind =
  | 'unnamed' // a container without a name
  | 'bad-name' // a name Kubernetes refuses
  | 'duplicate-name'
  | 'moved' // one of pachsvc's containers moved between containers and initContainers
  | 'removed' // one of pachsvc's containers is gone
  | 'replaced' // the service container lost what pachsvc set on it
  | 'command' // a checkout or follow container runs another command
  | 'mount' // /pfs mounted otherwise
  | 'volume-removed' // the pfs volume is gone
  | 'volume-source'; // the pfs volume has no source, or another kind of source

export interface Finding {
  /** Stable across patch steps: the same problem found again has the same key. */
  key: string;
  kind: FindingKind;
  error: boolean;
  /** Follows the field's name: "pod_spec <text>". */
  text: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LISTS = ['initContainers', 'containers'] as const;

/** Why a container name is one Kubernetes refuses, or undefined when it is fine. */
export function containerNameProblem(name: string): string | undefined {
  if (name.length > 63) return `is ${name.length} characters long, and Kubernetes allows 63`;
  if (!DNS_LABEL.test(name)) return 'is not a DNS label (lower-case letters, digits and "-", starting and ending with a letter or digit)';
  return undefined;
}

export function podFindings(pod: unknown, baseline: Obj, roles: Map<string, ContainerRole>): Finding[] {
  const out: Finding[] = [];
  out.push(...nameFindings(pod));
  for (const list of LISTS) {
    for (const before of containersOf(baseline, list)) {
      const name = before.name as string;
      const role = roles.get(name);
      if (role) out.push(...containerFindings(pod, list, before, role));
    }
  }
  out.push(...volumeFindings(pod));
  return out;
}

function containersOf(pod: unknown, list: (typeof LISTS)[number]): Obj[] {
  const value = own(pod, list);
  return Array.isArray(value) ? value.filter(isObj) : [];
}

function nameFindings(pod: unknown): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const list of LISTS) {
    containersOf(pod, list).forEach((c, i) => {
      const name = own(c, 'name');
      if (typeof name !== 'string') {
        out.push({ key: `noname:${list}:${i}`, kind: 'unnamed', error: true, text: `leaves ${list}[${i}] without a name: Kubernetes would refuse the pod` });
        return;
      }
      const problem = containerNameProblem(name);
      if (problem) out.push({ key: `name:${name}`, kind: 'bad-name', error: true, text: `names a container ${quote(name)}, which ${problem}: Kubernetes would refuse the pod` });
      if (seen.has(name)) out.push({ key: `dup:${name}`, kind: 'duplicate-name', error: true, text: `gives two containers the name ${quote(name)}: Kubernetes would refuse the pod` });
      seen.add(name);
    });
  }
  return out;
}

function describeRole(name: string, role: ContainerRole): string {
  if (role.role === 'service') return `the service container ${quote(name)}`;
  return `the ${role.role} container ${quote(name)} (input ${quote(role.input)})`;
}

function containerFindings(pod: unknown, list: (typeof LISTS)[number], before: Obj, role: ContainerRole): Finding[] {
  const name = before.name as string;
  const what = describeRole(name, role);
  const other = list === 'containers' ? 'initContainers' : 'containers';
  const now = containersOf(pod, list).find((c) => own(c, 'name') === name);
  if (!now) {
    if (containersOf(pod, other).some((c) => own(c, 'name') === name)) {
      return [{ key: `moved:${name}`, kind: 'moved', error: false, text: `moves ${what} from ${list} to ${other}: ${consequence(role)}` }];
    }
    return [{ key: `removed:${name}`, kind: 'removed', error: false, text: `removes ${what}: ${consequence(role)}` }];
  }
  const out: Finding[] = [];
  if (role.role === 'service') {
    const lost = lostSettings(before, now);
    if (lost.length > 0) out.push({ key: `replaced:${name}`, kind: 'replaced', error: false, text: `replaces ${what}: it no longer has ${joinList(lost)}` });
  } else if (!jsonEqual(own(before, 'command'), own(now, 'command')) || !jsonEqual(own(before, 'args'), own(now, 'args'))) {
    out.push({ key: `command:${name}`, kind: 'command', error: false, text: `changes the command of ${what}: pachsvc's ${role.role} script no longer runs, so ${consequence(role)}` });
  }
  const mount = mountProblem(now, role);
  if (mount) out.push({ key: `mount:${name}`, kind: 'mount', error: false, text: `${mount} in ${what}` });
  return out;
}

function consequence(role: ContainerRole): string {
  switch (role.role) {
    case 'checkout':
      return `input ${quote(role.input)} is not checked out, and /pfs/${role.input} will not exist`;
    case 'follow':
      return `input ${quote(role.input)} stays on the commit checked out when the pod started`;
    case 'service':
      return "nothing runs transform.image, and the Service's port has no container behind it";
  }
}

/** What pachsvc set on the service container that the patched one no longer has. */
function lostSettings(before: Obj, now: Obj): string[] {
  const lost: string[] = [];
  if (own(before, 'command') !== undefined && !jsonEqual(own(before, 'command'), own(now, 'command'))) lost.push('its command');
  const names = (c: Obj) => {
    const env = own(c, 'env');
    return Array.isArray(env) ? env.map((e) => own(e, 'name')).filter((n): n is string => typeof n === 'string') : [];
  };
  const kept = new Set(names(now));
  const gone = names(before).filter((n) => !kept.has(n));
  if (gone.length > 0) {
    const shown = gone.slice(0, 4).map((n) => quote(n, 40)).join(', ');
    lost.push(`the environment variable${gone.length > 1 ? 's' : ''} ${shown}${gone.length > 4 ? ` and ${gone.length - 4} more` : ''}`);
  }
  const ports = own(now, 'ports');
  if (!(Array.isArray(ports) && ports.some((p) => own(p, 'name') === PORT_NAME))) lost.push(`the port ${quote(PORT_NAME)} the Service sends traffic to`);
  for (const [field, label] of [
    ['readinessProbe', 'its readiness probe'],
    ['resources', 'its resources'],
    ['securityContext', 'its securityContext (transform.user)'],
    ['workingDir', 'its workingDir'],
  ] as const) {
    if (own(before, field) !== undefined && own(now, field) === undefined) lost.push(label);
  }
  return lost;
}

/** How the patched container's /pfs differs from pachsvc's (the pfs volume at /pfs, whole, writable for checkouts), if it does. */
function mountProblem(container: Obj, role: ContainerRole): string | undefined {
  const mountsValue = own(container, 'volumeMounts');
  const mounts = Array.isArray(mountsValue) ? mountsValue.filter(isObj) : [];
  const pfs = mounts.find((m) => own(m, 'name') === PFS_VOLUME);
  const atPath = mounts.find((m) => own(m, 'mountPath') === PFS_PATH && own(m, 'name') !== PFS_VOLUME);
  if (atPath) return `mounts the volume ${quote(String(own(atPath, 'name')))} at ${PFS_PATH} instead of pachsvc's ${quote(PFS_VOLUME)} volume`;
  if (!pfs) return `no longer mounts the ${quote(PFS_VOLUME)} volume at ${PFS_PATH}`;
  const path = own(pfs, 'mountPath');
  if (path !== PFS_PATH) return `mounts the ${quote(PFS_VOLUME)} volume at ${quote(String(path))} instead of ${PFS_PATH}`;
  const sub = own(pfs, 'subPath') ?? own(pfs, 'subPathExpr');
  if (sub !== undefined && sub !== '') return `mounts only ${quote(String(sub))} of the ${quote(PFS_VOLUME)} volume at ${PFS_PATH}`;
  if (role.role !== 'service' && own(pfs, 'readOnly') === true) return `mounts ${PFS_PATH} read-only, so the ${role.role} script cannot write the data`;
  return undefined;
}

function volumeFindings(pod: unknown): Finding[] {
  const volumesValue = own(pod, 'volumes');
  const volumes = Array.isArray(volumesValue) ? volumesValue.filter(isObj) : [];
  const pfs = volumes.find((v) => own(v, 'name') === PFS_VOLUME);
  if (!pfs) return [{ key: 'volume', kind: 'volume-removed', error: false, text: `removes the ${quote(PFS_VOLUME)} volume that holds ${PFS_PATH}: the containers that mount it cannot start` }];
  if (isObj(own(pfs, 'emptyDir'))) return [];
  const kind = Object.keys(pfs).find((k) => k !== 'name');
  if (kind === undefined) return [{ key: 'volume', kind: 'volume-source', error: false, text: `leaves the ${quote(PFS_VOLUME)} volume without a source (pachsvc's is an emptyDir)` }];
  const hostPath = kind === 'hostPath' ? own(own(pfs, 'hostPath'), 'path') : undefined;
  const detail = typeof hostPath === 'string' ? ` (${quote(hostPath)})` : '';
  return [
    {
      key: 'volume',
      kind: 'volume-source',
      error: false,
      text: `makes the ${quote(PFS_VOLUME)} volume a ${quote(kind)}${detail} instead of pachsvc's emptyDir: checkouts write into it and serve what is already there, and it outlives the pod${kind === 'hostPath' ? ' on the node, shared with every pod that mounts the same path' : ''}`,
    },
  ];
}

function joinList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
