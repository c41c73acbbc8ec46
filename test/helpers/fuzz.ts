// A seeded mutation fuzzer of `validate` and `render`, run in process (runIn): valid specs (the examples
// and a few more) are mutated (keys deleted, duplicated and renamed, types swapped, hostile strings and
// numbers injected, nesting deepened, the text truncated, YAML tags and aliases added) and every case is
// run through `validate`, `validate -o json`, `render` and `render -o json`, whose results must keep
// pachsvc's promises:
//
// - exit code 0, 1 or 2; nothing on stdout unless 0 (but for validate -o json); no stack trace, no
//   `Error:` line;
// - every line on stderr is a positioned `file:line:col:` line, or one of the few unpositioned ones a
//   spec source can give (`error: … is not text`, `… is larger than`), or a usage error and its hint;
// - no raw control character on stderr (ESC, CR, C1, …: only \n), nothing ill-formed (lone surrogates);
// - validate and render agree, and validate -o json says what validate says; render's YAML, read back
//   by the yaml package (YAML 1.2 core), is exactly its `-o json` List;
// - Object.prototype (and Array.prototype, Function.prototype, String.prototype) unchanged after every
//   command.
//
// The unit test (test/unit/fuzz.test.ts) runs a few hundred cases; `node --import tsx scripts/fuzz.mjs
// --cases N [--seed S]` runs as many as asked with the same generator and checks. A case is fully
// determined by (seed, index): `--seed S --case I` runs one again, `--save DIR` keeps failing inputs.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runIn, type TestRun } from './test-factory.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// ---------------------------------------------------------------------------------------------------
// A small seeded PRNG (sfc32), and a per-case seed from (seed, index).

export type Rng = {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
};

export function rng(seed: number): Rng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

/** The seed of case `index` of a run seeded `seed` (so one case can be rerun alone). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ index, 0xcc9e2d51) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x1b873593) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// Specs as trees that can hold what JavaScript objects cannot: duplicate keys, `__proto__` keys, numbers
// as written (9007199254740993, 1e999, NaN).

export type Tree =
  | { t: 'obj'; entries: [string, Tree][] }
  | { t: 'arr'; items: Tree[] }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number; raw?: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' };

function fromValue(v: unknown): Tree {
  if (v === null || v === undefined) return { t: 'null' };
  if (Array.isArray(v)) return { t: 'arr', items: v.map(fromValue) };
  if (typeof v === 'object') return { t: 'obj', entries: Object.entries(v as object).map(([k, x]) => [k, fromValue(x)]) };
  if (typeof v === 'string') return { t: 'str', v };
  if (typeof v === 'number') return { t: 'num', v };
  if (typeof v === 'boolean') return { t: 'bool', v };
  return { t: 'str', v: String(v) };
}

function clone(t: Tree): Tree {
  switch (t.t) {
    case 'obj':
      return { t: 'obj', entries: t.entries.map(([k, v]) => [k, clone(v)]) };
    case 'arr':
      return { t: 'arr', items: t.items.map(clone) };
    default:
      return { ...t };
  }
}

/** A place in a tree: a container and the index of one of its members, or the root. */
interface Slot {
  get(): Tree;
  set(v: Tree): void;
  parent?: Tree;
  index?: number;
  depth: number;
  /** Keys and indexes from the root. */
  path: string[];
}

function slots(root: { tree: Tree }): Slot[] {
  const out: Slot[] = [{ get: () => root.tree, set: (v) => (root.tree = v), depth: 0, path: [] }];
  // Not below 80 levels: a spec is refused at 64 anyway, and the walk stays off the stack's limit.
  const walk = (t: Tree, depth: number, path: string[]) => {
    if (depth > 80) return;
    if (t.t === 'obj') {
      t.entries.forEach((e, i) => {
        out.push({ get: () => e[1], set: (v) => (e[1] = v), parent: t, index: i, depth: depth + 1, path: [...path, e[0]] });
        walk(e[1], depth + 1, [...path, e[0]]);
      });
    } else if (t.t === 'arr') {
      t.items.forEach((x, i) => {
        out.push({ get: () => x, set: (v) => (t.items[i] = v), parent: t, index: i, depth: depth + 1, path: [...path, String(i)] });
        walk(x, depth + 1, [...path, String(i)]);
      });
    }
  };
  walk(root.tree, 0, []);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Serialization: JSON (strict, or with comments and trailing commas), YAML (block, with plain scalars
// where they stay strings, or flow).

function jsonString(s: string): string {
  return JSON.stringify(s);
}

export function toJsonText(t: Tree, r: Rng, pretty = true): string {
  const loose = r.chance(0.15);
  const emit = (x: Tree, pad: string): string => {
    const nl = pretty ? '\n' : '';
    const inner = pretty ? `${pad}  ` : '';
    switch (x.t) {
      case 'obj': {
        if (x.entries.length === 0) return '{}';
        const members = x.entries.map(([k, v]) => `${inner}${jsonString(k)}: ${emit(v, inner)}`);
        return `{${nl}${members.join(`,${nl}`)}${loose ? ',' : ''}${nl}${pretty ? pad : ''}}`;
      }
      case 'arr': {
        if (x.items.length === 0) return '[]';
        return `[${nl}${x.items.map((v) => `${inner}${emit(v, inner)}`).join(`,${nl}`)}${nl}${pretty ? pad : ''}]`;
      }
      case 'str':
        return jsonString(x.v);
      case 'num':
        return x.raw ?? (Number.isFinite(x.v) ? String(x.v) : 'null');
      case 'bool':
        return String(x.v);
      case 'null':
        return 'null';
    }
  };
  return `${loose ? '// a spec\n' : ''}${emit(t, '')}\n`;
}

const YAML_PLAIN = /^[A-Za-z_/][A-Za-z0-9_ ./=@+-]*$/;
const YAML_WORDS = /^(y|n|yes|no|true|false|on|off|null|~|\.inf|\.nan)$/i;

function yamlScalar(s: string, r: Rng): string {
  if (YAML_PLAIN.test(s) && !YAML_WORDS.test(s) && !s.endsWith(' ') && !s.includes(' #') && !s.includes(': ') && r.chance(0.85)) return s;
  if (!/[\u0000-\u001f\u007f-\u009f'\u2028\u2029\ufeff\ud800-\udfff]/.test(s) && r.chance(0.2)) return `'${s}'`;
  return jsonString(s);
}

function yamlKey(k: string, r: Rng): string {
  const s = yamlScalar(k, r);
  return s.length > 1000 ? `? ${s}\n` : s;
}

export function toYamlText(t: Tree, r: Rng): string {
  const flow = (x: Tree): string => {
    switch (x.t) {
      case 'obj':
        return `{${x.entries.map(([k, v]) => `${jsonString(k)}: ${flow(v)}`).join(', ')}}`;
      case 'arr':
        return `[${x.items.map(flow).join(', ')}]`;
      case 'str':
        return jsonString(x.v);
      case 'num':
        return x.raw ?? (Number.isNaN(x.v) ? '.nan' : x.v === Infinity ? '.inf' : x.v === -Infinity ? '-.inf' : String(x.v));
      case 'bool':
        return String(x.v);
      case 'null':
        return r.chance(0.5) ? 'null' : '~';
    }
  };
  // Lines of a block node at `pad`; a scalar is one line (or a literal block).
  const block = (x: Tree, pad: string): { inline?: string; lines?: string[] } => {
    if (x.t === 'obj') {
      if (x.entries.length === 0) return { inline: '{}' };
      if (r.chance(0.05)) return { inline: flow(x) };
      const lines: string[] = [];
      for (const [k, v] of x.entries) {
        const key = yamlKey(k, r);
        const explicit = key.endsWith('\n');
        const b = block(v, `${pad}  `);
        const head = explicit ? `${pad}${key}${pad}:` : `${pad}${key}:`;
        if (b.inline !== undefined) lines.push(`${head} ${b.inline}`);
        else lines.push(head, ...b.lines!);
      }
      return { lines };
    }
    if (x.t === 'arr') {
      if (x.items.length === 0) return { inline: '[]' };
      if (r.chance(0.05)) return { inline: flow(x) };
      const lines: string[] = [];
      for (const item of x.items) {
        const b = block(item, `${pad}  `);
        if (b.inline !== undefined) lines.push(`${pad}- ${b.inline}`);
        else lines.push(`${pad}- ${b.lines![0]!.slice(pad.length + 2)}`, ...b.lines!.slice(1));
      }
      return { lines };
    }
    if (x.t === 'str') {
      if (x.v.includes('\n') && !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/.test(x.v) && !/^[ \n]/.test(x.v) && r.chance(0.6)) {
        const body = x.v.endsWith('\n') ? x.v.slice(0, -1) : x.v;
        return { inline: `${x.v.endsWith('\n') ? '|' : '|-'}\n${body.split('\n').map((l) => (l ? `${pad}${l}` : '')).join('\n')}` };
      }
      return { inline: yamlScalar(x.v, r) };
    }
    return { inline: flow(x) };
  };
  if (r.chance(0.05)) return `${flow(t)}\n`;
  const b = block(t, '');
  return `${b.inline !== undefined ? b.inline : b.lines!.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------
// The specs mutated: the examples, and a few more valid specs in other forms.

export interface Base {
  name: string;
  format: 'json' | 'yaml';
  tree: Tree;
  /** Several specs in one file: as YAML documents, or a JSON list. */
  multi?: boolean;
}

const EXTRA: { name: string; format: 'json' | 'yaml'; value: unknown; multi?: boolean }[] = [
  {
    name: 'full-2x',
    format: 'yaml',
    value: {
      pipeline: { name: 'full', project: { name: 'proj' } },
      description: 'every field',
      metadata: { labels: { team: 'a', tier: 'dev' }, annotations: { 'example.com/note': 'hi' } },
      transform: {
        image: 'registry.example.com/team/app:1.2.3',
        cmd: ['python3', '-m', 'http.server', '8080'],
        env: { MODE: 'serve', EMPTY: '' },
        secrets: [
          { name: 'db', mount_path: '/secrets/db' },
          { name: 'api', env_var: 'API_KEY', key: 'token' },
        ],
        image_pull_secrets: ['regcred'],
        user: '1000:100',
        working_dir: '/pfs/data',
        memory_volume: true,
      },
      service: { internal_port: 8080, external_port: 30123, type: 'NodePort', on_new_data: 'live' },
      input: {
        union: [
          { pfs: { name: 'data', repo: 'data', branch: 'master', glob: '/' } },
          { pfs: { name: 'models', repo: 'models', branch: 'dev', glob: '/', follow: true } },
          { pfs: { name: 'old', repo: 'models', branch: 'master^2', glob: '/' } },
        ],
      },
      parallelism_spec: { constant: 2 },
      resource_requests: { cpu: 0.5, memory: '256Mi', disk: '1Gi' },
      resource_limits: { cpu: '2', memory: '1Gi', gpu: { type: 'nvidia.com/gpu', number: 1 } },
      sidecar_resource_requests: { cpu: '100m', memory: '64Mi' },
      scheduling_spec: { node_selector: { 'kubernetes.io/os': 'linux' }, priority_class_name: 'high' },
      tolerations: [{ key: 'dedicated', operator: 'EQUAL', value: 'pachyderm', effect: 'NO_SCHEDULE' }],
      pod_spec: '{"hostname": "full-host"}',
      pod_patch: [{ op: 'add', path: '/dnsPolicy', value: 'Default' }],
    },
  },
  {
    name: 'pipeline-1x',
    format: 'json',
    value: {
      pipeline: { name: 'old_style' },
      transform: { image: 'busybox', cmd: ['sh'], stdin: ['httpd -f -p 8000 -h /pfs'] },
      service: { internal_port: 8000, external_port: 30800 },
      inputs: [
        { name: 'a', repo: { name: 'repo_a' }, branch: 'master', glob: '/' },
        { name: 'b', repo: { name: 'repo_b' }, branch: 'dev', glob: '/' },
      ],
      parallelism_spec: { strategy: 'CONSTANT', constant: 1 },
    },
  },
  {
    name: 'camel',
    format: 'json',
    value: {
      pipeline: { name: 'camel-case' },
      transform: { image: 'nginx:1.27', workingDir: '/srv', imagePullSecrets: ['pull'] },
      service: { internalPort: 80, type: 'LoadBalancer', onNewData: 'restart' },
      input: { cross: [{ pfs: { repo: 'site', branch: 'master', glob: '/' } }, { pfs: { repo: 'assets', commit: '0123456789abcdef0123456789abcdef', glob: '/' } }] },
      resourceLimits: { memory: '512Mi' },
      schedulingSpec: { nodeSelector: { disk: 'ssd' } },
      podPatch: '[{"op": "add", "path": "/terminationGracePeriodSeconds", "value": 5}]',
    },
  },
  {
    name: 'several',
    format: 'yaml',
    multi: true,
    value: [
      { pipeline: { name: 'one' }, transform: { image: 'busybox' }, service: { internal_port: 8080 }, input: { pfs: { repo: 'one', glob: '/' } } },
      { pipeline: { name: 'two' }, transform: { image: 'busybox', cmd: ['sleep', 'infinity'] }, service: { internal_port: 9090, external_port: 30990 }, input: { pfs: { repo: 'two', branch: 'master.1', glob: '/' } } },
    ],
  },
  {
    name: 'list',
    format: 'json',
    multi: true,
    value: [
      { pipeline: { name: 'alpha' }, transform: { image: 'busybox' }, service: { internal_port: 1 }, input: { pfs: { repo: 'alpha', glob: '/' } } },
      { pipeline: { name: 'beta' }, transform: { image: 'busybox' }, service: { internal_port: 65535 }, input: { pfs: { repo: 'beta', glob: '/', follow: true } } },
    ],
  },
];

let basesCache: Base[] | undefined;

/** The specs mutated, each valid as it is. */
export function bases(): Base[] {
  if (basesCache) return basesCache;
  const out: Base[] = [];
  const dir = join(ROOT, 'examples');
  for (const file of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const yamlDoc = parseAllDocuments(text.replace(/,(\s*[}\]])/g, '$1').replace(/\t/g, '  '), { schema: 'core' });
    const value = (Array.isArray(yamlDoc) ? yamlDoc[0] : yamlDoc)!.toJS();
    // The examples name no service themselves sometimes (jupyter.json): the file name does.
    const name = file.replace(/\.(json|ya?ml)$/, '');
    out.push({ name, format: /\.json$/.test(file) ? 'json' : 'yaml', tree: fromValue(value) });
  }
  for (const e of EXTRA) out.push({ name: e.name, format: e.format, tree: fromValue(e.value), ...(e.multi ? { multi: true } : {}) });
  basesCache = out;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// What is injected.

const FIELDS = [
  'pipeline', 'name', 'project', 'transform', 'image', 'cmd', 'stdin', 'env', 'secrets', 'mount_path', 'env_var', 'key', 'service',
  'internal_port', 'external_port', 'internalPort', 'externalPort', 'type', 'on_new_data', 'input', 'pfs', 'cross', 'union', 'repo',
  'branch', 'glob', 'commit', 'follow', 'inputs', 'id', 'parallelism_spec', 'parallelismSpec', 'constant', 'strategy', 'resource_requests',
  'resource_limits', 'cpu', 'memory', 'gpu', 'number', 'disk', 'metadata', 'labels', 'annotations', 'pod_spec', 'pod_patch', 'podSpec',
  'podPatch', 'scheduling_spec', 'node_selector', 'priority_class_name', 'tolerations', 'operator', 'effect', 'user', 'working_dir',
  'description', 'image_pull_secrets', 'memory_volume', 'spout', 'egress', 'lazy', '$schema', 's3_out', 'datum_timeout', 'cron', 'join',
  'imgae', 'internal_prot', 'Transform', 'IMAGE', 'pipeline ', ' name', 'pipeline.name',
];

/** Keys that are properties of every object in JavaScript. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', '__lookupSetter__', 'propertyIsEnumerable', 'toLocaleString'];

function caseFileName(r: Rng): string {
  return r.pick(['case', 'spec', 'x', 'a.b', 'UPPER', 'with space', 'ünï', 'dash-name', '123']);
}

/** Strings that must be shown, never obeyed, and never grow a message past a line. */
export function hostileStrings(file: string): string[] {
  return [
    '\u001b[31mred\u001b[0m', '\u001b]52;c;cHduZWQ=\u0007', '\u001b]0;title\u0007', '\u001b[2J\u001b[H', '\u009b31m', '\u0090q\u009c',
    'a\rb', '\r', '\u0007', '\u0000', '\u007f', '\u0085', '\u2028', '\u2029', '\u202e', '\u2066', '\u00ad', '\u200b', '\u200d', '\u2060',
    '\u2064', '\ufeff', '\ufffe', '\uffff', '\ud800', '\udfff', 'a\ud800b', '\ud83d\ude00', '\t', ' x ', '',
    `x\n${file}:1:1: forged error`, `\n${file}:1:1: forged`, 'line1\nline2\n', `\r\n${file}:2:2: warning: forged`,
    'x'.repeat(300), 'x'.repeat(262_144), 'x'.repeat(262_145), 'é'.repeat(70_000),
    '-', '--', '-x', '--help', '=', 'a=b', '$(id)', '`id`', "'; DROP", '${HOME}', '%s%n%x', '{{.}}', '../../etc/passwd', '/pfs/../..',
    'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(253), 'a'.repeat(254), 'A_b', 'null', 'true', 'yes', 'on', '~', '0777', '1e3', '.inf', '2001-12-14',
    '1:30', 'master^2', 'master~3', 'master.1', 'master/0', 'master^~', '0123456789abcdef0123456789abcdef', 'master=0123456789abcdef0123456789abcdef',
    ...PROTOTYPE_KEYS, '[object Object]', 'undefined', 'NaN', '8080', '30080', '-1', '0x10', '1_000', '١٢٣',
  ];
}

function hostileNumber(r: Rng): Tree {
  const raws = ['0', '-0', '-1', '1', '0.5', '1.0', '1e3', '1E2', '65535', '65536', '29999', '30000', '32767', '32768', '2147483647', '2147483648',
    '4294967296', '9007199254740991', '9007199254740993', '1e308', '1e309', '-1e309', '123456789012345678901234567890', '0.1e-400', '5e-324'];
  const raw = r.pick(raws);
  return { t: 'num', v: Number(raw), raw };
}

function nested(depth: number, r: Rng): Tree {
  let t: Tree = { t: 'num', v: 1 };
  const asArray = r.chance(0.5);
  for (let i = 0; i < depth; i++) t = asArray ? { t: 'arr', items: [t] } : { t: 'obj', entries: [['a', t]] };
  return t;
}

function randomValue(r: Rng, file: string, depth = 0): Tree {
  switch (r.int(depth > 2 ? 5 : 7)) {
    case 0:
      return { t: 'str', v: r.pick(hostileStrings(file)) };
    case 1:
      return hostileNumber(r);
    case 2:
      return { t: 'bool', v: r.chance(0.5) };
    case 3:
      return { t: 'null' };
    case 4:
      return { t: 'str', v: r.pick(['x', 'master', 'busybox', '/', '8080', 'a-b', 'repo_1']) };
    case 5:
      return { t: 'arr', items: Array.from({ length: r.int(3) }, () => randomValue(r, file, depth + 1)) };
    default:
      return { t: 'obj', entries: Array.from({ length: r.int(3) }, () => [r.pick(r.chance(0.5) ? FIELDS : PROTOTYPE_KEYS), randomValue(r, file, depth + 1)] as [string, Tree]) };
  }
}

// ---------------------------------------------------------------------------------------------------
// Mutations of the tree, then of the text.

type Mutation = (root: { tree: Tree }, r: Rng, file: string) => string;

// Where any text is a valid value: descriptions, environment values, commands and their stdin, annotations.
const FREE_TEXT = [/^(\d+\/)?description$/, /^(\d+\/)?transform\/(env\/[^/]+|cmd\/\d+|stdin\/\d+)$/, /^(\d+\/)?metadata\/annotations\/[^/]+$/];

const TREE_MUTATIONS: Record<string, Mutation> = {
  deleteKey(root, r) {
    const s = slots(root).filter((x) => x.parent?.t === 'obj');
    if (s.length === 0) return 'deleteKey (none)';
    const x = r.pick(s);
    const o = x.parent as Extract<Tree, { t: 'obj' }>;
    const [k] = o.entries.splice(x.index!, 1)[0]!;
    return `deleteKey ${JSON.stringify(k)}`;
  },
  duplicateKey(root, r) {
    const s = slots(root).filter((x) => x.parent?.t === 'obj');
    if (s.length === 0) return 'duplicateKey (none)';
    const x = r.pick(s);
    const o = x.parent as Extract<Tree, { t: 'obj' }>;
    const e = o.entries[x.index!]!;
    o.entries.splice(r.int(o.entries.length + 1), 0, [e[0], r.chance(0.5) ? clone(e[1]) : randomValue(r, '')]);
    return `duplicateKey ${JSON.stringify(e[0])}`;
  },
  renameKey(root, r, file) {
    const s = slots(root).filter((x) => x.parent?.t === 'obj');
    if (s.length === 0) return 'renameKey (none)';
    const x = r.pick(s);
    const o = x.parent as Extract<Tree, { t: 'obj' }>;
    const e = o.entries[x.index!]!;
    const from = e[0];
    const pool = r.int(3);
    e[0] = pool === 0 ? r.pick(PROTOTYPE_KEYS) : pool === 1 ? r.pick(FIELDS) : r.pick(hostileStrings(file)).slice(0, r.chance(0.9) ? 2000 : 40_000);
    if (r.chance(0.1)) e[0] = from.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    return `renameKey ${JSON.stringify(from).slice(0, 40)} -> ${JSON.stringify(e[0]).slice(0, 40)}`;
  },
  addKey(root, r, file) {
    const s = slots(root).filter((x) => x.get().t === 'obj');
    const x = r.pick(s).get() as Extract<Tree, { t: 'obj' }>;
    const key = r.chance(0.4) ? r.pick(PROTOTYPE_KEYS) : r.chance(0.5) ? r.pick(FIELDS) : r.pick(hostileStrings(file)).slice(0, 1100);
    const value: Tree =
      key === '__proto__' || key === 'constructor' || key === 'prototype'
        ? r.chance(0.5)
          ? { t: 'obj', entries: [['namespace', { t: 'str', v: 'polluted' }], ['polluted', { t: 'bool', v: true }], ['prototype', { t: 'obj', entries: [['polluted', { t: 'str', v: 'yes' }]] }]] }
          : randomValue(r, file)
        : randomValue(r, file);
    x.entries.splice(r.int(x.entries.length + 1), 0, [key, value]);
    return `addKey ${JSON.stringify(key).slice(0, 40)}`;
  },
  swapType(root, r, file) {
    const s = slots(root).slice(1);
    const x = r.pick(s);
    const was = x.get();
    let now: Tree;
    switch (was.t) {
      case 'str':
        now = r.chance(0.5) && /^-?\d+(\.\d+)?$/.test(was.v) ? { t: 'num', v: Number(was.v) } : r.pick<Tree>([{ t: 'arr', items: [was] }, { t: 'obj', entries: [] }, { t: 'null' }, { t: 'bool', v: true }, { t: 'num', v: 1 }]);
        break;
      case 'num':
        now = r.chance(0.5) ? { t: 'str', v: was.raw ?? String(was.v) } : r.pick<Tree>([{ t: 'bool', v: false }, { t: 'null' }, { t: 'arr', items: [was] }]);
        break;
      case 'obj':
        now = r.pick<Tree>([{ t: 'arr', items: [was] }, { t: 'str', v: 'x' }, { t: 'null' }, { t: 'arr', items: was.entries.map((e) => e[1]) }, { t: 'obj', entries: [] }]);
        break;
      case 'arr':
        now = r.chance(0.5) && was.items.length > 0 ? was.items[0]! : r.pick<Tree>([{ t: 'obj', entries: [] }, { t: 'str', v: 'x' }, { t: 'arr', items: [] }, { t: 'arr', items: [was] }]);
        break;
      default:
        now = randomValue(r, file);
    }
    x.set(now);
    return `swapType ${was.t} -> ${now.t}`;
  },
  hostileString(root, r, file) {
    const s = slots(root).slice(1);
    const strings = s.filter((x) => x.get().t === 'str');
    const x = r.pick(strings.length > 0 && r.chance(0.8) ? strings : s);
    const v = r.pick(hostileStrings(file));
    x.set({ t: 'str', v });
    return `hostileString ${JSON.stringify(v.slice(0, 30))}${v.length > 30 ? `…(${v.length})` : ''}`;
  },
  hostileNumber(root, r) {
    const s = slots(root).slice(1);
    const numbers = s.filter((x) => x.get().t === 'num');
    const x = r.pick(numbers.length > 0 && r.chance(0.8) ? numbers : s);
    const n = hostileNumber(r);
    x.set(n);
    return `hostileNumber ${(n as { raw: string }).raw}`;
  },
  /** A hostile string where any string goes (so the spec stays valid, and render shows it). */
  freeText(root, r, file) {
    const free = slots(root).filter((x) => x.get().t === 'str' && FREE_TEXT.some((re) => re.test(x.path.join('/'))));
    if (free.length === 0) return 'freeText (none)';
    const x = r.pick(free);
    const v = r.pick(hostileStrings(file));
    x.set({ t: 'str', v });
    return `freeText ${x.path.join('/')} = ${JSON.stringify(v.slice(0, 30))}${v.length > 30 ? `…(${v.length})` : ''}`;
  },
  deepNest(root, r) {
    const x = r.pick(slots(root).slice(1));
    const depth = r.pick([10, 60, 62, 63, 64, 65, 70, 200, 1000]);
    x.set(nested(depth, r));
    return `deepNest ${depth} at depth ${x.depth}`;
  },
  wide(root, r) {
    const x = r.pick(slots(root).slice(1));
    const n = r.pick([1000, 49_990, 50_001]);
    x.set(r.chance(0.5) ? { t: 'arr', items: Array.from({ length: n }, (_, i) => ({ t: 'num', v: i })) } : { t: 'obj', entries: Array.from({ length: n }, (_, i) => [`k${i}`, { t: 'str', v: 'v' }]) });
    return `wide ${n}`;
  },
  wrap(root, r) {
    const x = r.pick(slots(root));
    const was = x.get();
    x.set(r.chance(0.5) ? { t: 'arr', items: [was] } : { t: 'obj', entries: [[r.pick(FIELDS), was]] });
    return `wrap at depth ${x.depth}`;
  },
};

// How often each is picked: a wide tree costs a second a case, so it is rare.
const WEIGHTS: Record<keyof typeof TREE_MUTATIONS, number> = {
  deleteKey: 6,
  duplicateKey: 4,
  renameKey: 6,
  addKey: 6,
  swapType: 6,
  hostileString: 8,
  hostileNumber: 5,
  freeText: 10,
  deepNest: 2,
  wide: 0.15,
  wrap: 3,
};
const WEIGHTED: string[] = Object.entries(WEIGHTS).flatMap(([name, w]) => Array<string>(Math.round(w * 20)).fill(name));

type TextMutation = (text: string, r: Rng, format: 'json' | 'yaml', file: string) => { text: string; what: string };

const TEXT_MUTATIONS: Record<string, TextMutation> = {
  truncate(text, r) {
    const at = r.int(text.length + 1);
    return { text: text.slice(0, at), what: `truncate at ${at}` };
  },
  insert(text, r, _format, file) {
    const at = r.int(text.length + 1);
    const bits = ['{', '}', '[', ']', ',', ':', '"', "'", '\n', '\r', '\t', ' ', '#', '- ', '? ', '&', '*', '!', '|', '>', '%', '@', '`', '\\', '\u001b[1m', '\u0085', '\u2028', '\ufeff', '/*', '//', `\n${file}:1:1: forged\n`];
    const bit = r.pick(bits);
    return { text: text.slice(0, at) + bit + text.slice(at), what: `insert ${JSON.stringify(bit)} at ${at}` };
  },
  deleteRange(text, r) {
    const at = r.int(text.length + 1);
    const n = 1 + r.int(20);
    return { text: text.slice(0, at) + text.slice(at + n), what: `delete ${n} at ${at}` };
  },
  duplicateLine(text, r) {
    const lines = text.split('\n');
    const i = r.int(lines.length);
    lines.splice(i, 0, lines[i]!);
    return { text: lines.join('\n'), what: `duplicate line ${i + 1}` };
  },
  swapLines(text, r) {
    const lines = text.split('\n');
    const i = r.int(lines.length);
    const j = r.int(lines.length);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return { text: lines.join('\n'), what: `swap lines ${i + 1} and ${j + 1}` };
  },
  lineEndings(text, r) {
    const how = r.pick(['\r\n', '\r', '\u2028', '\u0085']);
    return { text: text.replace(/\n/g, how), what: `line endings ${JSON.stringify(how)}` };
  },
  bom(text) {
    return { text: `\ufeff${text}`, what: 'BOM' };
  },
  yamlOnly(text, r, format) {
    if (format !== 'yaml') return { text: `${text}${r.pick(['NaN', 'Infinity', '{"a": 1}', '[]', ' garbage', '\u0000'])}`, what: 'json tail' };
    const lines = text.split('\n');
    const i = r.int(Math.max(1, lines.length - 1));
    const line = lines[i] ?? '';
    const m = /^(\s*(?:- )?[^:#]+:)( .*)?$/.exec(line);
    const choice = r.int(9);
    if (choice === 0 && m) {
      const tag = r.pick(['!!binary', '!!set', '!!omap', '!!timestamp', '!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq', '!custom', '!<tag:yaml.org,2002:str>', '!!js/function', '!!python/object:os.system', '!\u001b[31m']);
      lines[i] = `${m[1]} ${tag}${m[2] ?? ''}`;
      return { text: lines.join('\n'), what: `tag ${tag} on line ${i + 1}` };
    }
    if (choice === 1 && m) {
      lines[i] = `${m[1]} &anchor${m[2] ?? ''}`;
      const j = r.int(lines.length);
      const n = /^(\s*(?:- )?[^:#]+:)( .*)?$/.exec(lines[j] ?? '');
      if (n) lines[j] = `${n[1]} *anchor`;
      return { text: lines.join('\n'), what: `anchor on line ${i + 1}, alias on ${j + 1}` };
    }
    if (choice === 2) {
      const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let k = 0; k < 9; k++) laughs.push(`${String.fromCharCode(98 + k)}: &${String.fromCharCode(98 + k)} [*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)},*${String.fromCharCode(97 + k)}]`);
      return { text: `${text}pod_spec:\n${laughs.map((l) => `  ${l}`).join('\n')}\n`, what: 'billion laughs' };
    }
    if (choice === 3) return { text: `base: &base\n  x: 1\n${text}merged:\n  <<: *base\n`, what: 'merge key' };
    if (choice === 4) return { text: `%YAML 1.1\n---\n${text}`, what: 'YAML 1.1 directive' };
    if (choice === 5) return { text: `%TAG ! tag:example.com,2000:\n---\n${text}`, what: 'TAG directive' };
    if (choice === 6) return { text: `${text}---\n${r.pick(['', '~', 'null', '[]', '{}', 'x', text])}\n...\n`, what: 'another document' };
    if (choice === 7) return { text: `? [complex, key]\n: value\n${text}`, what: 'complex key' };
    lines.splice(i, 0, r.pick(['  ', '\t', '- ', '---', '...', '#', '!!', '&x', '*x', '? ', ': ', '|', '>-']));
    return { text: lines.join('\n'), what: `yaml line at ${i + 1}` };
  },
};

// ---------------------------------------------------------------------------------------------------
// Cases.

export interface FuzzCase {
  seed: number;
  index: number;
  /** The spec's file name (in the case's folder), or `-` for stdin. */
  file: string;
  bytes: Buffer;
  /** Flags given to every command of the case (besides -f). */
  flags: string[];
  /** Flags only render gets (-n). */
  renderFlags: string[];
  /** What was done, for the report. */
  steps: string[];
}

const FLAG_CHOICES: (() => string[])[] = [
  () => ['--follow'],
  () => ['--no-follow'],
  () => ['--pachctl-version', '2.9.0'],
  () => ['--pachctl-image', 'mirror.example.com/pachctl:2.11.6'],
  () => ['--pachd-address', 'http://pachd.pachyderm:30650'],
  () => ['--pachyderm-namespace', 'pachyderm'],
  () => ['--pachyderm-auth-secret', 'pach-token:auth-token'],
  () => ['--name', 'named-by-flag'],
];

export function generateCase(seed: number, index: number): FuzzCase {
  const r = rng(caseSeed(seed, index));
  const base = r.pick(bases());
  const root = { tree: clone(base.tree) };
  const steps = [`base ${base.name}`];
  const stem = caseFileName(r);
  const fileName = `${stem}.${base.format === 'json' ? 'json' : r.chance(0.8) ? 'yaml' : 'yml'}`;
  const n = r.chance(0.1) ? 0 : 1 + r.int(r.chance(0.2) ? 6 : 3);
  // A quarter of the cases stay valid but for what they say: hostile text where any text goes.
  const gentle = r.chance(0.25);
  for (let i = 0; i < n; i++) {
    const name = gentle ? 'freeText' : r.pick(WEIGHTED);
    steps.push(TREE_MUTATIONS[name]!(root, r, fileName));
  }
  let text: string;
  if (base.format === 'yaml' && base.multi && root.tree.t === 'arr' && r.chance(0.7)) {
    text = root.tree.items.map((t) => toYamlText(t, r)).join('---\n');
  } else {
    text = base.format === 'json' ? toJsonText(root.tree, r, r.chance(0.8)) : toYamlText(root.tree, r);
  }
  if (!gentle && r.chance(0.35)) {
    const textNames = Object.keys(TEXT_MUTATIONS);
    for (let i = 0, m = 1 + r.int(2); i < m; i++) {
      const done = TEXT_MUTATIONS[r.pick(textNames)]!(text, r, base.format, fileName);
      text = done.text;
      steps.push(done.what);
    }
  }
  let bytes = Buffer.from(text, 'utf8');
  if (r.chance(0.03)) {
    const bad = r.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82]]);
    const at = r.int(bytes.length + 1);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
    steps.push(`bytes ${bad.map((b) => b.toString(16)).join(' ')} at ${at}`);
  }
  const flags: string[] = [];
  for (const choice of FLAG_CHOICES) if (r.chance(0.06)) flags.push(...choice());
  // Now and then a hostile --name: a positioned spec error, or a usage error, for validate and render alike.
  // (Not --help: help wins over everything, and prints it.)
  if (!flags.includes('--name') && r.chance(0.03)) flags.push('--name', r.pick(hostileStrings(fileName).filter((x) => x !== '--help')));
  const stdin = r.chance(0.1);
  if (stdin && !flags.includes('--name') && r.chance(0.7)) flags.push('--name', 'from-stdin');
  const renderFlags = r.chance(0.15) ? ['-n', r.pick(['team-a', 'default', 'x'])] : [];
  return { seed, index, file: stdin ? '-' : fileName, bytes, flags, renderFlags, steps };
}

// ---------------------------------------------------------------------------------------------------
// Checks.

/** What JavaScript's base prototypes hold, to see that no case changed them. */
export function prototypeSnapshot(): Map<string, unknown> {
  const snap = new Map<string, unknown>();
  for (const [name, proto] of [['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype], ['String', String.prototype]] as const) {
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      snap.set(`${name}.${String(key)}`, d.value ?? d.get ?? d.set);
    }
    snap.set(`${name} extensible`, Object.isExtensible(proto));
  }
  snap.set('Object.prototype prototype', Object.getPrototypeOf(Object.prototype));
  return snap;
}

const PROBES = ['namespace', 'name', 'polluted', 'image', 'pipeline', 'service', 'spec', 'metadata', 'labels', 'annotations', 'x', 'a', 'k0', 'prototype'];

export function prototypeProblems(before: Map<string, unknown>): string[] {
  const problems: string[] = [];
  const now = prototypeSnapshot();
  for (const [k, v] of now) if (!before.has(k)) problems.push(`${k} was added`);
  for (const [k, v] of before) if (now.get(k) !== v) problems.push(`${k} was changed or removed`);
  const probe = {} as Record<string, unknown>;
  for (const p of [...PROBES, ...FIELDS]) if (probe[p] !== undefined) problems.push(`({}).${p} is ${String(probe[p])}`);
  if (([] as unknown as Record<string, unknown>).polluted !== undefined) problems.push('[].polluted is set');
  return problems;
}

// Raw characters a terminal acts on: C0 but \n, DEL, C1, the line and paragraph separators, bidi
// controls and invisible formatting characters that quote() escapes.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]/;

export interface CommandResult extends TestRun {
  argv: string[];
  ms: number;
}

/** The problems of one command's result, judged alone. */
export function resultProblems(r: CommandResult, shownFile: string): string[] {
  const problems: string[] = [];
  const name = r.argv.slice(0, 3).join(' ');
  if (![0, 1, 2].includes(r.code)) problems.push(`${name}: exit code ${r.code}`);
  if (r.code !== 0 && r.stdout !== '') problems.push(`${name}: exit ${r.code} with ${r.stdout.length} characters on stdout`);
  if (!wellFormed(r.stderr)) problems.push(`${name}: stderr has a lone surrogate`);
  if (!wellFormed(r.stdout)) problems.push(`${name}: stdout has a lone surrogate`);
  if (r.stderr !== '' && !r.stderr.endsWith('\n')) problems.push(`${name}: stderr does not end with a newline`);
  const lines = r.stderr === '' ? [] : r.stderr.replace(/\n$/, '').split('\n');
  const positioned = new RegExp(`^${escapeRegExp(shownFile)}:(\\d+):(\\d+): (warning: )?(.*)$`);
  let errors = 0;
  let usage = 0;
  for (const line of lines) {
    const bad = RAW_CONTROL.exec(line);
    if (bad) problems.push(`${name}: raw U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} on stderr: ${JSON.stringify(line.slice(0, 160))}`);
    if (/^\s+at /.test(line)) problems.push(`${name}: stack trace line on stderr: ${JSON.stringify(line.slice(0, 160))}`);
    if (/^\w*Error\b/.test(line)) problems.push(`${name}: "Error" line on stderr: ${JSON.stringify(line.slice(0, 160))}`);
    if (/\[object Object\]|\bundefined\b(?!")|\bNaN\b(?!")/.test(line.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) problems.push(`${name}: a value printed as [object Object]/undefined/NaN: ${JSON.stringify(line.slice(0, 160))}`);
    if (line.length > 2000) problems.push(`${name}: a ${line.length}-character line on stderr`);
    const m = positioned.exec(line);
    if (m) {
      if (Number(m[1]) < 1 || Number(m[2]) < 1) problems.push(`${name}: position ${m[1]}:${m[2]} is not 1-based`);
      if (!m[3]) errors++;
      if (m[4] === '') problems.push(`${name}: empty message: ${JSON.stringify(line)}`);
      continue;
    }
    if (/^error: /.test(line)) {
      // The few problems a source has before it is a spec: none has a position to give.
      if (/^error: (.* is not text \(it holds NUL bytes\)|.* is larger than \d+ MiB|cannot read )/.test(line)) errors++;
      else if (r.code === 2) usage++;
      else problems.push(`${name}: an unpositioned error line: ${JSON.stringify(line.slice(0, 200))}`);
      continue;
    }
    if (r.code === 2 && /^See 'pachsvc (\w+ )?--help' for usage\.$/.test(line)) continue;
    problems.push(`${name}: a stderr line that is neither positioned nor an error: ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (r.code === 1 && errors === 0) problems.push(`${name}: exit 1 without an error line`);
  if (r.code === 0 && errors > 0) problems.push(`${name}: exit 0 with ${errors} error lines`);
  if (r.code === 2 && (usage !== 1 || lines.length !== 2)) problems.push(`${name}: a usage error is one error line and the hint, not ${JSON.stringify(r.stderr.slice(0, 300))}`);
  return problems;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function wellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Keys in order, values compared exactly (JSON's and YAML's numbers are both JavaScript numbers). */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

export interface CaseOutcome {
  c: FuzzCase;
  /** Exit code of validate, render, render -o json (validate -o json is checked against validate). */
  codes: number[];
  problems: string[];
  ms: number;
  /** The first stderr line of validate (for the distribution of outcomes). */
  first: string;
}

/** Runs one case's commands in process and checks them. `dir` is a folder the case may write in. */
export async function runCase(c: FuzzCase, dir: string): Promise<CaseOutcome> {
  const started = performance.now();
  const before = prototypeSnapshot();
  const problems: string[] = [];
  let path = '-';
  const caseDir = join(dir, `c${c.index}`);
  if (c.file !== '-') {
    mkdirSync(caseDir, { recursive: true });
    path = join(caseDir, c.file);
    writeFileSync(path, c.bytes);
  }
  const stdin = c.file === '-' ? c.bytes.toString('utf8') : undefined;
  const shown = c.file === '-' ? '<stdin>' : path;
  const run = async (argv: string[]): Promise<CommandResult> => {
    const t0 = performance.now();
    let r: TestRun;
    try {
      r = await runIn(argv, stdin !== undefined ? { stdin } : {});
    } catch (err) {
      // runWith must never throw: every failure is a line and an exit code.
      r = { code: -1, stdout: '', stderr: `threw: ${(err as Error)?.stack ?? String(err)}` };
      problems.push(`${argv.slice(0, 3).join(' ')}: threw ${(err as Error)?.message ?? String(err)}`);
    }
    const result = { ...r, argv, ms: performance.now() - t0 };
    const polluted = prototypeProblems(before);
    if (polluted.length > 0) problems.push(`${argv[0]}: prototypes changed: ${polluted.join('; ')}`);
    return result;
  };
  try {
    const validate = await run(['validate', '-f', path, ...c.flags]);
    const validateJson = await run(['validate', '-f', path, ...c.flags, '-o', 'json']);
    const yaml = await run(['render', '-f', path, ...c.flags, ...c.renderFlags]);
    const json = await run(['render', '-f', path, ...c.flags, ...c.renderFlags, '-o', 'json']);
    for (const r of [validate, yaml, json]) problems.push(...resultProblems(r, shown));
    problems.push(...validateJsonProblems(validate, validateJson, shown));
    if ((validate.code === 0) !== (yaml.code === 0) || validate.code !== yaml.code) problems.push(`validate exits ${validate.code}, render ${yaml.code}`);
    if (yaml.code !== json.code) problems.push(`render exits ${yaml.code}, render -o json ${json.code}`);
    if (yaml.stderr !== json.stderr) problems.push('render and render -o json say different things on stderr');
    if (yaml.code === 0 && json.code === 0) {
      let items: unknown[] | undefined;
      try {
        const list = JSON.parse(json.stdout) as { apiVersion?: string; kind?: string; items?: unknown[] };
        if (list.kind !== 'List' || !Array.isArray(list.items)) problems.push('render -o json is not a List');
        else items = list.items;
      } catch (err) {
        problems.push(`render -o json is not JSON: ${(err as Error).message}`);
      }
      const docs = parseAllDocuments(yaml.stdout, { schema: 'core', version: '1.2' });
      const list = Array.isArray(docs) ? docs : [docs];
      const errors = list.flatMap((d) => [...d.errors, ...d.warnings]);
      if (errors.length > 0) problems.push(`render's YAML does not read back: ${errors[0]!.message.split('\n')[0]}`);
      else if (items) {
        const fromYaml = list.map((d) => d.toJS({ maxAliasCount: 0 }) as unknown);
        if (fromYaml.length !== items.length) problems.push(`render printed ${fromYaml.length} YAML documents and ${items.length} JSON items`);
        else {
          for (const [i, doc] of fromYaml.entries()) {
            if (!sameJson(doc, items[i])) problems.push(`render's YAML document ${i + 1} reads back as something else than -o json item ${i + 1}: ${firstDifference(doc, items[i])}`);
          }
        }
      }
    }
    const ms = performance.now() - started;
    return { c, codes: [validate.code, yaml.code, json.code], problems, ms, first: validate.stderr.split('\n')[0] ?? '' };
  } finally {
    if (c.file !== '-') rmSync(caseDir, { recursive: true, force: true });
  }
}

/**
 * `validate -o json` says what `validate` says: the same exit code, and (for a spec, not a source that
 * cannot be read) its diagnostics are the lines `validate` printed, in order; `valid` is the exit code.
 */
function validateJsonProblems(text: CommandResult, json: CommandResult, shown: string): string[] {
  const problems: string[] = [];
  if (json.code !== text.code) problems.push(`validate exits ${text.code}, validate -o json ${json.code}`);
  if (text.code === 2 || /^error: /m.test(text.stderr)) {
    // A usage error or an unreadable source: said the same way, nothing on stdout.
    if (json.stderr !== text.stderr || json.stdout !== '') problems.push('validate -o json does not say what validate says of an unreadable source or a usage error');
    return problems;
  }
  let result: { valid?: unknown; diagnostics?: { file: string; line: number; column: number; severity: string; message: string }[] };
  try {
    result = JSON.parse(json.stdout);
  } catch (err) {
    return [...problems, `validate -o json is not JSON: ${(err as Error).message}`];
  }
  if (result.valid !== (text.code === 0)) problems.push(`validate -o json says valid: ${String(result.valid)}, validate exits ${text.code}`);
  if (json.stderr !== '') problems.push(`validate -o json writes on stderr: ${JSON.stringify(json.stderr.slice(0, 200))}`);
  const lines = text.stderr === '' ? [] : text.stderr.replace(/\n$/, '').split('\n');
  const said = (result.diagnostics ?? []).map((d) => `${d.file === '<stdin>' ? '<stdin>' : shown}:${d.line}:${d.column}: ${d.severity === 'warning' ? 'warning: ' : ''}`);
  if (said.length !== lines.length) problems.push(`validate printed ${lines.length} lines, validate -o json has ${said.length} diagnostics`);
  else {
    for (const [i, prefix] of said.entries()) {
      if (!lines[i]!.startsWith(prefix)) problems.push(`validate's line ${i + 1} is not diagnostic ${i + 1} of -o json: ${JSON.stringify(lines[i]!.slice(0, 120))} vs ${JSON.stringify(prefix)}`);
    }
  }
  return problems;
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (a === b) return '(none)';
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return `${path || '/'}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.join('\0') !== kb.join('\0')) return `${path || '/'}: keys ${JSON.stringify(ka).slice(0, 120)} vs ${JSON.stringify(kb).slice(0, 120)}`;
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${path}/${k}`);
  }
  return `${path || '/'}: prototypes differ`;
}

// ---------------------------------------------------------------------------------------------------
// A run of many cases.

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** The first case's index (to run one case: first = N, cases = 1). */
  first?: number;
  dir: string;
  /** Called after every case (progress, saving failing inputs). */
  onCase?: (o: CaseOutcome) => void;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  failures: CaseOutcome[];
  /** How many cases ended with each exit code of validate. */
  exits: Record<string, number>;
  slowest: CaseOutcome[];
  ms: number;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const failures: CaseOutcome[] = [];
  const exits: Record<string, number> = Object.create(null);
  let slowest: CaseOutcome[] = [];
  const first = options.first ?? 0;
  for (let i = first; i < first + options.cases; i++) {
    const o = await runCase(generateCase(options.seed, i), options.dir);
    exits[o.codes.join('/')] = (exits[o.codes.join('/')] ?? 0) + 1;
    if (o.problems.length > 0) failures.push(o);
    slowest = [...slowest, o].sort((a, b) => b.ms - a.ms).slice(0, 5);
    options.onCase?.(o);
  }
  return { seed: options.seed, cases: options.cases, failures, exits, slowest, ms: performance.now() - started };
}

/** A failing case in a few lines: how to run it again, what was done, what went wrong. */
export function describeFailure(o: CaseOutcome): string {
  return [
    `case ${o.c.index} of seed ${o.c.seed} (rerun: node --import tsx scripts/fuzz.mjs --seed ${o.c.seed} --case ${o.c.index})`,
    `  steps: ${o.c.steps.join('; ')}`,
    `  flags: ${JSON.stringify(o.c.flags)}${o.c.renderFlags.length ? ` render: ${JSON.stringify(o.c.renderFlags)}` : ''}, file ${JSON.stringify(o.c.file)}, exits ${o.codes.join('/')}`,
    ...o.problems.slice(0, 8).map((p) => `  - ${p}`),
  ].join('\n');
}
