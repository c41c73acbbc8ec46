// Structural validation with the JSON Schema in schemas/, compiled ahead of time by ajv (scripts/gen-sources.mjs)
// so that no schema is compiled at start-up. ajv's errors become one plain sentence each.
import { escapeSegment, parsePointer, valueAt } from '../lib/json-pointer.ts';
import { quote } from '../lib/text.ts';
import validateService, { schema } from './generated/validate-service.js';
import type { Diagnostic } from './diagnostics.ts';
import { displayPointer, locate, locatedAt } from './locate.ts';
import { toCamelCase, type Normalized } from './normalize.ts';
import { closest } from './suggest.ts';

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

// Messages for patterns, by the schema location that holds them.
const PATTERN_HINTS: Record<string, string> = {
  '#/$defs/serviceName/pattern': 'is not a valid service name: use letters, digits, "_" and "-", starting with a letter or digit',
  '#/$defs/name/pattern': 'is not a valid Pachyderm name: use letters, digits, "_" and "-"',
  '#/$defs/project/pattern': 'is not a valid Pachyderm project name: use letters, digits, "_" and "-"',
  '#/$defs/k8sName/pattern': 'is not a valid Kubernetes name: use lower-case letters, digits, "-" and "."',
  '#/$defs/quantity/pattern': 'is not a Kubernetes quantity (for example 512Mi, 2Gi or 100M)',
  '#/$defs/resources/properties/cpu/pattern': 'is not an amount of CPU (for example 0.5, 2 or "250m")',
  // ajv's standalone code reports some paths relative to the $def it compiled as a function of its own.
  '#/pattern': 'is not a valid Pachyderm project name: use letters, digits, "_" and "-"', // $defs/project
  '#/properties/cpu/pattern': 'is not an amount of CPU (for example 0.5, 2 or "250m")', // $defs/resources
  '#/properties/transform/properties/user/pattern': 'must be a numeric uid or uid:gid (Kubernetes runs containers by number, not by user name)',
  '#/properties/transform/properties/working_dir/pattern': 'must be an absolute path',
  '#/properties/transform/properties/secrets/items/properties/mount_path/pattern': 'must be an absolute path',
  '#/properties/transform/properties/secrets/items/properties/key/pattern': 'is not a Secret key: letters, digits, "-", "_" and "." (it names a file: no "/")',
};

export function checkSchema(doc: Normalized, file: string): Diagnostic[] {
  if (validateService(doc.value)) return [];
  const errors = (validateService.errors ?? []) as AjvError[];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // A missing field that an unknown one was surely meant to be ("imgae" → "image") is said once, by the hint.
  const meant = new Set(
    errors
      .filter((e) => e.keyword === 'additionalProperties')
      .map((e) => {
        const known = knownFields(e.instancePath);
        return `${e.instancePath}/${closest(String(e.params.additionalProperty), known) ?? ''}`;
      }),
  );
  for (const err of errors) {
    // The rules say what a missing transform or service is for; the schema says it for editors.
    if (err.keyword === 'required' && err.instancePath === '' && ['transform', 'service'].includes(String(err.params.missingProperty))) continue;
    if (err.schemaPath.startsWith('#/anyOf')) continue;
    if (err.keyword === 'required' && meant.has(`${err.instancePath}/${String(err.params.missingProperty)}`)) continue;
    const d = describe(err, doc, file);
    const id = `${d.position.line}:${d.position.column}:${d.message}`;
    if (!seen.has(id)) out.push(d);
    seen.add(id);
  }
  return out;
}

function describe(err: AjvError, doc: Normalized, file: string): Diagnostic {
  const display = displayPointer(doc, err.instancePath) ?? '';
  const name = display || 'the spec';
  const value = valueAt(doc.value, err.instancePath);
  const style = (key: string) => (doc.camelCase ? toCamelCase(key) : key);
  const diag = (message: string, which: 'key' | 'value' = 'value'): Diagnostic => ({
    severity: 'error',
    file,
    message,
    position: locate(doc, err.instancePath, which),
  });

  switch (err.keyword) {
    case 'additionalProperties': {
      const field = String(err.params.additionalProperty);
      const pointer = `${err.instancePath}/${escapeSegment(field)}`;
      const written = locatedAt(doc, pointer)?.written;
      const name = typeof written === 'string' ? written : field;
      const known = knownFields(err.instancePath);
      const guess = closest(name, known.map(style));
      const inWhat = display ? ` in ${display}` : '';
      const hint = guess ? ` (did you mean "${guess}"?)` : '';
      return { ...diag(`unknown field ${quote(name)}${inWhat}${hint}`), position: locate(doc, pointer, 'key') };
    }
    case 'required': {
      const field = style(String(err.params.missingProperty));
      return diag(display ? `${display} is missing the required field "${field}"` : `missing the required field "${field}"`, 'key');
    }
    case 'type': {
      const types = String(err.params.type).split(',');
      return diag(`${name} must be ${types.map(typeWord).join(' or ')}, not ${describeValue(value)}`);
    }
    case 'enum': {
      const allowed = (err.params.allowedValues as unknown[]).map(String);
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      const hint = guess ? ` (did you mean "${guess}"?)` : '';
      return diag(`${name} must be one of ${allowed.join(', ')}, not ${describeValue(value)}${hint}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum': {
      if (err.schemaPath.startsWith('#/$defs/port/')) {
        return diag(`${name} must be a port number from 1 to 65535, not ${describeValue(value)}`);
      }
      const limit = err.params.limit;
      const words = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than' }[err.keyword];
      return diag(`${name} must be ${words} ${limit}, not ${describeValue(value)}`);
    }
    case 'pattern': {
      const hint = PATTERN_HINTS[err.schemaPath] ?? `must match ${String(err.params.pattern)}`;
      return diag(`${name} ${describeValue(value)} ${hint}`);
    }
    case 'minLength':
      return diag(`${name} must not be empty`);
    case 'maxLength':
      return diag(`${name} is longer than ${String(err.params.limit)} characters`);
    case 'minItems':
      return diag(`${name} must not be empty`);
    default:
      return diag(`${name} ${err.message ?? 'is not valid'}`);
  }
}

type Schema = Record<string, unknown>;

/**
 * The fields the schema knows for the object at an instance path. (ajv's schemaPath cannot say: its
 * standalone code reports paths relative to each $def it compiled as a function of its own.)
 */
function knownFields(instancePath: string): string[] {
  const defs = schema.$defs as Schema;
  const resolve = (s: unknown): Schema | undefined => {
    let current = s as Schema | undefined;
    for (let i = 0; i < 16 && typeof current?.$ref === 'string'; i++) current = defs[current.$ref.replace('#/$defs/', '')] as Schema;
    return current;
  };
  let node = resolve(schema);
  for (const segment of parsePointer(instancePath)) {
    if (!node) return [];
    const properties = node.properties as Schema | undefined;
    if (properties && Object.hasOwn(properties, segment)) node = resolve(properties[segment]);
    else if (node.items) node = resolve(node.items);
    else if (node.additionalProperties && typeof node.additionalProperties === 'object') node = resolve(node.additionalProperties);
    else return [];
  }
  return node?.properties ? Object.keys(node.properties) : [];
}

function typeWord(type: string): string {
  return (
    { string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false', object: 'an object', array: 'a list', null: 'null' }[
      type
    ] ?? type
  );
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quote(value);
  return String(value);
}
