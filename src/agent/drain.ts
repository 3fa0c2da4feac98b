// The preStop drain of seed 001: client connections may live at most shutdownDelay from now, idle ones are
// closed, ProxySQL stops accepting new clients (PROXYSQL PAUSE); then wait until no client is connected or
// shutdownDelay has passed. No PROXYSQL KILL: the container runtime stops ProxySQL after the hook, and
// killing it from here is what made the seed's agent print connection errors on every shutdown.
import type { AdminSession } from './admin-session.js';

export interface DrainResult {
  /** clients still connected when the wait ended */
  clientsLeft: number;
  waitedMs: number;
  /** statements that failed (the drain goes on without them) */
  errors: string[];
}

export function drainStatements(shutdownDelaySeconds: number): string[] {
  const ms = Math.max(1000, Math.trunc(shutdownDelaySeconds * 1000));
  return [
    `UPDATE global_variables SET variable_value = '${ms}' WHERE variable_name IN ('mysql-connection_max_age_ms', 'mysql-max_transaction_idle_time', 'mysql-max_transaction_time')`,
    "UPDATE global_variables SET variable_value = '1' WHERE variable_name = 'mysql-wait_timeout'",
    'LOAD MYSQL VARIABLES TO RUNTIME',
    'PROXYSQL PAUSE',
  ];
}

export async function connectedClients(admin: AdminSession): Promise<number> {
  const rows = await admin.query("SELECT Variable_Value AS n FROM stats_mysql_global WHERE Variable_Name = 'Client_Connections_connected'");
  return Number(rows[0]?.n ?? 0);
}

export async function drain(admin: AdminSession, shutdownDelaySeconds: number, pollMs = 500, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<DrainResult> {
  const start = Date.now();
  const errors: string[] = [];
  for (const s of drainStatements(shutdownDelaySeconds)) {
    try {
      await admin.query(s);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const end = start + shutdownDelaySeconds * 1000;
  let left = -1;
  for (;;) {
    try {
      left = await connectedClients(admin);
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (left === 0 || Date.now() >= end) break;
    await sleep(Math.min(pollMs, Math.max(1, end - Date.now())));
  }
  return { clientsLeft: Math.max(0, left), waitedMs: Date.now() - start, errors };
}
