// Finds every input of a normalized spec, in any of its shapes (2.x pfs/atom/cross/union, the 1.4
// pipeline inputs[], the 1.3 job inputs[].commit), as one flat list: a service sees them all at once.
import { isObj, type Obj } from '../lib/objects.ts';

export interface InputSite {
  /** JSON pointer of the input object (the pfs object, or the 1.x inputs[] item). */
  pointer: string;
  repo: string;
  /** The name given, or the repo's. */
  name: string;
  namePointer: string;
  project?: string;
  /** The commit reference as written (branch, commit id, branch=commit, master/0, …); master if none. */
  refText: string;
  refPointer: string;
  /** Where the branch and commit fields are, when both are given. */
  commitPointer?: string;
  branchOnly?: string;
  follow?: boolean;
  glob?: string;
  globPointer: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function findInputs(spec: unknown): InputSite[] {
  if (!isObj(spec)) return [];
  const sites: InputSite[] = [];
  if (isObj(spec.input)) walkInput(spec.input, '/input', sites);
  if (Array.isArray(spec.inputs)) {
    spec.inputs.forEach((item, i) => {
      if (isObj(item)) sites.push(legacySite(item, `/inputs/${i}`));
    });
  }
  return sites.filter((s) => s.repo !== '');
}

function walkInput(input: Obj, pointer: string, sites: InputSite[]): void {
  for (const kind of ['pfs', 'atom'] as const) {
    const pfs = input[kind];
    if (isObj(pfs)) sites.push(pfsSite(pfs, `${pointer}/${kind}`));
  }
  for (const kind of ['cross', 'union'] as const) {
    const list = input[kind];
    if (Array.isArray(list)) {
      list.forEach((child, i) => {
        if (isObj(child)) walkInput(child, `${pointer}/${kind}/${i}`, sites);
      });
    }
  }
}

/** A project given as its name or as {name}. */
export function projectName(v: unknown): string | undefined {
  return str(v) ?? (isObj(v) ? str(v.name) : undefined);
}

function pfsSite(pfs: Obj, pointer: string): InputSite {
  const repo = str(pfs.repo) ?? '';
  const branch = str(pfs.branch);
  const commit = str(pfs.commit);
  const site: InputSite = {
    pointer,
    repo,
    name: str(pfs.name) ?? repo,
    namePointer: pfs.name !== undefined ? `${pointer}/name` : `${pointer}/repo`,
    refText: branch && commit ? `${branch}=${commit}` : (commit ?? branch ?? 'master'),
    refPointer: commit !== undefined ? `${pointer}/commit` : branch !== undefined ? `${pointer}/branch` : pointer,
    globPointer: `${pointer}/glob`,
  };
  if (branch && commit) {
    site.branchOnly = branch;
    site.commitPointer = `${pointer}/commit`;
    site.refPointer = `${pointer}/branch`;
  }
  const project = projectName(pfs.project);
  if (project !== undefined) site.project = project;
  if (typeof pfs.follow === 'boolean') site.follow = pfs.follow;
  if (typeof pfs.glob === 'string') site.glob = pfs.glob;
  return site;
}

function legacySite(item: Obj, pointer: string): InputSite {
  if (isObj(item.commit)) {
    const c = item.commit;
    const repo = isObj(c.repo) ? (str(c.repo.name) ?? '') : '';
    return {
      pointer,
      repo,
      name: repo,
      namePointer: `${pointer}/commit/repo/name`,
      refText: str(c.id) ?? 'master',
      refPointer: `${pointer}/commit/id`,
      globPointer: `${pointer}/glob`,
    };
  }
  const repo = isObj(item.repo) ? (str(item.repo.name) ?? '') : '';
  const site: InputSite = {
    pointer,
    repo,
    name: str(item.name) ?? repo,
    namePointer: item.name !== undefined ? `${pointer}/name` : `${pointer}/repo/name`,
    refText: str(item.branch) ?? 'master',
    refPointer: item.branch !== undefined ? `${pointer}/branch` : pointer,
    globPointer: `${pointer}/glob`,
  };
  if (typeof item.glob === 'string') site.glob = item.glob;
  return site;
}

