// Pure: the admin statements that set a cluster up for galera-warden's scheduler mode, as seed 000's example does
// by hand: the configuration rows in 8000+hgW / 8000+hgR (candidate lists and template values) and the
// scheduler row. One statement per line: the admin interface runs only the first statement of a call.
import { int, quote } from './admin-client.js';

export interface InstallNode {
  host: string;
  port: number;
  /** writer priority in 8000+hgW; default 1000, 999, ... in the order given */
  weight?: number;
  /**
   * the node's name (a `run` daemon's [[nodes]] name): written into the rows' comment (`galera-warden [name] ...`),
   * so that scheduler runs call the node by it, as the daemons sharing the writer record do; default host:port
   */
  name?: string;
}

export interface InstallPlanInput {
  clusterId: number;
  hgW: number;
  hgR: number;
  bckHgW: number;
  bckHgR: number;
  nodes: InstallNode[];
  maxConnections: number;
  /** the scheduler row's program: filename, then leading arguments (e.g. [node, scheduler-main.js]) */
  program: string[];
  configFile: string;
  configPath: string;
  intervalMs: number;
  deadlineMs: number;
  active: boolean;
  saveToDisk: boolean;
}

export function installStatements(i: InstallPlanInput): string[] {
  const row = (n: InstallNode, hg: number, weight: number, comment: string) =>
    `INSERT INTO mysql_servers (hostname,hostgroup_id,port,weight,max_connections,comment) VALUES (${quote(n.host)},${int(hg)},${int(n.port)},${int(weight)},${int(i.maxConnections)},${quote(n.name ? `galera-warden [${n.name}] ${comment.replace(/^galera-warden: /, '')}` : comment)})`;
  const weights = i.nodes.map((n, k) => n.weight ?? 1000 - k);
  return [
    `DELETE FROM mysql_servers WHERE hostgroup_id IN (${int(i.bckHgW)},${int(i.bckHgR)})`,
    ...i.nodes.map((n, k) => row(n, i.bckHgW, weights[k]!, k === 0 ? 'galera-warden: preferred writer' : `galera-warden: writer candidate ${k + 1}`)),
    ...i.nodes.map((n) => row(n, i.bckHgR, 1000, 'galera-warden: reader')),
    'LOAD MYSQL SERVERS TO RUNTIME',
    ...(i.saveToDisk ? ['SAVE MYSQL SERVERS TO DISK'] : []),
    // a statement cut off on a writer that leaves the writer hostgroup must not be re-run on the new writer:
    // ProxySQL's retry committed an INSERT on both writers while the client saw one success (docs/proxysql.md)
    "UPDATE global_variables SET variable_value='0' WHERE variable_name='mysql-query_retries_on_failure'",
    'LOAD MYSQL VARIABLES TO RUNTIME',
    ...(i.saveToDisk ? ['SAVE MYSQL VARIABLES TO DISK'] : []),
    `DELETE FROM scheduler WHERE id=${int(i.clusterId)}`,
    schedulerInsert(i),
    'LOAD SCHEDULER TO RUNTIME',
    ...(i.saveToDisk ? ['SAVE SCHEDULER TO DISK'] : []),
  ];
}

function schedulerInsert(i: InstallPlanInput): string {
  const [filename, ...lead] = i.program;
  if (!filename) throw new Error('no scheduler program');
  const args = [...lead, `--configfile=${i.configFile}`, `--configpath=${i.configPath}`, `--deadline-ms=${i.deadlineMs}`];
  if (args.length > 5) throw new Error(`the scheduler table has 5 argument columns; this needs ${args.length}`);
  const cols = args.map((_, k) => `arg${k + 1}`);
  return `INSERT INTO scheduler (id,active,interval_ms,filename,${cols.join(',')},comment) VALUES (${int(i.clusterId)},${i.active ? 1 : 0},${int(i.intervalMs)},${quote(filename)},${args.map(quote).join(',')},${quote(`galera-warden cluster ${i.clusterId} hostgroups ${i.hgW}/${i.hgR}`)})`;
}

/** "host:port[:weight]" */
export function parseInstallNode(text: string): InstallNode {
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})(?::(\d+))?(?::([A-Za-z0-9_.-]{1,64}))?$/.exec(text);
  if (!m) throw new Error(`expected host:port[:weight[:name]] (a name of letters, digits, _ . -), got "${text}"`);
  return { host: m[1]!, port: Number(m[2]), ...(m[3] !== undefined ? { weight: Number(m[3]) } : {}), ...(m[4] !== undefined ? { name: m[4] } : {}) };
}
