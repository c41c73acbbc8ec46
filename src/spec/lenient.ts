// Pachyderm's leniency, matched, so a spec pachctl takes is taken here too (src/internal/ppsutil/decoder.go
// reads specs with protojson; src/server/pps/server/api_server.go fills in defaults):
//   - a number written as a string ("8888", "1e3") is a number, wherever a number is wanted (protojson);
//   - null is the same as an absent field (protojson; done in normalize());
//   - spout.service is a service (Pachyderm 1.9.1+ runs a spout with a service section);
//   - a transform without an image runs Pachyderm's default image (setPipelineDefaults);
//   - a bare number of GPUs (ResourceSpec.gpu of Pachyderm 1.5-1.8) is that many nvidia.com/gpu.
// Each step changes the normalized spec in place, before the schema checks it.
import { isObj, own, type Obj } from '../lib/objects.ts';
import { quote } from '../lib/text.ts';
import { schema } from './generated/validate-service.js';
import { locatedAt } from './locate.ts';
import type { Normalized } from './normalize.ts';
import type { Reporter } from './reporter.ts';

/** pachd's DefaultUserImage (Pachyderm 2.x; 1.x used ubuntu:16.04). */
export const DEFAULT_IMAGE = 'ubuntu:20.04';

/** Whether a spec is a service: it has a service section, or spout.service. Else it is a pipeline for pachctl. */
export function isServiceSpec(spec: unknown): boolean {
  return own(spec, 'service') !== undefined || own(own(spec, 'spout'), 'service') !== undefined;
}

/** The name a spec gives itself, if any. */
export function specName(spec: unknown): string | undefined {
  const name = own(own(spec, 'pipeline'), 'name') ?? own(spec, 'name');
  return typeof name === 'string' ? name : undefined;
}

/** Every lenient reading, in order. Returns true when the spec is a spout's service. */
export function applyLeniency(doc: Normalized, r: Reporter): boolean {
  const spout = liftSpout(doc, r);
  defaultImage(doc, r);
  gpuCounts(doc, r);
  numbersFromStrings(doc.value);
  return spout;
}

/** spout.service becomes the service section; its locations stay those of the file (spout.service.…). */
function liftSpout(doc: Normalized, r: Reporter): boolean {
  const spec = doc.value;
  const spout = own(spec, 'spout');
  if (!isObj(spec) || !isObj(spout) || own(spout, 'service') === undefined) return false;
  if (own(spec, 'service') !== undefined) {
    r.error('/spout/service', `give either ${r.style('service')} or ${r.display('/spout/service')}, not both (Pachyderm refuses both too)`, 'key');
    delete spout.service;
    return false;
  }
  spec.service = spout.service;
  delete spout.service;
  const located = locatedAt(doc, '/spout/service');
  if (located) (doc.root.children ??= new Map()).set('service', located);
  for (const field of ['input', 'inputs']) {
    if (own(spec, field) !== undefined) {
      r.error(
        `/${field}`,
        `${r.display(`/${field}`)}: a spout reads no inputs (Pachyderm never gives them to a spout's code): remove it, or make this a plain service (${r.style('service')} instead of spout.service)`,
        'key',
      );
    }
  }
  r.warn(
    '/spout',
    `${r.display('/spout/service')} runs as a service that can reach pachd (PACHD_ADDRESS); unlike Pachyderm, pachsvc makes no output repo and no output commits for the spout: its code must write to a repo that exists`,
    'key',
  );
  return true;
}

function defaultImage(doc: Normalized, r: Reporter): void {
  const transform = own(doc.value, 'transform');
  if (!isObj(transform)) return;
  const image = own(transform, 'image');
  if (image !== undefined && image !== '') return;
  transform.image = DEFAULT_IMAGE;
  r.warn(
    image === undefined ? '/transform' : '/transform/image',
    `${r.display('/transform')} names no image: pachsvc runs Pachyderm's default image ${quote(DEFAULT_IMAGE)}, as Pachyderm 2.x does (1.x ran ubuntu:16.04); name the image your service needs`,
    image === undefined ? 'key' : 'value',
  );
}

const RESOURCE_FIELDS = ['resource_requests', 'resource_limits', 'sidecar_resource_requests', 'sidecar_resource_limits'];

function gpuCounts(doc: Normalized, r: Reporter): void {
  for (const field of RESOURCE_FIELDS) {
    const resources = own(doc.value, field);
    const gpu = own(resources, 'gpu');
    const count = typeof gpu === 'string' && JSON_NUMBER.test(gpu) ? Number(gpu) : gpu;
    if (!isObj(resources) || typeof count !== 'number') continue;
    resources.gpu = { type: 'nvidia.com/gpu', number: count };
    r.warn(
      `/${field}/gpu`,
      `${r.display(`/${field}/gpu`)} ${quote(String(gpu))} is Pachyderm 1.5-1.8's number of GPUs: pachsvc asks for that many "nvidia.com/gpu" (write {type, number} to name another resource)`,
    );
  }
}

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
type Schema = Record<string, unknown>;
const DEFS = (schema as Schema).$defs as Schema;
const patterns = new Map<string, RegExp>();

function resolve(s: Schema): Schema {
  let current = s;
  for (let i = 0; i < 16 && typeof current.$ref === 'string'; i++) current = DEFS[current.$ref.replace('#/$defs/', '')] as Schema;
  return current;
}

/**
 * protojson reads a JSON string as a number where the proto field is a number ("constant": "1"); so does
 * pachsvc, wherever its schema wants a number. A string that is not a JSON number stays a string, and the
 * schema says what is wrong with it.
 */
export function numbersFromStrings(value: unknown, at: Schema = schema as Schema): unknown {
  const s = resolve(at);
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (typeof value === 'string') {
    if (!types.includes('integer') && !types.includes('number')) return value;
    // A field that takes a string too (cpu: "250m") keeps the strings its pattern accepts.
    if (types.includes('string') && (typeof s.pattern !== 'string' || patternOf(s.pattern).test(value))) return value;
    if (value.length > 40 || !JSON_NUMBER.test(value)) return value;
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if (Array.isArray(value)) {
    if (isObj(s.items)) for (let i = 0; i < value.length; i++) value[i] = numbersFromStrings(value[i], s.items);
    return value;
  }
  if (isObj(value)) {
    const properties = isObj(s.properties) ? s.properties : undefined;
    const extra = isObj(s.additionalProperties) ? s.additionalProperties : undefined;
    for (const key of Object.keys(value)) {
      const sub = properties && Object.hasOwn(properties, key) ? properties[key] : extra;
      if (isObj(sub)) (value as Obj)[key] = numbersFromStrings(value[key], sub);
    }
  }
  return value;
}

function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) patterns.set(source, (re = new RegExp(source, 'u')));
  return re;
}
