// Reading the specs that -f names: files (several specs each), folders of them (-R to recurse), or stdin;
// every source capped in size and refused unless it is a regular file or a pipe. A pipe (stdin, a FIFO,
// `<(…)`) is read as events arrive, never with a blocking read: an endless one stops at the cap, a silent
// one is waited for as `cat` would, and Ctrl-C or a deadline can always end the wait. Then loading them
// (spec/), each error at its file:line:col, and rendering each service with the flags' options.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderWithNotes, RenderError, type KubeObject, type RenderOptions } from '../render/index.ts';
import { SpecError, sortDiagnostics, type Diagnostic } from '../spec/diagnostics.ts';
import { loadSpecs, STDIN_FILE, type LoadedFile, type LoadedSpec } from '../spec/load.ts';
import { readCapped, ReadCappedError } from '../lib/read.ts';
import { quote, safeText } from '../lib/text.ts';
import { filenames, type SpecFlags } from './flags/spec.ts';
import { UsageError } from './output/errors.ts';
import { printDiagnostics } from './output/diagnostics.ts';
import type { IOStreams } from './output/iostreams.ts';

/** A spec is small; a file bigger than this is not one (and is never read whole). */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
const MAX_FILES = 10_000;
const MAX_FOLDER_DEPTH = 32;
const SPEC_FILE = /\.(json|ya?ml)$/i;

/** A source that cannot be read as a spec: one line, exit 1. */
export class SourceError extends Error {}

export interface SpecSource {
  /** The name messages use: the path, or `<stdin>`. */
  file: string;
  text: string;
}

export interface Loaded extends LoadedSpec {
  file: string;
}

/** Reads every source -f names, in order (a folder's files sorted by name). */
export async function readSources(flags: SpecFlags, io: IOStreams, command: string): Promise<SpecSource[]> {
  const sources: SpecSource[] = [];
  for (const name of filenames(flags, command)) {
    if (name === '-') sources.push({ file: STDIN_FILE, text: await readStdin(io, command) });
    else await readPath(name, flags.recursive === true, sources, 0);
    if (sources.length > MAX_FILES) throw new SourceError(`-f names more than ${MAX_FILES} spec files`);
  }
  return sources;
}

async function readPath(path: string, recursive: boolean, out: SpecSource[], depth: number, inFolder = false): Promise<void> {
  let kind: 'file' | 'pipe' | 'dir' | 'other';
  try {
    const st = statSync(path);
    kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isFIFO() ? 'pipe' : 'other';
  } catch (err) {
    throw new SourceError(`cannot read ${quote(path)}: ${why(err)}`);
  }
  if (kind === 'other') throw new SourceError(`cannot read ${quote(path)}: it is not a regular file, a folder or a pipe`);
  // A folder holds spec files; a pipe among them (a link to one) would wait for a writer: name it with -f.
  if (kind === 'pipe' && inFolder) throw new SourceError(`cannot read ${quote(path)}: it is a pipe, and only regular files are read from a folder (name a pipe with -f)`);
  if (kind === 'file' || kind === 'pipe') {
    out.push({ file: path, text: await readSource(path) });
    return;
  }
  if (depth > MAX_FOLDER_DEPTH) throw new SourceError(`cannot read ${quote(path)}: folders nested more than ${MAX_FOLDER_DEPTH} deep`);
  const before = out.length;
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const child = join(path, e.name);
    if (e.isDirectory()) {
      // As kubectl's -R: subfolders only when asked, and never through a symbolic link (no loops).
      if (recursive) await readPath(child, true, out, depth + 1);
    } else if (SPEC_FILE.test(e.name) && (e.isFile() || e.isSymbolicLink())) {
      await readPath(child, false, out, depth + 1, true);
    }
    if (out.length > MAX_FILES) return;
  }
  if (depth === 0 && out.length === before) {
    throw new SourceError(`${quote(path)} holds no .json, .yaml or .yml files${recursive ? '' : ' (-R reads its subfolders too)'}`);
  }
}

/** A regular file or a pipe -f names, capped (lib/read.ts: a pipe is read without blocking). */
async function readSource(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readCapped(path, MAX_SOURCE_BYTES);
  } catch (err) {
    if (err instanceof ReadCappedError && err.problem === 'too-big') throw tooBig(quote(path));
    if (err instanceof ReadCappedError) throw new SourceError(`cannot read ${quote(path)}: it is not a regular file, a folder or a pipe`);
    throw new SourceError(`cannot read ${quote(path)}: ${why(err)}`);
  }
  return decode(bytes, quote(path));
}

async function readStdin(io: IOStreams, command: string): Promise<string> {
  if (io.stdinIsTTY) throw new UsageError('-f - reads specs from stdin, but stdin is a terminal: pipe a spec in, or name a file', command);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    total += b.length;
    if (total > MAX_SOURCE_BYTES) {
      (io.stdin as NodeJS.ReadStream).destroy?.();
      throw tooBig('stdin');
    }
    chunks.push(b);
  }
  return decode(Buffer.concat(chunks), 'stdin');
}

function tooBig(what: string): SourceError {
  return new SourceError(`${what} is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB: a spec is a few kilobytes (is this the right file?)`);
}

function decode(bytes: Buffer, what: string): string {
  if (bytes.includes(0)) throw new SourceError(`${what} is not text (it holds NUL bytes): name a JSON or YAML spec`);
  return bytes.toString('utf8');
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ELOOP') return 'too many symbolic links';
  return safeText(err instanceof Error ? err.message : String(err));
}

/**
 * Loads every spec of every source. A spec error anywhere stops the command before anything is written
 * (every error of every file is printed); two specs naming one service are such an error. Warnings are
 * printed unless quiet.
 */
export async function loadSources(
  sources: SpecSource[],
  flags: SpecFlags,
  io: IOStreams,
  options: { quiet?: boolean; command?: string } = {},
): Promise<{ services: Loaded[]; warnings: Diagnostic[] }> {
  const loaded: Loaded[] = [];
  const problems: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const source of sources) {
    try {
      const file = await loadFile(source, flags, sources.length);
      for (const s of file.specs) {
        loaded.push({ ...s, file: source.file });
        warnings.push(...s.warnings);
      }
      warnings.push(...file.pipelines);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push(...err.diagnostics);
    }
  }
  if (flags.name !== undefined && (sources.length > 1 || loaded.length > 1)) {
    throw new UsageError('--name names a single spec; these files hold several (each takes its name from its spec or file)', options.command);
  }
  const seen = new Map<string, Loaded>();
  for (const s of loaded) {
    const first = seen.get(s.service.name);
    if (first) {
      problems.push({
        severity: 'error',
        file: s.file,
        position: s.positionOf(''),
        message: `service ${quote(s.service.name)} is also defined at ${safeText(first.file)}:${first.positionOf('').line}:${first.positionOf('').column}: each service once`,
      });
    } else seen.set(s.service.name, s);
  }
  if (problems.some((d) => d.severity === 'error')) throw new SpecError([...warnings, ...problems]);
  const all = sortDiagnostics([...warnings, ...problems]);
  if (!options.quiet) printDiagnostics(io, all);
  return { services: loaded, warnings: all };
}

async function loadFile(source: SpecSource, flags: SpecFlags, sourceCount: number): Promise<LoadedFile> {
  // --name names the one spec of the one file given; with several files each is named by its spec or file.
  const name = flags.name !== undefined && sourceCount === 1 ? { name: flags.name } : {};
  return loadSpecs(source.text, { file: source.file, ...name, ...(flags.follow !== undefined ? { follow: flags.follow } : {}) });
}

/**
 * Renders one service. What the finished objects show (a patch that cannot apply, annotations over the
 * API server's limit) is a spec error at its place in the spec; what pod_spec or pod_patch undid of
 * pachsvc's pod is a warning there (printed unless quiet, and returned).
 */
export function renderLoaded(loaded: Loaded, options: RenderOptions, io?: IOStreams): { objects: KubeObject[]; warnings: Diagnostic[] } {
  let rendered;
  try {
    rendered = renderWithNotes(loaded.service, options);
  } catch (err) {
    if (err instanceof RenderError) {
      throw new SpecError([{ severity: 'error', file: loaded.file, position: loaded.positionOf(err.pointer), message: err.message }]);
    }
    throw err;
  }
  const warnings = rendered.warnings.map((w): Diagnostic => ({ severity: 'warning', file: loaded.file, position: loaded.positionOf(w.pointer), message: w.message }));
  if (io) printDiagnostics(io, warnings);
  return { objects: rendered.objects, warnings };
}

/**
 * Renders every service (each with the options `optionsFor` gives it: pins, namespace), all of them before
 * anything is done with any: a spec error that only rendering finds, in any of them, stops the command,
 * with every such error of every spec. Warnings are printed when `io` is given, and returned.
 */
export async function renderAll(
  services: Loaded[],
  optionsFor: (loaded: Loaded) => Promise<RenderOptions>,
  io?: IOStreams,
): Promise<{ objects: KubeObject[][]; warnings: Diagnostic[] }> {
  const results = await Promise.all(
    services.map(async (loaded) => {
      const options = await optionsFor(loaded);
      try {
        return renderLoaded(loaded, options);
      } catch (err) {
        if (err instanceof SpecError) return { objects: [], warnings: [], problems: err.diagnostics };
        throw err;
      }
    }),
  );
  const warnings = sortDiagnostics(results.flatMap((r) => r.warnings));
  const problems = results.flatMap((r) => ('problems' in r ? r.problems : []));
  if (problems.length > 0) throw new SpecError([...warnings, ...problems]);
  if (io) printDiagnostics(io, warnings);
  return { objects: results.map((r) => r.objects), warnings };
}
