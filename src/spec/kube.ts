// What Kubernetes (the API server, or the kubelet and its container runtime) accepts as a label key or
// value, an environment variable name, a Secret key or an image reference. Each check says why a value
// is refused, or returns undefined. Lengths are checked before any pattern, so a huge value costs nothing.

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A DNS subdomain (RFC 1123), as Kubernetes object names and key prefixes are. */
export function isDnsSubdomain(text: string): boolean {
  return text.length > 0 && text.length <= 253 && DNS_SUBDOMAIN.test(text);
}

/** A label, annotation, node selector or toleration key: `[prefix/]name` (Kubernetes' qualified name). */
export function qualifiedNameProblem(key: string): string | undefined {
  if (key.length === 0) return 'a key cannot be empty';
  if (key.length > 253 + 1 + 63) return `it is ${key.length} characters long (at most a 253-character prefix, "/" and a 63-character name)`;
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) {
    return 'its prefix (before "/") must be a DNS subdomain: lower-case letters, digits, "-" and ".", at most 253 characters';
  }
  if (name.length > 63) return `its name (after the prefix) is ${name.length} characters long, and Kubernetes allows 63`;
  if (!NAME_PART.test(name)) {
    return 'use an optional DNS prefix and "/", then letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** A label or node selector value. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `it is ${value.length} characters long, and Kubernetes allows 63`;
  if (!LABEL_VALUE.test(value)) return 'use letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/**
 * An environment variable name, as the API server takes it (Kubernetes 1.34+; earlier releases are
 * stricter): printable ASCII, not empty, no "=".
 */
export function envNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an environment variable name cannot be empty';
  if (name.includes('=')) return 'an environment variable name cannot contain "="';
  if (!/^[\x20-\x7e]+$/.test(name)) return 'an environment variable name is printable ASCII: no control characters, line breaks or other characters';
  return undefined;
}

/** A key of a Secret (or ConfigMap): it becomes a file name, so no "/" and no "." or "..". */
export function secretKeyProblem(key: string): string | undefined {
  if (key.length > 253) return `it is ${key.length} characters long, and Kubernetes allows 253`;
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return 'a Secret key is letters, digits, "-", "_" and "." (it names a file: no "/")';
  if (key === '.' || key === '..' || key.startsWith('..')) return 'a Secret key cannot be "." or ".." or start with ".."';
  return undefined;
}

// Docker's reference grammar (github.com/distribution/reference, regexp.go), which the kubelet and every
// container runtime parse image names with.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** Whitespace, controls, and characters that show as nothing (zero-width, BOM, bidi controls). */
const INVISIBLE = /[\s\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;

/** An image reference the container runtime can pull: `[registry/]path[:tag][@digest]`. */
export function imageProblem(image: string): string | undefined {
  if (image.length > 512) return `it is ${image.length} characters long; an image reference is at most a few hundred`;
  const invisible = INVISIBLE.exec(image);
  if (invisible) {
    const code = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `it contains ${/\s/.test(invisible[0]) && invisible[0] !== '\ufeff' ? 'whitespace' : 'an invisible character'} (U+${code}), which no registry name has`;
  }
  const match = REFERENCE.exec(image);
  if (!match) {
    if (REFERENCE.test(image.toLowerCase())) return 'repository names are lower case';
    return 'it is not an image reference ([registry/]name[:tag][@digest], e.g. python:3.12 or ghcr.io/org/app@sha256:…)';
  }
  if (match[1]!.length > 255) return `its name is ${match[1]!.length} characters long, and registries allow 255`;
  return undefined;
}
