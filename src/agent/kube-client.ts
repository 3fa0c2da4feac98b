// The agent's Kubernetes API access through @kubernetes/client-node 1.x: the credentials (a kubeconfig file,
// else the in-cluster service account), every request under a deadline (an AbortSignal set by a middleware),
// and the Lease store of the election on CoordinationV1Api.
import { ApiException, CoordinationV1Api, CoreV1Api, KubeConfig, Observable, V1MicroTime } from '@kubernetes/client-node';
import type { ConfigurationOptions, RequestContext, ResponseContext, V1Lease } from '@kubernetes/client-node';
import { WardenError } from '../model/errors.js';
import type { LeaseRecord, LeaseStore, StoredLease } from './lease-election.js';

export class KubeError extends WardenError {
  /** HTTP status of the API answer, 0 when there was none (refused, timed out) */
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(status === 0 ? 'E_KUBE_UNREACHABLE' : status === 409 ? 'E_KUBE_CONFLICT' : 'E_KUBE_API', message, options);
    this.status = status;
  }
}

/** A kubeconfig file when given (or $KUBECONFIG), else the pod's service account, else ~/.kube/config. */
export function loadKubeConfig(o: { kubeconfig?: string | undefined } = {}): KubeConfig {
  const kc = new KubeConfig();
  const file = o.kubeconfig ?? process.env.KUBECONFIG;
  try {
    if (file) kc.loadFromFile(file);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (err) {
    throw new KubeError(0, `cannot load the Kubernetes credentials from ${file ?? 'the service account / ~/.kube/config'}: ${(err as Error).message}`, { cause: err });
  }
  if (!kc.getCurrentCluster()) throw new KubeError(0, `no Kubernetes cluster in ${file ?? 'the default kubeconfig'} (context "${kc.getCurrentContext()}")`);
  return kc;
}

/** Per-request options: abort the request when `ms` pass. */
export function deadline(ms: number): ConfigurationOptions {
  return {
    middleware: [{
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(ms));
        return new Observable(Promise.resolve(ctx));
      },
      post: (r: ResponseContext) => new Observable(Promise.resolve(r)),
    }],
    middlewareMergeStrategy: 'append',
  };
}

/** Any failure of a client-node call as a KubeError naming what was asked. */
export function kubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const body = err.body as { message?: string } | string | undefined;
    const msg = typeof body === 'string' ? body.slice(0, 300) : body?.message ?? err.message;
    return new KubeError(err.code, `Kubernetes API ${what}: HTTP ${err.code}: ${msg}`, { cause: err });
  }
  return new KubeError(0, `Kubernetes API ${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  requestTimeoutMs: number;
}

export function kubeClients(kc: KubeConfig, requestTimeoutMs = 5000): KubeClients {
  return { kc, core: kc.makeApiClient(CoreV1Api), coordination: kc.makeApiClient(CoordinationV1Api), requestTimeoutMs };
}

/** The Lease of the election in one namespace, read and written with optimistic concurrency. */
export class KubeLeaseStore implements LeaseStore {
  readonly #k: KubeClients;
  constructor(k: KubeClients, readonly namespace: string, readonly name: string) {
    this.#k = k;
  }

  async get(): Promise<StoredLease | undefined> {
    try {
      const l = await this.#k.coordination.readNamespacedLease({ name: this.name, namespace: this.namespace }, deadline(this.#k.requestTimeoutMs));
      return fromLease(l);
    } catch (err) {
      const e = kubeError(err, `GET lease ${this.namespace}/${this.name}`);
      if (e.status === 404) return undefined;
      throw e;
    }
  }

  async create(r: LeaseRecord): Promise<StoredLease> {
    try {
      const l = await this.#k.coordination.createNamespacedLease({ namespace: this.namespace, body: toLease(this.name, this.namespace, r, undefined) }, deadline(this.#k.requestTimeoutMs));
      return fromLease(l);
    } catch (err) {
      throw kubeError(err, `POST lease ${this.namespace}/${this.name}`);
    }
  }

  async replace(r: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    try {
      const l = await this.#k.coordination.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: toLease(this.name, this.namespace, r, resourceVersion) }, deadline(this.#k.requestTimeoutMs));
      return fromLease(l);
    } catch (err) {
      throw kubeError(err, `PUT lease ${this.namespace}/${this.name}`);
    }
  }
}

function micro(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

function toLease(name: string, namespace: string, r: LeaseRecord, resourceVersion: string | undefined): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined && { resourceVersion }) },
    spec: {
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.leaseDurationSeconds,
      acquireTime: micro(r.acquireTime),
      renewTime: micro(r.renewTime),
      leaseTransitions: r.leaseTransitions,
    },
  };
}

function fromLease(l: V1Lease): StoredLease {
  const s = l.spec ?? {};
  return {
    resourceVersion: l.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: s.holderIdentity ?? '',
      leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
      acquireTime: s.acquireTime ? new Date(s.acquireTime).getTime() : 0,
      renewTime: s.renewTime ? new Date(s.renewTime).getTime() : 0,
      leaseTransitions: s.leaseTransitions ?? 0,
    },
  };
}
