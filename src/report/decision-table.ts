// A terminal table of one recorded tick: each node's decided roles next to what its probe saw.
import type { ProxyStatsSnapshot, TickRecord } from '../model/tick.js';
import { formatColumns } from './status-table.js';

const HEADERS = ['NODE', 'ADDRESS', 'WRITER', 'READER', 'IN SERVICE', 'STATE', 'PRIMARY', 'SESSIONS', 'MS', 'REASON'];

export function renderDecisionTable(t: TickRecord, stats?: ProxyStatsSnapshot): string {
  const obs = new Map(t.observation.nodes.map((o) => [o.node, o]));
  const rows = t.desired.nodes.map((d) => {
    const o = obs.get(d.node);
    const s = o?.status;
    const sessions = (stats?.writer[d.node]?.sessions ?? 0) + (stats?.reader[d.node]?.sessions ?? 0);
    return [
      d.node,
      `${d.host}:${d.port}`,
      d.writer,
      d.reader,
      d.inService ? 'yes' : 'no',
      s ? s.localStateComment : (o?.error?.kind ?? '-'),
      s ? (s.clusterStatus === 'Primary' ? 'yes' : s.clusterStatus) : '-',
      String(sessions),
      o ? o.latencyMs.toFixed(1) : '-',
      d.reasons[0]?.code ?? '-',
    ];
  });
  return formatColumns([HEADERS, ...rows]);
}
