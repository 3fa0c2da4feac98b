// `npm run build` (after tsc): bundles the scheduler program and everything it imports into one CommonJS file,
// dist/src/cli/scheduler-bundle.cjs, which dist/src/cli/scheduler-launch.cjs (the galera-warden-scheduler
// program) loads through V8's code cache (issue 16: a scheduler run starts a process every interval).
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
/** a stand-in that requires `to` at its first use: property reads, calls, `new` */
const lazy = (to) => `new Proxy(function () {}, { get: (_, k) => require('${to}')[k], apply: (_, t, a) => require('${to}').apply(t, a), construct: (_, a) => new (require('${to}'))(...a) })`;

// mysql2's table of the server's error names (constants/errors.js: 8,000 assignments, 6 ms of a run) becomes
// text searched per error (a run reads one or two: the probe's access check is refused by design): the same
// answers for every property read (error number -> name, name -> number), from the same table at build time.
function errorTable(file) {
  const codes = createRequire(import.meta.url)(file);
  const lines = Object.entries(codes).map(([k, v]) => `${k}:${v}`);
  if (lines.some((l) => l.split(':').length !== 2 || l.includes('\n'))) throw new Error(`${file}: not a table of names and numbers`);
  return [
    `const table = ${JSON.stringify(`\n${lines.join('\n')}\n`)};`,
    'module.exports = new Proxy({}, {',
    '  get(_, k) {',
    "    if (typeof k !== 'string') return undefined;",
    "    const at = table.indexOf(`\\n${k}:`);",
    '    if (at < 0) return undefined;',
    "    const v = table.slice(at + k.length + 2, table.indexOf('\\n', at + 1));",
    '    return /^[0-9]+$/.test(k) ? v : Number(v);',
    '  },',
    '});',
  ].join('\n');
}

// iconv-lite decodes the charsets Buffer does not know; mysql2 names utf8_general_ci (the handshake's server
// version, ProxySQL admin's columns) cesu8, which reads ASCII as ASCII: ASCII text skips iconv-lite (loading it
// and building its decoder cost a run ~5 ms).
const DECODE_FALLBACK = '  if (Buffer.isEncoding(encoding)) {\n    return buffer.toString(encoding, start, end);\n  }\n';
const ASCII_CESU8 = "  if (encoding === 'cesu8' && require('node:buffer').isAscii(buffer.subarray(start, end))) {\n    return buffer.latin1Slice(start, end);\n  }\n";

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

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^mysql2$/ }, (args) => (LEAN_USERS.test(args.importer) ? { path: LEAN } : undefined));
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/]observe[\\/]lean-mysql[\\/]mysql2-parts\.js$/ }, () => ({ contents: MYSQL2_PARTS, loader: 'js', resolveDir: mysql2Dir }));
    b.onLoad({ filter: /node_modules[\\/]mysql2[\\/]lib[\\/]constants[\\/]errors\.js$/ }, (args) => ({ contents: errorTable(args.path), loader: 'js' }));
    b.onLoad({ filter: /node_modules[\\/]mysql2[\\/].*\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (/[\\/]parsers[\\/]string\.js$/.test(args.path)) text = patch(args.path, text, DECODE_FALLBACK, DECODE_FALLBACK + ASCII_CESU8);
      if (/[\\/]lib[\\/]connection_config\.js$/.test(args.path)) text = patch(args.path, text, ...DISABLE_EVAL);
      if (/[\\/]lib[\\/]auth_41\.js$/.test(args.path)) text = patch(args.path, text, ...SHA1);
      for (const [m, to] of Object.entries(LAZY)) text = text.replaceAll(`require('${m}')`, lazy(to));
      return { contents: text, loader: 'js' };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/scheduler-bundle-entry.js'],
  outfile: 'dist/src/cli/scheduler-bundle.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // names stay readable in stack traces and error messages
  keepNames: true,
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
});
// scheduler-launch.cjs reads the bundle as latin1 (much faster than utf8 in Node 20): it must be ASCII
const bytes = readFileSync(`${root}dist/src/cli/scheduler-bundle.cjs`);
const at = bytes.findIndex((b) => b > 0x7f);
if (at >= 0) throw new Error(`dist/src/cli/scheduler-bundle.cjs: not ASCII at byte ${at}: scheduler-launch.cjs reads it as latin1`);
// the galera-warden-scheduler program: executable, as npm makes it when it installs the package
chmodSync(`${root}dist/src/cli/scheduler-launch.cjs`, 0o755);
