#!/usr/bin/env node
// galera-warden-scheduler: the fast start of scheduler mode (ProxySQL's scheduler starts a process every
// interval_ms; issue 16). A CommonJS file, so that no ES module loader starts, which loads the whole program as
// one bundled file (scheduler-bundle.cjs, made by `npm run build`: scripts/bundle-scheduler.mjs) through V8's
// code cache: the first run compiles it and saves the code V8 made (including every function the run called);
// later runs load that code instead of compiling. Without the bundle (a plain `tsc` build) it runs the
// unbundled program. Same command line as scheduler-main.js (pxcScheduler's). What a normal run never executes
// (mysql2 itself, for the lean client's hand-overs; iconv-lite; the [orchestrator] poll) is in a second file,
// scheduler-extra.cjs, which the bundle requires by that name on first use: loaded here the same way, through a
// code cache of its own.
//
// The cache is only read from a file this user owns, that no one else may write, in a folder no one else may
// write: V8 runs what it holds. Its name carries the bundle's size, mtime and inode and Node's version, so a
// rebuilt bundle or another Node never meets an old cache. Where it goes: beside the bundle when this user may
// write there, else ~/.cache/galera-warden, else <tmpdir>/galera-warden-<uid>. GALERA_WARDEN_CODE_CACHE=off
// turns it off.
import fs = require('node:fs');
import path = require('node:path');
import os = require('node:os');
import vm = require('node:vm');

const BUNDLE = path.join(__dirname, 'scheduler-bundle.cjs');
const EXTRA = './scheduler-extra.cjs';

/** a folder this user owns and no one else may write: created 0700 when missing */
function privateFolder(dir: string, create: boolean): boolean {
  try {
    if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    const uid = process.getuid?.() ?? -1;
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function cacheFolder(): string | undefined {
  const beside = path.dirname(BUNDLE);
  if (privateFolder(beside, false)) return beside;
  const home = path.join(os.homedir(), '.cache', 'galera-warden');
  if (privateFolder(home, true)) return home;
  const tmp = path.join(os.tmpdir(), `galera-warden-${process.getuid?.() ?? 'user'}`);
  return privateFolder(tmp, true) ? tmp : undefined;
}

/** the cache's content when this user owns the file and no one else may write it */
function readCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (st.uid !== (process.getuid?.() ?? -1) || (st.mode & 0o022) !== 0 || !st.isFile()) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeCache(file: string, prefix: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
    // the caches of earlier bundles or Node versions are of no use any more
    for (const f of fs.readdirSync(path.dirname(file))) {
      if (f.startsWith(`${prefix}-`) && f.endsWith('.cache') && f !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), f), { force: true });
    }
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

interface BundleExports {
  run(args: readonly string[]): void;
}

/** a bundled file's exports: its text compiled through the code cache (see above) */
function loadBundle(file: string, source: string, st: fs.Stats, req: (id: string) => unknown): unknown {
  const prefix = path.basename(file, '.cjs');
  const dir = process.env.GALERA_WARDEN_CODE_CACHE === 'off' ? undefined : cacheFolder();
  const cache = dir && path.join(dir, `${prefix}-${st.size}-${Math.trunc(st.mtimeMs)}-${st.ino}-${process.version}-${process.arch}.cache`);
  const cachedData = cache ? readCache(cache) : undefined;
  // CommonJS's own wrapper (node:module's Module.wrap; node:module loads a dozen more internal modules)
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  // saved at the exit of a run that succeeded: by then V8 has compiled every function a run calls, and the cache
  // holds them too (not at a --help or a failed run's: the cache, once there, is kept)
  const full = !process.argv.includes('--help') && !process.argv.includes('-h');
  if (cache && full && (cachedData === undefined || script.cachedDataRejected === true)) {
    process.once('exit', (code) => code === 0 && writeCache(cache, prefix, script.createCachedData()));
  }
  const mod = { exports: {} };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
  return mod.exports;
}

/** the bundle's require: the second file through loadBundle, once; anything else Node's */
let extra: unknown;
function bundleRequire(id: string): unknown {
  if (id !== EXTRA) return require(id);
  if (extra === undefined) {
    const file = path.join(__dirname, EXTRA);
    const st = fs.statSync(file);
    extra = loadBundle(file, fs.readFileSync(file, 'latin1'), st, bundleRequire);
  }
  return extra;
}

let source: string | undefined;
let st: fs.Stats | undefined;
try {
  st = fs.statSync(BUNDLE);
  // latin1: the bundle is ASCII (esbuild's default; the build checks it), and Node 20 reads 1 MB of utf8
  // 20-30 ms slower than latin1 (a fifth to half of an empty Node's start)
  source = fs.readFileSync(BUNDLE, 'latin1');
} catch {
  // no bundle: the unbundled program
}
if (source !== undefined && st !== undefined) (loadBundle(BUNDLE, source, st, bundleRequire) as BundleExports).run(process.argv.slice(2));
else {
  void import('./scheduler-program.js').then(async (p) => process.exit(await p.schedulerMain(process.argv.slice(2))));
}
