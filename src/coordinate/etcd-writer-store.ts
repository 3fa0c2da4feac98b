// The writer record kept in etcd (v3 API, etcd 3.4+), for fleets: one key per cluster, `<prefix>/<cluster>/writer`,
// holding the record as JSON (etcd-record.ts). Compare-and-set reads the key, checks the stored epoch against
// the expected one, then commits a transaction that compares the key's mod revision (or its absence for the
// first record) and this instance's presence key's lease: put on success, read the record back on failure. Two
// instances racing from one epoch read the same revision; etcd applies one transaction, the other one's compare
// fails and it gets the record as it is now.
//
// Each instance holds a lease (TTL from [coordination] leaseMs, whole seconds, kept alive by the client) and a
// presence key under it, `<prefix>/<cluster>/instances/<instanceId>`: `liveInstances()` lists them. A lease that
// expired (the instance lost etcd for longer than its TTL) makes the next write a failure outcome, and the next
// call grants a new lease. Nothing throws; every call ends by its hard timeout (`timeoutMs`).
import os from 'node:os';
import { ConstantBackoff, handleWhen, noop, retry } from 'cockatiel';
import { Etcd3, isRecoverableError } from 'etcd3';
import type { IKeyValue, IOptions, Lease } from 'etcd3';
import type { CasResult, StoreFailure, StoreRead, WriterRecord, WriterRecordChange } from '../model/writer-record.js';
import { Deadline } from '../observe/deadline.js';
import { classifyEtcdError, EtcdStepFailure } from './etcd-errors.js';
import { decodePresence, decodeRecord, DEFAULT_ETCD_PREFIX, encodeRecord, etcdKeys } from './etcd-record.js';
import type { EtcdKeys, Presence } from './etcd-record.js';
import type { WriterStore } from './writer-store.js';
import { checkEtcdOptions } from './etcd-options.js';
import type { EtcdWriterStoreOptions } from './etcd-options.js';

export { checkEtcdOptions };
export type { EtcdWriterStoreOptions };

export type LiveInstances = { ok: true; instances: Presence[] } | { ok: false; error: StoreFailure };

interface HeldLease {
  lease: Lease;
  id: string;
}


export class EtcdWriterStore implements WriterStore {
  readonly kind = 'etcd';
  readonly cluster: string;
  readonly keys: EtcdKeys;
  private readonly client: Etcd3;
  private readonly where: string;
  private readonly ttlSeconds: number;
  private held: HeldLease | undefined;
  private registering: Promise<HeldLease> | undefined;
  /** why the last lease ended, for the next failure's message */
  private lostWhy: string | undefined;
  private closed = false;

  constructor(private readonly o: EtcdWriterStoreOptions) {
    checkEtcdOptions(o);
    this.cluster = o.cluster;
    this.keys = etcdKeys(o.prefix ?? DEFAULT_ETCD_PREFIX, o.cluster, o.instanceId);
    this.where = o.endpoints.join(', ');
    this.ttlSeconds = Math.max(1, Math.ceil(o.leaseMs / 1000));
    this.client = new Etcd3(this.clientOptions());
  }

  private clientOptions(): IOptions {
    const { endpoints, timeoutMs, tls, auth } = this.o;
    const deadline = () => ({ deadline: new Date(Date.now() + timeoutMs) });
    const options: IOptions = {
      hosts: [...endpoints],
      dialTimeout: timeoutMs,
      // unary calls end by the store's timeout; the lease's keep-alive stream has none
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : deadline()),
      // no circuit breaker (it would refuse calls for seconds after etcd comes back); another endpoint is tried
      // at once when one is down, within the same deadline
      faultHandling: { host: () => noop, global: retry(handleWhen(isRecoverableError), { maxAttempts: endpoints.length - 1, backoff: new ConstantBackoff(20) }) },
      grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 },
    };
    if (tls?.ca !== undefined || tls?.cert !== undefined) {
      options.credentials = {
        // grpc takes null for "the system's roots"; the type wants a Buffer
        rootCertificate: (tls.ca !== undefined ? Buffer.from(tls.ca) : null) as Buffer,
        ...(tls.key !== undefined && { privateKey: Buffer.from(tls.key) }),
        ...(tls.cert !== undefined && { certChain: Buffer.from(tls.cert) }),
      };
    }
    if (auth) options.auth = { username: auth.username, password: auth.password, callOptions: deadline };
    return options;
  }

  read(): Promise<StoreRead> {
    return this.run('read', async (d) => {
      await this.register(d);
      const kv = await this.get(d);
      return { ok: true, record: kv ? this.decode(kv) : null };
    });
  }

  compareAndSet(expectedEpoch: number, change: WriterRecordChange): Promise<CasResult> {
    return this.run('write', async (d, markSent) => {
      const held = await this.register(d);
      const kv = await this.get(d);
      const current = kv ? this.decode(kv) : null;
      if ((current?.epoch ?? 0) !== expectedEpoch) return { ok: false, current };
      const epoch = expectedEpoch + 1;
      const txn = (kv ? this.client.if(this.keys.record, 'Mod', '==', kv.mod_revision) : this.client.if(this.keys.record, 'Version', '==', 0))
        .and(this.keys.presence, 'Lease', '==', held.id)
        .then(this.client.put(this.keys.record).value(encodeRecord(this.cluster, epoch, change)))
        .else(this.client.get(this.keys.record), this.client.get(this.keys.presence))
        .options({ deadline: d.at });
      markSent();
      const res = await d.race(txn.commit());
      if (res.succeeded) return { ok: true, record: { ...change, maintenance: [...change.maintenance].sort(), cluster: this.cluster, epoch } };
      const now = res.responses[0]?.response_range.kvs[0];
      const presence = res.responses[1]?.response_range.kvs[0];
      const changed = now?.mod_revision !== kv?.mod_revision;
      if (!changed && presence?.lease !== held.id) {
        this.dropLease(held, `its presence key ${this.keys.presence} is ${presence ? `under another lease (${presence.lease})` : 'gone'}`);
        throw new EtcdStepFailure('COORD_STORE_UNAVAILABLE', `the lease ${held.id} of this instance expired (${this.lostWhy ?? 'no keep-alive reached etcd in time'}); the write was not applied, a new lease is granted on the next call`);
      }
      return { ok: false, current: now ? this.decode(now) : null };
    });
  }

  /** The instances whose lease is alive (their presence keys). */
  liveInstances(): Promise<LiveInstances> {
    return this.run('listing of live instances', async (d) => {
      const res = await d.race(this.client.getAll().prefix(this.keys.instances).options({ deadline: d.at }).exec());
      const instances: Presence[] = [];
      for (const kv of res.kvs) {
        const p = decodePresence(kv.value.toString('utf8'));
        if (!p.ok) throw new EtcdStepFailure('COORD_BAD_RECORD', `${kv.key.toString('utf8')}: ${p.problem}`);
        instances.push(p.value);
      }
      return { ok: true, instances: instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId)) };
    });
  }

  private async get(d: EtcdDeadline): Promise<IKeyValue | undefined> {
    const res = await d.race(this.client.get(this.keys.record).options({ deadline: d.at }).exec());
    return res.kvs[0];
  }

  private decode(kv: IKeyValue): WriterRecord {
    const r = decodeRecord(kv.value.toString('utf8'), this.cluster);
    if (!r.ok) throw new EtcdStepFailure('COORD_BAD_RECORD', `the value of ${this.keys.record} (mod revision ${kv.mod_revision}) is not a writer record: ${r.problem}; fix or delete the key`);
    return r.value;
  }

  /** The lease this instance writes under, granted (with its presence key) when there is none alive. */
  private register(d: EtcdDeadline): Promise<HeldLease> {
    const held = this.held;
    if (held && !held.lease.revoked()) return Promise.resolve(held);
    if (held) this.dropLease(held, 'the client stopped keeping it alive');
    this.registering ??= this.grant().finally(() => {
      this.registering = undefined;
    });
    return d.race(this.registering);
  }

  private async grant(): Promise<HeldLease> {
    const lease = this.client.lease(this.ttlSeconds, { autoKeepAlive: true, deadline: new Date(Date.now() + this.o.timeoutMs) });
    lease.on('lost', (err) => {
      if (this.held?.lease === lease) this.dropLease(this.held, `lost: ${String((err as Error | undefined)?.message ?? err).split('\n')[0]}`);
    });
    try {
      const id = await lease.grant();
      const presence: Presence = { instanceId: this.o.instanceId, host: os.hostname(), pid: process.pid, since: Date.now() };
      await lease.put(this.keys.presence).value(JSON.stringify(presence)).options({ deadline: new Date(Date.now() + this.o.timeoutMs) }).exec();
      if (this.closed) throw new EtcdStepFailure('COORD_STORE_UNAVAILABLE', 'the store was closed');
      const held = { lease, id };
      this.held = held;
      return held;
    } catch (err) {
      lease.release();
      throw err;
    }
  }

  private dropLease(held: HeldLease, why: string): void {
    if (this.held === held) this.held = undefined;
    this.lostWhy = `lease ${held.id} ${why}`;
    held.lease.release();
  }

  /** Runs one call under the hard timeout; every failure becomes an outcome. */
  private async run<T extends { ok: boolean }>(what: string, fn: (d: EtcdDeadline, sent: () => void) => Promise<T>): Promise<T> {
    const fail = (error: StoreFailure) => ({ ok: false, error }) as unknown as T;
    if (this.closed) return fail({ code: 'COORD_STORE_UNAVAILABLE', message: `etcd store (${this.where}): the store was closed` });
    const d = new EtcdDeadline(this.o.timeoutMs);
    let sent = false;
    try {
      return await d.race(fn(d, () => {
        sent = true;
      }));
    } catch (err) {
      const f = classifyEtcdError(err, { sent, timeoutMs: this.o.timeoutMs });
      if (f.leaseInvalid && this.held) this.dropLease(this.held, 'is unknown to etcd (expired)');
      return fail({ code: f.code, message: `etcd store ${this.keys.record} (${this.where}): the ${what} failed: ${f.message}` });
    } finally {
      d.clear();
    }
  }

  /** graceful: revoke the lease (the presence key goes at once), close the connections */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const held = this.held;
    this.held = undefined;
    if (held) await held.lease.revoke({ deadline: new Date(Date.now() + this.o.timeoutMs) }).catch(() => undefined);
    this.client.close();
  }

  /** abrupt: stop keeping the lease alive (the presence key goes when it expires), drop the connections */
  destroy(): void {
    this.closed = true;
    this.held?.lease.release();
    this.held = undefined;
    this.client.close();
  }
}

/** The store's deadline, with the absolute time grpc calls take. */
class EtcdDeadline extends Deadline {
  readonly at: Date;
  constructor(ms: number) {
    super(ms);
    this.at = new Date(Date.now() + ms);
  }
}
