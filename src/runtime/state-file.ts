// The decision state on disk, so that a restarted warden resumes the same sticky writer, its epoch and the
// operator's maintenance marks. Checked field by field when read (decide/state-check.ts, held to the decision
// core's schema by its tests): a file that is not
// a valid state is reported (file and field), set aside as `<file>.invalid-<time>`, and the warden starts
// fresh. Written only when what it records changes, atomically (temporary file, fsync, rename, fsync of the
// folder) and readable by its owner only.
import fs from 'node:fs';
import path from 'node:path';
import { checkDecideState } from '../decide/state-check.js';
import type { DecideState } from '../model/decision.js';
import { ConfigError } from '../model/errors.js';
import type { TrafficSwitch } from '../model/traffic.js';

/** where `run` keeps its state when [run].stateFile is not set */
export const DEFAULT_STATE_DIR = '/var/lib/galera-warden';

export const defaultStateFile = (clusterName: string): string =>
  path.join(DEFAULT_STATE_DIR, `${clusterName.replace(/[^A-Za-z0-9._-]/g, '_')}.state.json`);

/** What `run` keeps across restarts: the decision state and the nodes an operator marked for maintenance. */
export interface SavedState {
  state: DecideState;
  maintenance: string[];
  /** the traffic switch of an instance without a coordination store; absent: on */
  traffic?: TrafficSwitch;
}

/**
 * What a write must capture: the writer track, each node's service and roles, the start of its healthy
 * streak, the streak that counts towards a change (unhealthy observations of a node in service against
 * retryDown, healthy ones of a node out of service against retryUp), and the maintenance marks. A node that
 * stays healthy in service (or down out of it) changes none of these, so a steady cluster causes no write;
 * "last seen" times are left out: they change on every tick and a restart re-learns them.
 */
function durableKey(s: SavedState): string {
  const nodes = Object.entries(s.state.nodes).map(([name, t]) => [
    name, t.inService, t.writer, t.reader, t.gcommUuid, t.healthySince, t.lastUnhealthyAt === null, t.inService ? t.unhealthyStreak : t.healthyStreak,
  ]);
  return JSON.stringify([s.state.version, s.state.writer, nodes, [...s.maintenance].sort(), s.traffic ?? null]);
}

/**
 * Refuses a state folder that anyone may write to (`/tmp`, or any other world-writable folder, sticky or
 * not): another local user could plant or swap the file that decides the writer. Creates a missing folder
 * (mode 0700). `key` names the config key the path came from, for the message.
 */
export function checkStateFolder(file: string, key: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConfigError(`${key}: cannot create the state folder ${dir} for ${file}: ${(err as Error).message}; set ${key} to a file in a folder this user owns`, { cause: err });
  }
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new ConfigError(`${key}: ${dir} (the folder of ${file}) is not a folder`);
  if ((st.mode & 0o002) !== 0) {
    throw new ConfigError(`${key}: the state folder ${dir} is world-writable (mode ${(st.mode & 0o7777).toString(8)}): any local user could replace ${path.basename(file)}; use a folder only the warden's user can write, e.g. ${DEFAULT_STATE_DIR}`);
  }
}

export class StateFile {
  private lastKey: string | undefined;

  constructor(
    readonly file: string,
    private readonly warn: (msg: string) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The decision state alone (scheduler mode), or null when there is none or it was set aside. */
  load(): DecideState | null {
    return this.loadSaved()?.state ?? null;
  }

  loadSaved(): SavedState | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`state file ${this.file}: ${(err as Error).message}; starting fresh`);
      return null;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      return this.setAside(`not JSON (${(err as Error).message})`);
    }
    const checked = checkDecideState(doc);
    if (!checked.ok) return this.setAside(checked.problems.slice(0, 3).join('; '));
    const marks = (doc as { maintenance?: unknown }).maintenance ?? [];
    if (!Array.isArray(marks) || !marks.every((m) => typeof m === 'string')) return this.setAside('maintenance: expected a list of node names');
    const traffic = parseTraffic((doc as { traffic?: unknown }).traffic);
    if (traffic === 'invalid') return this.setAside('traffic: expected {trafficEnabled, message, setBy, setAt}');
    const saved: SavedState = { state: checked.value, maintenance: [...new Set<string>(marks)].sort(), ...(traffic ? { traffic } : {}) };
    this.lastKey = durableKey(saved);
    return saved;
  }

  /** Scheduler mode: the decision state alone. */
  save(state: DecideState): boolean {
    return this.saveAll({ state, maintenance: [] });
  }

  /** Writes the file when what it records changed since the last read or write; true when it wrote. */
  saveAll(saved: SavedState): boolean {
    const key = durableKey(saved);
    if (key === this.lastKey) return false;
    writeAtomically(this.file, `${JSON.stringify({ ...saved.state, maintenance: [...saved.maintenance].sort(), ...(saved.traffic ? { traffic: saved.traffic } : {}) })}\n`);
    this.lastKey = key;
    return true;
  }

  private setAside(problem: string): null {
    const aside = `${this.file}.invalid-${new Date(this.clock()).toISOString().replace(/[:.]/g, '-')}`;
    let where: string;
    try {
      fs.renameSync(this.file, aside);
      where = `moved to ${aside}`;
    } catch (err) {
      where = `could not be moved aside (${(err as Error).message})`;
    }
    this.warn(`state file ${this.file} is not a valid galera-warden state: ${problem}; ${where}; starting fresh (adopting the writer the routers report)`);
    return null;
  }
}

function parseTraffic(v: unknown): TrafficSwitch | undefined | 'invalid' {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) return 'invalid';
  const t = v as Record<string, unknown>;
  const { trafficEnabled, message, setBy, setAt } = t;
  if (typeof trafficEnabled !== 'boolean' || typeof message !== 'string' || typeof setBy !== 'string' || !(setAt === null || typeof setAt === 'number')) return 'invalid';
  return { trafficEnabled, message, setBy, setAt };
}

/** write a temporary file (0600) -> fsync -> rename over `file` -> fsync the folder, so a crash leaves the old or the new file */
export function writeAtomically(file: string, text: string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
