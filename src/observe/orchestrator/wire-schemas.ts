// The JSON shapes of Orchestrator's HTTP API that the source reads, as Orchestrator 3.x writes them
// (go/inst/instance.go marshalled by encoding/json; go/http/api.go for the endpoints). Only the fields the source
// uses are required; the rest of an instance object passes through unchecked.
import * as z from 'zod';
import type { OrchestratorInstance } from '../../model/orchestrator.js';

/** inst.InstanceKey: {"Hostname": "db1", "Port": 3306}; a master's MasterKey is {"Hostname": "", "Port": 0}. */
export const instanceKeySchema = z.looseObject({
  Hostname: z.string(),
  Port: z.int().min(0).max(65535),
});

/** sql.NullInt64 marshalled as an object: {"Int64": 3, "Valid": true}. */
export const nullInt64Schema = z.looseObject({
  Int64: z.number(),
  Valid: z.boolean(),
});

export const instanceSchema = z.looseObject({
  Key: instanceKeySchema,
  ReadOnly: z.boolean(),
  MasterKey: instanceKeySchema,
  IsDowntimed: z.boolean(),
  DowntimeReason: z.string(),
  DowntimeEndTimestamp: z.string(),
  IsLastCheckValid: z.boolean(),
  ReplicationLagSeconds: nullInt64Schema,
  ClusterName: z.string(),
});

export type WireInstance = z.output<typeof instanceSchema>;

export const instanceListSchema = z.array(instanceSchema);

/** http.APIResponse, the body of every error answer: {"Code": "ERROR", "Message": "...", "Details": null}. */
export const apiResponseSchema = z.looseObject({
  Code: z.string(),
  Message: z.string(),
});

/** /api/leader-check answers a JSON string: "OK" (200) on the leader, "Not leader" (404 by default) elsewhere. */
export const leaderCheckSchema = z.string();

export function toInstance(w: WireInstance): OrchestratorInstance {
  const master = w.MasterKey.Hostname === '' && w.MasterKey.Port === 0 ? null : { host: w.MasterKey.Hostname, port: w.MasterKey.Port };
  return {
    host: w.Key.Hostname,
    port: w.Key.Port,
    downtimed: w.IsDowntimed,
    downtimeReason: w.DowntimeReason,
    downtimeEnd: w.DowntimeEndTimestamp,
    readOnly: w.ReadOnly,
    lastCheckValid: w.IsLastCheckValid,
    master,
    lagSeconds: w.ReplicationLagSeconds.Valid ? w.ReplicationLagSeconds.Int64 : null,
    clusterName: w.ClusterName,
  };
}

/** The first few zod issues as one line: path and message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
