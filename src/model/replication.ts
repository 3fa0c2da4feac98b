// What a replication-aware probe reads from a node of an async (GTID) replication topology.
import type { InstanceKey } from './orchestrator.js';

export interface ReplicationStatus {
  readOnly: boolean;
  /** Slave_IO_Running / Slave_SQL_Running: "Yes", "No", "Connecting", or "" when no replication is set up */
  ioRunning: string;
  sqlRunning: string;
  /** Seconds_Behind_Master; null when NULL (threads stopped) or not a replica */
  secondsBehindMaster: number | null;
  /** @@gtid_current_pos */
  gtidPosition: string;
  /** the master it replicates from; null when it has none (a primary, or RESET SLAVE ALL) */
  master: InstanceKey | null;
  /** Last_IO_Error or Last_SQL_Error; "" when none */
  lastError: string;
}
