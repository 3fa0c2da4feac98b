// Pure: from the proxy's actual pools and the desired routing to the change the proxy must make.
import type { DesiredRouting } from '../../model/decision.js';
import type { Backend } from './backend-set.js';

export interface ProxyPools {
  writers: string[];
  readers: string[];
  /** the ports refuse every new client (traffic switched off) */
  refusing?: boolean;
}

export interface ProxyPlan {
  writers: Backend[];
  readers: Backend[];
  severWriter: string[];
  severReader: string[];
  /** set while traffic is switched off: new clients are refused at once (Switchboard), with this reason */
  refuse?: string;
  /** nothing to do: pools already match and nobody is to be severed */
  noop: boolean;
  actions: string[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function planProxy(actual: ProxyPools, desired: DesiredRouting, connected: (port: 'writer' | 'reader', node: string) => boolean): ProxyPlan {
  const byName = new Map(desired.nodes.map((n) => [n.node, n]));
  const backend = (name: string): Backend => {
    const n = byName.get(name);
    if (!n) throw new Error(`desired routing names ${name} but has no node entry for it`);
    return { name, host: n.host, port: n.port };
  };
  const writers = desired.writers.map(backend);
  const readers = desired.readers.map(backend);
  const severWriter = desired.nodes.filter((n) => n.writerConnections === 'sever' && connected('writer', n.node)).map((n) => n.node);
  const severReader = desired.nodes.filter((n) => n.readerConnections === 'sever' && connected('reader', n.node)).map((n) => n.node);
  const actions: string[] = [];
  if (!same(actual.writers, desired.writers)) actions.push(`writer pool: [${actual.writers.join(', ')}] -> [${desired.writers.join(', ')}]`);
  if (!same(actual.readers, desired.readers)) actions.push(`reader pool: [${actual.readers.join(', ')}] -> [${desired.readers.join(', ')}]`);
  if (severWriter.length > 0) actions.push(`sever writer-port connections to ${severWriter.join(', ')}`);
  if (severReader.length > 0) actions.push(`sever reader-port connections to ${severReader.join(', ')}`);
  const refuse = desired.trafficOff;
  if ((refuse !== undefined) !== (actual.refusing === true)) actions.push(refuse !== undefined ? `refuse new clients (${refuse})` : 'accept new clients again');
  return { writers, readers, severWriter, severReader, ...(refuse !== undefined ? { refuse } : {}), noop: actions.length === 0, actions };
}
