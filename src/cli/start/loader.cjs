// The built command's loader: scripts/build.mjs copies it to dist/pachsvc.cjs (filling in the version
// and the entry chunk) beside the bundle's chunks (dist/chunks/*.cjs, CommonJS). The chunks a command
// may load, with their caches, are also packed in one file (dist/chunks/pack), read by offset: one
// open for the process instead of two per chunk.
//
// Why a loader of our own: Node 20 compiles every file it loads from source, every time, and has no
// compile cache (module.enableCompileCache is Node 22). This loader compiles each chunk with
// vm.Script and V8's code cache (dist/chunks/<chunk>.cjs.cache, made by the build after running the
// commonest commands, so it holds the functions they run, not only the top level): a chunk then
// starts from compiled code. A cache V8 refuses (another Node version, other V8 flags) costs only the
// time of compiling, and is made again at exit if dist/ is writable, for the next run.
// `--version` is answered before anything is read.
'use strict';

const VERSION = '__PACHSVC_VERSION__';
const ENTRY = '__PACHSVC_ENTRY__';

// Required when first needed: `--version` needs none of them.
let fs;
let path;
let vm;
let CHUNKS;
function init() {
  if (fs) return;
  fs = require('node:fs');
  path = require('node:path');
  vm = require('node:vm');
  CHUNKS = path.join(__dirname, 'chunks');
}
const CACHE = '.cache';
const PACK = 'pack';
/** The pack: its descriptor, where its data starts, and each chunk's [source offset, length, cache offset, length]. */
let pack;
/** Every chunk loaded, by absolute file name: { module, script, cache: 'accepted' | 'rejected' | 'missing' | 'off' }. */
const loaded = new Map();
let training = false;
let cacheOff = Boolean(process.env.PACHSVC_NO_CODE_CACHE);

/** Loads a chunk (a path under dist/chunks) once and returns its exports. */
function load(file) {
  init();
  const known = loaded.get(file);
  if (known) return known.module.exports;
  const module = { exports: {}, filename: file, loaded: false };
  const entry = { module, script: undefined, cache: 'off' };
  loaded.set(file, entry);
  // esbuild writes ASCII only (build.mjs checks): latin1 is the cheapest exact read. The build wrote
  // each chunk as one function expression of its CommonJS scope (see build.mjs), compiled as it is.
  const packed = training ? undefined : inPack(path.basename(file));
  const source = packed ? readPack(packed[0], packed[1]).toString('latin1') : fs.readFileSync(file, 'latin1');
  let cachedData;
  if (!cacheOff && !training) {
    try {
      cachedData = packed ? (packed[3] > 0 ? readPack(packed[2], packed[3]) : undefined) : fs.readFileSync(file + CACHE);
    } catch {}
    if (!cachedData) entry.cache = 'missing';
  }
  entry.packed = packed !== undefined;
  const script = new vm.Script(source, { filename: file, lineOffset: -1, ...(cachedData ? { cachedData } : {}) });
  if (cachedData) entry.cache = script.cachedDataRejected ? 'rejected' : 'accepted';
  entry.script = script;
  // Chunks name each other `./<name>.cjs` (all in one folder); anything else is Node's (built-in modules).
  const requireChunk = (spec) => (spec.startsWith('./') ? load(`${CHUNKS}/${spec.slice(2)}`) : require(spec));
  requireChunk.resolve = require.resolve;
  requireChunk.cache = require.cache;
  requireChunk.main = require.main;
  // import.meta of the ES module the chunk was, for the few that ask (its url, made only then).
  const meta = {
    get url() {
      return require('node:url').pathToFileURL(file).href;
    },
  };
  script.runInThisContext().call(module.exports, module.exports, requireChunk, module, file, CHUNKS, meta);
  module.loaded = true;
  return module.exports;
}

/** The chunk's place in the pack, or undefined (not packed, or no pack). */
function inPack(name) {
  if (pack === undefined) {
    pack = null;
    try {
      const fd = fs.openSync(path.join(CHUNKS, PACK), 'r');
      const head = Buffer.alloc(16);
      fs.readSync(fd, head, 0, 16, 0);
      const size = Number(head.toString('latin1').trim());
      const index = Buffer.alloc(size);
      fs.readSync(fd, index, 0, size, 16);
      pack = { fd, base: 16 + size, index: JSON.parse(index.toString('latin1')) };
    } catch {}
  }
  return pack && Object.hasOwn(pack.index, name) ? pack.index[name] : undefined;
}

function readPack(offset, length) {
  const b = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(pack.fd, b, done, length - done, pack.base + offset + done);
    if (n === 0) throw new Error('the chunk pack is cut short');
    done += n;
  }
  return b;
}

/**
 * Packs chunks with their caches (each a [source, cache or undefined] by chunk name) into dist/chunks/pack,
 * replacing it whole. `caches` gives newer caches for some of the chunks already packed.
 */
function writePack(chunks) {
  init();
  const parts = [];
  const index = {};
  let offset = 0;
  for (const [name, [source, cache]] of Object.entries(chunks)) {
    index[name] = [offset, source.length, offset + source.length, cache ? cache.length : 0];
    parts.push(source);
    if (cache) parts.push(cache);
    offset += source.length + (cache ? cache.length : 0);
  }
  const head = Buffer.from(JSON.stringify(index), 'latin1');
  writeAtomic(path.join(CHUNKS, PACK), Buffer.concat([Buffer.from(String(head.length).padEnd(16), 'latin1'), head, ...parts]));
}

/** What is in the pack now: each chunk's source and cache, newer caches put in. */
function repack(newer) {
  const chunks = {};
  for (const [name, [so, sl, co, cl]] of Object.entries(pack.index)) {
    chunks[name] = [readPack(so, sl), newer.get(name) ?? (cl > 0 ? readPack(co, cl) : undefined)];
  }
  writePack(chunks);
}

/** Writes the code cache of every chunk this process loaded (with what it ran), and, with `all`, a plain one for the others. */
function writeCaches(options = {}) {
  init();
  const written = [];
  const packed = new Map();
  for (const [file, entry] of loaded) {
    if (options.only && !options.only(entry)) continue;
    if (entry.packed) packed.set(path.basename(file), entry.script.createCachedData());
    else writeAtomic(file + CACHE, entry.script.createCachedData());
    written.push(file);
  }
  if (packed.size > 0) repack(packed);
  if (options.all) {
    for (const name of fs.readdirSync(CHUNKS)) {
      const file = path.join(CHUNKS, name);
      if (!name.endsWith('.cjs') || loaded.has(file)) continue;
      const script = new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file, lineOffset: -1 });
      writeAtomic(file + CACHE, script.createCachedData());
      written.push(file);
    }
  }
  return written;
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {}
    if (training) throw err;
  }
}

// A cache V8 refused or that is missing is made again for the next run, when it can be: not for a run
// with other V8 flags (its cache would not suit plain runs), and only where dist/ may be written.
function remakeCachesAtExit() {
  if (cacheOff || process.execArgv.length > 0 || process.env.NODE_OPTIONS) return;
  process.once('exit', () => {
    try {
      fs.accessSync(CHUNKS, fs.constants.W_OK);
      writeCaches({ only: (e) => e.cache === 'rejected' || e.cache === 'missing' });
    } catch {}
  });
}

/** Runs pachsvc with the process's arguments. */
function main() {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  init();
  remakeCachesAtExit();
  load(path.join(CHUNKS, ENTRY))
    .main(argv)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
}

/**
 * For the build: runs each command line in this process, one after the other, then writes the code
 * cache of every chunk (those the commands ran with what they compiled; the others plain).
 */
async function train(commands) {
  training = true;
  cacheOff = false;
  process.stdout.setMaxListeners(0);
  init();
  const { main: run } = load(path.join(CHUNKS, ENTRY));
  for (const argv of commands) await run(argv);
  process.exitCode = 0;
  return writeCaches({ all: true });
}

/** Which chunks this process loaded and what became of their caches (for tests and benchmarks). */
function report() {
  init();
  return [...loaded].map(([file, e]) => ({ file: path.relative(__dirname, file), cache: e.cache }));
}

module.exports = { main, train, load, report, writePack, VERSION };
