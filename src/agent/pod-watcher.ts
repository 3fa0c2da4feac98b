// Pods of one namespace and label selector, kept current like client-go's reflector: list (remember the
// list's resourceVersion), watch from it, re-watch from the last resourceVersion seen when a watch ends,
// relist when the API answers 410 Gone (an ERROR event with a Status of code 410, or HTTP 410), back off
// after failures. Every request has a deadline; a watch that outlives its timeoutSeconds is aborted.
import { Watch } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { deadline, kubeError } from './kube-client.js';
import type { KubeClients } from './kube-client.js';

export interface PodInfo {
  name: string;
  ip: string | undefined;
  /** the Ready condition is True */
  ready: boolean;
  /** deletionTimestamp set: the pod is going away */
  deleting: boolean;
}

export function podInfo(p: V1Pod): PodInfo {
  const ready = (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return { name: p.metadata?.name ?? '', ip: p.status?.podIP || undefined, ready, deleting: p.metadata?.deletionTimestamp != null };
}

/** Serving pods: ready, not being deleted, with an IP. */
export function servingPods(pods: Iterable<PodInfo>): PodInfo[] {
  return [...pods].filter((p) => p.ready && !p.deleting && p.ip !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

export interface PodWatcherOptions {
  clients: KubeClients;
  namespace: string;
  labelSelector: string;
  /** asked of the server; the client aborts the watch 15 s after it */
  watchTimeoutSeconds?: number;
  backoffMaxMs?: number;
  onChange?: () => void;
  onError?: (err: Error) => void;
}

export class PodWatcher {
  readonly #o: PodWatcherOptions;
  readonly #pods = new Map<string, PodInfo>();
  #rv: string | undefined;
  #synced = false;
  #stopped = false;
  #abort: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  readonly counts = { lists: 0, watches: 0, expired: 0, events: 0 };

  constructor(o: PodWatcherOptions) {
    this.#o = o;
  }

  /** the pods as last seen, by name */
  get pods(): ReadonlyMap<string, PodInfo> {
    return this.#pods;
  }

  /** a list has succeeded at least once */
  get synced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  start(): void {
    this.#schedule(0, 'list');
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
  }

  #schedule(ms: number, what: 'list' | 'watch'): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { void (what === 'list' ? this.#list() : this.#watch()); }, ms);
  }

  #failed(err: Error, next: 'list' | 'watch'): void {
    this.#failures += 1;
    this.#o.onError?.(err);
    this.#schedule(Math.min(this.#o.backoffMaxMs ?? 10_000, 200 * 2 ** Math.min(10, this.#failures - 1)), next);
  }

  async #list(): Promise<void> {
    const c = this.#o.clients;
    try {
      const list = await c.core.listNamespacedPod({ namespace: this.#o.namespace, labelSelector: this.#o.labelSelector }, deadline(c.requestTimeoutMs));
      if (this.#stopped) return;
      this.counts.lists += 1;
      this.#pods.clear();
      for (const p of list.items) {
        const i = podInfo(p);
        this.#pods.set(i.name, i);
      }
      this.#rv = list.metadata?.resourceVersion;
      this.#synced = true;
      this.#failures = 0;
      this.#o.onChange?.();
      this.#schedule(0, 'watch');
    } catch (err) {
      this.#failed(kubeError(err, `list pods ${this.#o.namespace} (${this.#o.labelSelector})`), 'list');
    }
  }

  async #watch(): Promise<void> {
    const c = this.#o.clients;
    const seconds = this.#o.watchTimeoutSeconds ?? 300;
    let expired = false;
    let done = false;
    const timers: { guard?: NodeJS.Timeout } = {};
    const finish = (err: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timers.guard);
      if (this.#stopped) return;
      const status = (err as { statusCode?: number } | null)?.statusCode;
      if (expired || status === 410) {
        this.counts.expired += 1;
        this.#schedule(0, 'list');
      } else if (err && (err as Error).name !== 'AbortError') {
        this.#failed(kubeError(err, `watch pods ${this.#o.namespace} from resourceVersion ${this.#rv ?? '-'}`), 'watch');
      } else {
        this.#schedule(0, 'watch');
      }
    };
    this.counts.watches += 1;
    // the server ends the watch after timeoutSeconds; if it does not, the client does
    timers.guard = setTimeout(() => { this.#abort?.abort(); finish(null); }, (seconds + 15) * 1000);
    try {
      const path = `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/pods`;
      this.#abort = await new Watch(c.kc).watch(path, { labelSelector: this.#o.labelSelector, resourceVersion: this.#rv, allowWatchBookmarks: true, timeoutSeconds: seconds }, (type: string, obj: unknown) => {
        if (done) return;
        if (type === 'ERROR') {
          const code = (obj as { code?: number }).code;
          if (code === 410) expired = true;
          else this.#o.onError?.(kubeError(new Error((obj as { message?: string }).message ?? 'watch ERROR event'), `watch pods ${this.#o.namespace}`));
          this.#abort?.abort();
          return;
        }
        const pod = obj as V1Pod;
        if (pod.metadata?.resourceVersion) this.#rv = pod.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        this.counts.events += 1;
        this.#failures = 0;
        const i = podInfo(pod);
        if (type === 'DELETED') this.#pods.delete(i.name);
        else this.#pods.set(i.name, i);
        this.#o.onChange?.();
      }, finish);
      // ended, or stopped, while the watch was being opened (stop() had no controller to abort yet)
      if (done || this.#stopped) this.#abort.abort();
    } catch (err) {
      finish(err);
    }
  }
}
