// One fault round against routers grouped in configurations (scenarios `proxysql-failover`, `peers-failover`):
// write clients through every router, SIGKILL (restart once every router wrote again) or SIGSTOP + SIGCONT of
// the writer node1, a watch of some seconds after the node is Synced again, and the analysis: per router the
// first write on the new writer, the writes that failed, a move back to the old writer; per configuration
// when every router had moved, the spread, and how long its routers routed writes to different nodes.
import type { Ack, ClientError, ClientKind } from './write-clients.js';
import { WriteClient } from './write-clients.js';
import { firstAck } from './analysis.js';
import { GaleraWatch } from './galera-watch.js';
import { RouteProbe } from './route-probe.js';
import { clock, round1, sleep, waitFor } from './util.js';
import type { BenchContext } from '../runner.js';

export type Fault = 'kill' | 'freeze';

export interface RoundRouter {
  id: string;
  /** the configuration it belongs to (routers of one configuration should agree on one writer) */
  config: string;
  port: number;
}

export interface FaultRoundOptions {
  fault: Fault;
  round: number;
  routers: RoundRouter[];
  kinds: readonly ClientKind[];
  everyMs: number;
  /** ProxySQL picks a backend per statement: read the node from each INSERT */
  nodePerWrite: boolean;
  freezeMs: number;
  /** watch this long after the faulted node is Synced again (fail-backs) */
  watchAfterMs: number;
  recoveryTimeoutMs: number;
  /** a route probe (new connection + SELECT @@wsrep_node_name) per router this often */
  routeEveryMs: number;
}

export interface RawRound {
  fault: Fault;
  round: number;
  target: string;
  faultAt: number;
  thawAt: number | null;
  restartAt: number | null;
  syncedAt: number | null;
  endAt: number;
  /** Galera re-formed without the faulted node: a Primary view smaller than the cluster on a survivor */
  reformAt: number | null;
  routers: { id: string; config: string; acks: Ack[]; errors: ClientError[]; routes: Ack[] }[];
  notes: string[];
}

const TARGET = 'node1';

export async function runFaultRound(ctx: BenchContext, o: FaultRoundOptions): Promise<RawRound> {
  const { env, log, signal } = ctx;
  const sb = env.sandbox;
  const idx = env.nodeIndex(TARGET);
  const notes: string[] = [];
  const clients = o.routers.flatMap((r) => o.kinds.map((kind) => ({
    r,
    c: new WriteClient({ router: r.id, kind, connection: env.appOptions(r.port), everyMs: o.everyMs, queryTimeoutMs: 30_000, nodePerWrite: o.nodePerWrite }),
  })));
  const probes = o.routers.map((r) => ({ r, p: new RouteProbe({ connection: env.appOptions(r.port), everyMs: o.routeEveryMs, maxInFlight: 8, timeoutMs: 2000 }) }));
  for (const x of probes) x.p.start();
  const watch = new GaleraWatch(sb.layout.nodes.map((n) => ({ name: n.name, host: n.host, port: n.sqlPort })), 'warden', env.wardenPassword);
  watch.start();
  for (const x of clients) x.c.start();
  let faultAt = 0;
  let thawAt: number | null = null;
  let restartAt: number | null = null;
  let syncedAt: number | null = null;
  let endAt = 0;
  const acksOf = (id: string) => clients.filter((x) => x.r.id === id).flatMap((x) => x.c.acks);
  try {
    const unsteady = () => {
      const since = clock() - 1000;
      return o.routers.filter((r) => acksOf(r.id).filter((a) => a.t > since && a.node === TARGET).length < 3).map((r) => r.id);
    };
    await waitFor(`steady writes on ${TARGET} through every router`, 30_000, () => (unsteady().length === 0 ? true : undefined), { everyMs: 100, signal })
      .catch((err: unknown) => {
        throw signal.aborted ? err : new Error(`${(err as Error).message}; not steady: ${unsteady().join(', ')}`);
      });
    await sleep(500, signal);
    faultAt = clock();
    if (o.fault === 'kill') sb.kill(idx);
    else sb.freeze(idx);
    log(`  round ${o.round}: ${o.fault === 'kill' ? 'SIGKILL' : 'SIGSTOP'} ${TARGET}`);
    if (o.fault === 'freeze') {
      await sleep(faultAt + o.freezeMs - clock(), signal);
      sb.thaw(idx);
      thawAt = clock();
    }
    const recovered = (a: Ack) => a.node !== TARGET || (thawAt !== null && a.t > thawAt);
    try {
      await waitFor('every router to take writes again', o.recoveryTimeoutMs - (clock() - faultAt), () =>
        o.routers.every((r) => firstAck(acksOf(r.id), faultAt, recovered) !== undefined) ? true : undefined, { everyMs: 50, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      notes.push(`not every router took writes again within ${o.recoveryTimeoutMs / 1000} s of the fault`);
    }
    if (o.fault === 'kill') {
      await sleep(2000, signal);
      restartAt = clock();
      await sb.start(idx);
      syncedAt = clock();
    } else {
      try {
        await sb.waitSynced(idx, 120_000);
        syncedAt = clock();
      } catch (err) {
        notes.push(`${TARGET} did not rejoin by itself after SIGCONT: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    await sleep(o.watchAfterMs, signal);
  } finally {
    endAt = clock();
    await Promise.all([...clients.map((x) => x.c.stop()), ...probes.map((x) => x.p.stop())]);
    await watch.stop();
  }
  const reform = watch.changes.find((c) => c.t > faultAt && c.node !== TARGET && c.size < sb.layout.nodes.length && c.status === 'Primary');
  return {
    fault: o.fault, round: o.round, target: TARGET, faultAt, thawAt, restartAt, syncedAt, endAt, reformAt: reform?.t ?? null,
    routers: o.routers.map((r) => {
      const mine = clients.filter((x) => x.r.id === r.id);
      const routes = probes.find((x) => x.r.id === r.id)!.p.answers.sort((a, b) => a.t - b.t);
      return { id: r.id, config: r.config, acks: mine.flatMap((x) => x.c.acks).sort((a, b) => a.t - b.t), errors: mine.flatMap((x) => x.c.errors).sort((a, b) => a.t - b.t), routes };
    }),
    notes,
  };
}

export interface RouterOutcome {
  id: string;
  config: string;
  /** first new connection answered by another node than the faulted one (ms from the fault), and that node */
  routedNewMs: number | null;
  routedNewNode: string | null;
  /** first acknowledged write on another node than the faulted one, ms from the fault, and that node */
  firstNewMs: number | null;
  firstNewNode: string | null;
  /** failed writes from the fault to the first write on the new writer, and over the whole round */
  failedBeforeNew: number;
  failed: number;
  errorCodes: Record<string, number>;
  /** first write, or new connection, on the old writer after the first on the new one (ms from the fault): it moved back */
  movedBackMs: number | null;
  /** how many writes and new connections landed on the old writer after that */
  movedBackCount: number;
  /** raw: [ms from the fault, node number] per ack and per route answer; [ms, code] per error */
  acks: [number, number][];
  routes: [number, number][];
  errors: [number, string][];
}

export interface ConfigOutcome {
  config: string;
  /** every router sent new connections to a new writer: ms from the fault (the last router), and the spread last - first */
  allRoutedMs: number | null;
  routeSpreadMs: number | null;
  /** every router of the configuration wrote on a new writer: ms from the fault (the last router), and the spread last - first */
  allMovedMs: number | null;
  spreadMs: number | null;
  /** the new writers the routers chose (one name when they agree) */
  newWriters: string[];
  /** time in which two of its routers sent new connections to different nodes (each router's latest route answer, while fresh) */
  disagreeMs: number;
  /** a router moved back to the old writer */
  movedBack: boolean;
}

const nodeNo = (name: string) => (name.startsWith('node') ? Number(name.slice(4)) : 0);

export function routerOutcome(raw: RawRound, r: RawRound['routers'][number]): RouterOutcome {
  const rel = (t: number) => round1(t - raw.faultAt);
  const firstNew = firstAck(r.acks, raw.faultAt, (a) => a.node !== raw.target);
  const routedNew = firstAck(r.routes, raw.faultAt, (a) => a.node !== raw.target);
  const backAck = firstNew ? r.acks.find((a) => a.t > firstNew.t && a.node === raw.target) : undefined;
  const backRoute = routedNew ? r.routes.find((a) => a.t > routedNew.t && a.node === raw.target) : undefined;
  const backCount = (firstNew ? r.acks.filter((a) => a.t > firstNew.t && a.node === raw.target).length : 0) + (routedNew ? r.routes.filter((a) => a.t > routedNew.t && a.node === raw.target).length : 0);
  const moved = [backAck, backRoute].filter((a): a is Ack => a !== undefined).sort((a, b) => a.t - b.t)[0];
  const after = r.errors.filter((e) => e.t > raw.faultAt);
  const errorCodes: Record<string, number> = {};
  for (const e of after) errorCodes[e.code] = (errorCodes[e.code] ?? 0) + 1;
  return {
    id: r.id,
    config: r.config,
    routedNewMs: routedNew ? rel(routedNew.t) : null,
    routedNewNode: routedNew?.node ?? null,
    firstNewMs: firstNew ? rel(firstNew.t) : null,
    firstNewNode: firstNew?.node ?? null,
    failedBeforeNew: after.filter((e) => firstNew === undefined || e.t < firstNew.t).length,
    failed: after.length,
    errorCodes,
    movedBackMs: moved ? rel(moved.t) : null,
    movedBackCount: backCount,
    acks: r.acks.map((a) => [rel(a.t), nodeNo(a.node)]),
    routes: r.routes.map((a) => [rel(a.t), nodeNo(a.node)]),
    errors: after.map((e) => [rel(e.t), e.code]),
  };
}

/**
 * Time in [from, to) in which two routers' routes differ. A router's route at t is the node of its latest
 * ack at or before t, while that ack is at most `freshMs` old (no fresh ack: no route, never a disagreement).
 */
export function disagreement(routers: readonly (readonly Ack[])[], from: number, to: number, stepMs = 10, freshMs = 500): number {
  const pos = routers.map(() => -1);
  let ms = 0;
  for (let t = from; t < to; t += stepMs) {
    const routes = new Set<string>();
    routers.forEach((acks, i) => {
      while (pos[i]! + 1 < acks.length && acks[pos[i]! + 1]!.t <= t) pos[i]!++;
      const a = acks[pos[i]!];
      if (a && t - a.t <= freshMs) routes.add(a.node);
    });
    if (routes.size > 1) ms += stepMs;
  }
  return ms;
}

export function configOutcomes(raw: RawRound, routers: readonly RouterOutcome[]): ConfigOutcome[] {
  const configs = [...new Set(routers.map((r) => r.config))];
  return configs.map((config) => {
    const mine = routers.filter((r) => r.config === config);
    const firsts = mine.map((r) => r.firstNewMs);
    const done = firsts.every((x): x is number => x !== null);
    const routed = mine.map((r) => r.routedNewMs);
    const allRouted = routed.every((x): x is number => x !== null);
    const routes = raw.routers.filter((r) => r.config === config).map((r) => r.routes);
    return {
      config,
      allRoutedMs: allRouted ? Math.max(...routed) : null,
      routeSpreadMs: allRouted ? round1(Math.max(...routed) - Math.min(...routed)) : null,
      allMovedMs: done ? Math.max(...firsts) : null,
      spreadMs: done ? round1(Math.max(...firsts) - Math.min(...firsts)) : null,
      newWriters: [...new Set(mine.flatMap((r) => [r.firstNewNode, r.routedNewNode]).filter((x): x is string => x !== null))].sort(),
      disagreeMs: disagreement(routes, raw.faultAt, raw.endAt),
      movedBack: mine.some((r) => r.movedBackMs !== null),
    };
  });
}

/** Times of the round relative to the fault (ms). */
export function roundTimes(raw: RawRound): { reformMs: number | null; thawMs: number | null; restartMs: number | null; syncedMs: number | null; endMs: number } {
  const rel = (t: number | null) => (t === null ? null : round1(t - raw.faultAt));
  return { reformMs: rel(raw.reformAt), thawMs: rel(raw.thawAt), restartMs: rel(raw.restartAt), syncedMs: rel(raw.syncedAt), endMs: round1(raw.endAt - raw.faultAt) };
}
