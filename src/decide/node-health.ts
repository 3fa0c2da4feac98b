// Pure classification of one node observation: may it take traffic, as a writer, as a reader?
// Shared by the node-side healthcheck, `status` and the decision core (which adds hysteresis,
// membership cross-checks and election on top). No I/O.
import type { NodeObservation, ProbeError, ProbeErrorKind } from '../model/observation.js';
import { BUSY_ERRNOS, WSREP_STATE } from '../model/observation.js';
import type { NodeReasonCode, Reason, ReplicationReasonCode } from '../model/reasons.js';
import { NODE_REASON } from '../model/reasons.js';

export interface HealthOptions {
  /** a Donor/Desynced node that does not reject queries may take traffic (Switchboard's available_when_donor) */
  availableWhenDonor: boolean;
  /** a read_only node may take (read) traffic (Switchboard's available_when_read_only) */
  availableWhenReadOnly: boolean;
}

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = { availableWhenDonor: false, availableWhenReadOnly: false };

export interface NodeHealth {
  /** may take traffic at all under the given options (the healthcheck's 200) */
  available: boolean;
  /** fit to be a writer: available and not read_only */
  writable: boolean;
  /** every reason that counts against the node; empty when fully healthy (replication codes in that topology) */
  reasons: Reason<NodeReasonCode | ReplicationReasonCode>[];
}

const ERROR_REASON: Record<ProbeErrorKind, NodeReasonCode> = {
  refused: NODE_REASON.PROBE_REFUSED,
  timeout: NODE_REASON.PROBE_TIMEOUT,
  busy: NODE_REASON.NODE_BUSY,
  shutdown: NODE_REASON.NODE_SHUTTING_DOWN,
  auth: NODE_REASON.PROBE_AUTH,
  tls: NODE_REASON.PROBE_TLS,
  unreachable: NODE_REASON.PROBE_UNREACHABLE,
  protocol: NODE_REASON.PROBE_FAILED,
  query: NODE_REASON.PROBE_FAILED,
  unknown: NODE_REASON.PROBE_FAILED,
};

/** The short phrase for a failed probe, as status, the API and the dashboard show it: "busy: too many connections". */
export function probeErrorLabel(e: Pick<ProbeError, 'kind' | 'errno'>): string {
  if (e.kind === 'busy') {
    const what = e.errno !== undefined && Object.hasOwn(BUSY_ERRNOS, e.errno) ? BUSY_ERRNOS[e.errno] : undefined;
    return what === undefined ? 'busy' : `busy: ${what}`;
  }
  return e.kind === 'shutdown' ? 'shutting down' : e.kind;
}

export function assessNode(obs: NodeObservation, options: HealthOptions = DEFAULT_HEALTH_OPTIONS): NodeHealth {
  const n = obs.node;
  if (!obs.status) {
    const kind = obs.error?.kind ?? 'unknown';
    const message = obs.error?.message ?? `${n}: no observation`;
    return { available: false, writable: false, reasons: [{ code: ERROR_REASON[kind], message }] };
  }
  const s = obs.status;
  const reasons: Reason<NodeReasonCode>[] = [];
  // `blocking` reasons make the node unavailable; READ_ONLY only blocks writes unless allowed.
  let blocking = false;
  const add = (code: NodeReasonCode, message: string, blocks = true): void => {
    reasons.push({ code, message: `${n}: ${message}` });
    if (blocks) blocking = true;
  };
  if (!s.wsrepOn) add(NODE_REASON.WSREP_OFF, 'wsrep_on=OFF, the server is not a Galera member');
  if (s.clusterStatus !== 'Primary') add(NODE_REASON.NOT_PRIMARY, `wsrep_cluster_status=${s.clusterStatus}, not in the Primary component`);
  if (!s.connected) add(NODE_REASON.NOT_CONNECTED, 'wsrep_connected=OFF');
  if (!s.ready) add(NODE_REASON.NOT_READY, 'wsrep_ready=OFF');
  if (s.localState === WSREP_STATE.DONOR_DESYNCED) {
    if (s.donorRejectsQueries) add(NODE_REASON.DONOR_REJECTS, `wsrep_local_state=2 ${s.localStateComment}, donor rejects queries`);
    else if (s.desync) add(NODE_REASON.DESYNCED, `wsrep_local_state=2 ${s.localStateComment}, wsrep_desync=ON`, !options.availableWhenDonor);
    else add(NODE_REASON.DONOR, `wsrep_local_state=2 ${s.localStateComment}`, !options.availableWhenDonor);
  } else if (s.localState !== WSREP_STATE.SYNCED) {
    add(NODE_REASON.NOT_SYNCED, `wsrep_local_state=${s.localState} ${s.localStateComment}, not Synced`);
  }
  if (s.rejectQueries !== 'NONE') add(NODE_REASON.REJECT_QUERIES, `wsrep_reject_queries=${s.rejectQueries}`);
  if (s.pxcMaintMode !== 'DISABLED') add(NODE_REASON.MAINT_MODE, `pxc_maint_mode=${s.pxcMaintMode}`);
  if (!s.tableAccess.ok) {
    const detail = s.tableAccess.errno !== undefined ? ` (error ${s.tableAccess.errno})` : '';
    add(NODE_REASON.TABLE_ACCESS, `table access refused${detail}: ${s.tableAccess.message ?? 'unknown error'}`);
  }
  if (s.readOnly) add(NODE_REASON.READ_ONLY, 'read_only=ON', !options.availableWhenReadOnly);
  const available = !blocking;
  return { available, writable: available && !s.readOnly, reasons };
}
