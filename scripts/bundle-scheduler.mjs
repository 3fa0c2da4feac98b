// `npm run build` (after tsc): bundles the scheduler program and everything it imports into one CommonJS file,
// dist/src/cli/scheduler-bundle.cjs, which dist/src/cli/scheduler-launch.cjs (the galera-warden-scheduler
// program) loads through V8's code cache (issue 16: a scheduler run starts a process every interval).
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// mysql2 loads node:tls, node:zlib and iconv-lite when it loads, for TLS connections, the compressed protocol
// and character sets other than utf8/latin1; a run without them need not pay for them (node:tls alone costs a
// fifth of an empty Node's start): in the bundle, each loads on first use.
const LAZY = { tls: 'node:tls', zlib: 'node:zlib', 'iconv-lite': 'iconv-lite' };
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]mysql2[\\/].*\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      for (const [m, to] of Object.entries(LAZY)) {
        text = text.replaceAll(`require('${m}')`, `new Proxy({}, { get: (_, k) => require('${to}')[k] })`);
      }
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
