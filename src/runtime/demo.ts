// `galera-warden demo`: the embedded default for a newcomer. Brings up (or reuses) the local Galera
// sandbox, starts the warden on it with the built-in proxy, API and dashboard, prints the endpoints,
// and shows the live state until Ctrl-C. The sandbox keeps running afterwards.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { createReportServer } from '../report/report-server.js';
import { renderDecisionTable } from '../report/decision-table.js';
import { mergeConfig } from '../sandbox/merge-config.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { procState } from '../sandbox/node-process.js';
import { Daemon } from './daemon.js';
import { createLogger } from './logger.js';
import { onStopSignals } from './stop-signals.js';

export interface DemoOptions {
  dir: string;
  nodes: number;
  writerPort: number;
  readerPort: number;
  apiPort: number;
  healthPort: number;
}

const say = (line: string) => process.stderr.write(`demo: ${line}\n`);

async function sandboxFor(o: DemoOptions): Promise<Sandbox> {
  const existing = Sandbox.open(o.dir);
  if (existing && existing.layout.nodes.every((n) => procState(n) === 'running')) {
    say(`reusing the running sandbox in ${o.dir}`);
    return existing;
  }
  say(`starting a ${o.nodes}-node MariaDB Galera sandbox in ${o.dir} (about 10 s)`);
  if (existing) await existing.down();
  return Sandbox.up({ dir: o.dir, nodes: o.nodes, log: say });
}

function writeDemoConfig(sb: Sandbox, o: DemoOptions): { file: string; apiPassword: string } {
  const pwFile = path.join(sb.dir, 'api.password');
  if (!fs.existsSync(pwFile)) fs.writeFileSync(pwFile, randomBytes(9).toString('base64url') + '\n', { mode: 0o600 });
  const apiPassword = fs.readFileSync(pwFile, 'utf8').trim();
  const file = path.join(sb.dir, 'demo.toml');
  fs.writeFileSync(file, mergeConfig(fs.readFileSync(sb.configPath, 'utf8'), `
[probe]
connectTimeoutMs = 500
timeoutMs = 800

[run]
intervalMs = 500
stateFile = "${path.join(sb.dir, 'demo-state.json')}"

[proxy]
host = "127.0.0.1"
writerPort = ${o.writerPort}
readerPort = ${o.readerPort}
healthPort = ${o.healthPort}

[api]
host = "127.0.0.1"
port = ${o.apiPort}
user = "admin"
passwordFile = "${pwFile}"
`));
  return { file, apiPassword };
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const sb = await sandboxFor(o);
  const { file, apiPassword } = writeDemoConfig(sb, o);
  const config = await loadConfig(file);
  const logFile = path.join(sb.dir, 'demo.log');
  const log = createLogger({ level: 'info', format: 'pretty', destination: fs.createWriteStream(logFile, { flags: 'a' }) });
  const daemon = new Daemon({
    config,
    log,
    startReport: async (source) => {
      const server = createReportServer(source, { host: '127.0.0.1', port: o.apiPort, auth: { user: 'admin', password: apiPassword }, logger: log });
      const a = await server.listen();
      return { address: `${a.host}:${a.port}`, close: () => server.close() };
    },
  });
  const ep = await daemon.start();
  const header = [
    'galera-warden demo: a 3-node MariaDB Galera sandbox behind the built-in proxy',
    `  writer endpoint   mysql -h127.0.0.1 -P${o.writerPort} -uapp -p$(cat ${sb.passwordFile('app')}) app`,
    `  reader endpoint   127.0.0.1:${o.readerPort}`,
    `  dashboard         http://${ep.api ?? '?'}/   (user admin, password ${apiPassword})`,
    `  API, metrics      http://${ep.api ?? '?'}/v0/backends   http://${ep.api ?? '?'}/metrics`,
    `  try a fail-over   node dist/src/cli/main.js sandbox kill 1   (then: sandbox start 1)`,
    `  log               ${logFile}`,
    '  Ctrl-C stops the warden; the sandbox keeps running (`galera-warden sandbox down` stops it).',
    '',
  ].join('\n');
  process.stdout.write(header + '\n');
  const tty = process.stdout.isTTY === true;
  let lastSeq = 0;
  let lastNotable = 0;
  const timer = setInterval(() => {
    const t = daemon.source.latest();
    if (!t || t.seq === lastSeq) return;
    lastSeq = t.seq;
    const notable = daemon.source.history(1)[0]?.seq ?? 0;
    const changed = notable > lastNotable;
    lastNotable = notable;
    const recent = daemon.source.history(20).flatMap((h) => [
      ...h.changes.map((c) => `  ${new Date(h.at).toISOString().slice(11, 19)}  ${c.message}`),
      ...h.findings.filter((f) => f.severity !== 'info').map((f) => `  ${new Date(h.at).toISOString().slice(11, 19)}  ${f.code}: ${f.message}`),
    ]);
    const body = [
      `cluster ${config.cluster.name}, tick ${t.seq} at ${new Date(t.at).toISOString().slice(11, 23)} (${Math.round(t.durationMs)} ms)`,
      '',
      renderDecisionTable(t, daemon.source.proxyStats()),
      '',
      `writer: ${t.desired.writers.join(', ') || '(none)'}  epoch ${t.desired.epoch}   readers: ${t.desired.readers.join(', ') || '(none)'}`,
      'recent decisions:',
      ...recent.slice(-8),
    ].join('\n');
    if (tty) process.stdout.write(`\x1b[H\x1b[2J${header}\n${body}\n`);
    else if (changed) process.stdout.write(`${body}\n\n`);
  }, 1000);
  await new Promise<void>((resolve) => {
    onStopSignals(() => resolve());
  });
  clearInterval(timer);
  say('stopping the warden (the sandbox keeps running)');
  await daemon.shutdown();
}
