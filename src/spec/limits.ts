// How big a spec file may be before pachsvc stops reading it. Far above anything a person writes (the
// largest real specs have a few hundred values and a handful of levels), far below what would make
// reading it slow: a file beyond a limit gets one positioned error, found in time linear in its size.
export const LIMITS = {
  /** Levels of nested maps and lists, the spec itself being level 1. */
  depth: 64,
  /** Keys, values and list items in one file, all specs together. */
  values: 50_000,
  /** Characters in one key. Kubernetes' longest keys (label and annotation keys) have 317. */
  keyLength: 1024,
  /**
   * Characters in one value. Every value ends up in the pachsvc.io/spec annotation, and Kubernetes keeps
   * at most 256 KiB of annotations per object.
   */
  valueLength: 256 * 1024,
  /** Problems reported for one file; the rest are counted. */
  diagnostics: 100,
} as const;

/** Kubernetes' limit on all of an object's annotations together (keys and values, in bytes). */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;
