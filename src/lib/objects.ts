// Walking values that came from users (specs, kubeconfigs, API answers): plain objects only, own
// properties only, and never a key that reaches Object.prototype.

export type Obj = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keys that, written as `o[key] = …`, change a prototype instead of the object. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.has(key);
}

/** o[key], only when o has it as its own property (so `toString` or `constructor` is never found). */
export function own(o: unknown, key: string): unknown {
  return isObj(o) && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** An object without a prototype, for maps keyed by user text. */
export function dict<T>(entries?: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}
