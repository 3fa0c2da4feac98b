// A writer store whose implementation is loaded on its first call: a process holds the code of a store only
// once it uses it (etcd3 with grpc and protobufjs costs ~30 MB of RSS; issue 16). A load that fails is a store
// failure (COORD_STORE_ERROR) like any other, and the next call tries again.
import type { CasResult, StoreFailure, StoreRead, WriterRecordChange } from '../model/writer-record.js';
import type { WriterStore } from './writer-store.js';

export class LazyWriterStore implements WriterStore {
  #loading: Promise<WriterStore> | undefined;
  #store: WriterStore | undefined;
  #closed = false;

  constructor(readonly kind: string, readonly cluster: string, private readonly load: () => Promise<WriterStore>) {}

  /** whether the implementation has been loaded (for tests and the bench) */
  get loaded(): boolean {
    return this.#store !== undefined;
  }

  #get(): Promise<WriterStore> {
    this.#loading ??= this.load().then(
      (store) => {
        this.#store = store;
        // destroyed while loading: the loaded store never serves
        if (this.#closed) store.destroy();
        return store;
      },
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }

  #failure(err: unknown): StoreFailure {
    return { code: 'COORD_STORE_ERROR', message: `${this.kind} store (${this.cluster}): could not be loaded: ${err instanceof Error ? err.message : String(err)}` };
  }

  /** `use` on the loaded store; a failed load answers as a store failure */
  async #with<T>(use: (store: WriterStore) => Promise<T>): Promise<T | { ok: false; error: StoreFailure }> {
    let store: WriterStore;
    try {
      store = await this.#get();
    } catch (err) {
      return { ok: false, error: this.#failure(err) };
    }
    return use(store);
  }

  read(): Promise<StoreRead> {
    return this.#with((s) => s.read());
  }

  compareAndSet(expectedEpoch: number, change: WriterRecordChange): Promise<CasResult> {
    return this.#with((s) => s.compareAndSet(expectedEpoch, change));
  }

  /** never loaded: nothing to close */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#store?.close();
  }

  destroy(): void {
    this.#closed = true;
    this.#store?.destroy();
  }
}
