// The topology a fake Orchestrator describes: instances, their masters, downtimes and cluster aliases, rendered
// with the field names and JSON types of Orchestrator 3.x (inst.Instance through encoding/json): keys are
// {Hostname, Port}, lags are {Int64, Valid}, unset strings are "", DowntimeEndTimestamp is "YYYY-MM-DD hh:mm:ss"
// and LastSeenTimestamp RFC 3339. A cluster is named after its master's "host:port".

export interface FakeInstance {
  host: string;
  port: number;
  /** "host:port" of its master, or null for a master */
  master: string | null;
  readOnly: boolean;
  /** Orchestrator's last probe of it succeeded */
  valid: boolean;
  /** replication lag; null when unknown (NULL Seconds_Behind_Master) */
  lagSeconds: number | null;
  downtime: { reason: string; owner: string; endsAt: number; startedAt: number } | null;
}

const key = (host: string, port: number): string => `${host}:${port}`;
const pad = (n: number): string => String(n).padStart(2, '0');

/** Orchestrator prints downtime ends in its own local time without a zone; the fake uses UTC. */
export function orchestratorTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export class FakeTopology {
  readonly instances = new Map<string, FakeInstance>();
  /** alias -> the key of an instance of the cluster (the alias follows the cluster through a recovery) */
  private readonly aliases = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  add(i: Partial<FakeInstance> & { host: string; port: number }): FakeInstance {
    const full: FakeInstance = { master: null, readOnly: i.master !== null && i.master !== undefined, valid: true, lagSeconds: i.master ? 0 : null, downtime: null, ...i };
    this.instances.set(key(i.host, i.port), full);
    return full;
  }

  get(host: string, port: number): FakeInstance | undefined {
    return this.instances.get(key(host, port));
  }

  /** the alias names the cluster that `member` ("host:port") belongs to */
  setAlias(alias: string, member: string): void {
    this.aliases.set(alias, member);
  }

  /** Orchestrator's `begin-downtime`: for `seconds`, with a reason (e.g. "lost-in-recovery") */
  beginDowntime(member: string, reason: string, seconds: number, owner = 'orchestrator'): void {
    const i = this.must(member);
    const now = this.now();
    i.downtime = { reason, owner, startedAt: now, endsAt: now + seconds * 1000 };
  }

  endDowntime(member: string): void {
    this.must(member).downtime = null;
  }

  /**
   * What Orchestrator's recovery of a dead master does: `promoted` becomes master (replication reset, read_only
   * off unless `keepReadOnly`: the MariaDB case without READ_ONLY ADMIN), the other replicas follow it, and the
   * dead master is detached, unchecked and downtimed "lost-in-recovery" for 365 days.
   */
  recover(dead: string, promoted: string, o: { keepReadOnly?: boolean } = {}): void {
    const old = this.must(dead);
    const p = this.must(promoted);
    for (const i of this.instances.values()) if (i !== p && i.master === dead) i.master = promoted;
    p.master = null;
    p.readOnly = o.keepReadOnly === true;
    p.lagSeconds = null;
    old.master = null;
    old.valid = false;
    this.beginDowntime(dead, 'lost-in-recovery', 365 * 24 * 3600);
    for (const [alias, member] of this.aliases) if (member === dead) this.aliases.set(alias, promoted);
  }

  private must(member: string): FakeInstance {
    const i = this.instances.get(member);
    if (!i) throw new Error(`fake topology: no instance ${member}`);
    return i;
  }

  isDowntimed(i: FakeInstance): boolean {
    return i.downtime !== null && i.downtime.endsAt > this.now();
  }

  /** the master at the top of the chain (a master replicating from nobody) */
  clusterOf(i: FakeInstance): string {
    let cur = i;
    for (let hops = 0; cur.master !== null && hops < 16; hops++) {
      const up = this.instances.get(cur.master);
      if (!up) return cur.master;
      cur = up;
    }
    return key(cur.host, cur.port);
  }

  /** cluster name from a hint: alias, cluster name, or the "host:port" of any instance; null when unknown */
  resolveCluster(hint: string): string | null {
    const aliased = this.aliases.get(hint);
    const member = this.instances.get(aliased ?? hint);
    return member ? this.clusterOf(member) : null;
  }

  members(cluster: string): FakeInstance[] {
    return [...this.instances.values()].filter((i) => this.clusterOf(i) === cluster);
  }

  aliasOf(cluster: string): string {
    for (const [alias, member] of this.aliases) {
      const m = this.instances.get(member);
      if (m && this.clusterOf(m) === cluster) return alias;
    }
    return '';
  }

  /** the JSON object Orchestrator returns for one instance */
  render(i: FakeInstance): Record<string, unknown> {
    const [mh, mp] = i.master === null ? ['', 0] : [i.master.slice(0, i.master.lastIndexOf(':')), Number(i.master.slice(i.master.lastIndexOf(':') + 1))];
    const lag = { Int64: i.lagSeconds ?? 0, Valid: i.lagSeconds !== null };
    const replicas = [...this.instances.values()].filter((r) => r.master === key(i.host, i.port)).map((r) => ({ Hostname: r.host, Port: r.port }));
    const down = this.isDowntimed(i) ? i.downtime : null;
    const replicating = i.master !== null && i.valid;
    const cluster = this.clusterOf(i);
    return {
      Key: { Hostname: i.host, Port: i.port },
      InstanceAlias: '',
      Uptime: 3600,
      ServerID: i.port,
      ServerUUID: '',
      Version: '10.11.6-MariaDB-0+deb12u1-log',
      VersionComment: 'Debian 12',
      FlavorName: 'MariaDB',
      ReadOnly: i.readOnly,
      Binlog_format: 'ROW',
      LogBinEnabled: true,
      LogSlaveUpdatesEnabled: true,
      LogReplicationUpdatesEnabled: true,
      MasterKey: { Hostname: mh, Port: mp },
      MasterUUID: '',
      IsDetachedMaster: false,
      Slave_SQL_Running: replicating,
      ReplicationSQLThreadRuning: replicating,
      Slave_IO_Running: replicating,
      ReplicationIOThreadRuning: replicating,
      ReplicationSQLThreadState: replicating ? 1 : i.master === null ? -1 : 0,
      ReplicationIOThreadState: replicating ? 1 : i.master === null ? -1 : 0,
      GTIDMode: '',
      UsingMariaDBGTID: i.master !== null,
      LastSQLError: '',
      LastIOError: '',
      SecondsBehindMaster: lag,
      SlaveLagSeconds: lag,
      ReplicationLagSeconds: lag,
      SlaveHosts: replicas,
      Replicas: replicas,
      ClusterName: cluster,
      SuggestedClusterAlias: this.aliasOf(cluster),
      DataCenter: '',
      ReplicationDepth: i.master === null ? 0 : 1,
      LastSeenTimestamp: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      IsLastCheckValid: i.valid,
      IsUpToDate: i.valid,
      IsRecentlyChecked: true,
      SecondsSinceLastSeen: { Int64: 0, Valid: true },
      IsCandidate: false,
      PromotionRule: 'neutral',
      IsDowntimed: down !== null,
      DowntimeReason: down?.reason ?? '',
      DowntimeOwner: down?.owner ?? '',
      DowntimeEndTimestamp: down ? orchestratorTime(down.endsAt) : '',
      ElapsedDowntime: down ? (this.now() - down.startedAt) * 1e6 : 0,
      UnresolvedHostname: '',
      AllowTLS: false,
      Problems: i.valid ? [] : ['not_recently_checked'],
      LastDiscoveryLatency: 1_000_000,
    };
  }
}
