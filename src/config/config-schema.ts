// The whole config file: one strict table per section, each in its own file under sections/.
// To add a section ([routing], [proxy], [api] ...), write sections/<name>.ts and add one line here.
import type * as z from 'zod';
import { table } from './sections/common.js';
import { clusterSection } from './sections/cluster.js';
import { credentialsSection } from './sections/credentials.js';
import { probeSection } from './sections/probe.js';
import { tlsSection } from './sections/tls.js';
import { nodesSection } from './sections/nodes.js';
import { healthcheckSection } from './sections/healthcheck.js';
import { routingSection } from './sections/routing.js';
import { runSection } from './sections/run.js';
import { proxySection } from './sections/proxy.js';
import { apiSection } from './sections/api.js';
import { proxysqlSection } from './sections/proxysql.js';
import { fencingSection } from './sections/fencing.js';
import { haproxySection } from './sections/haproxy.js';
import { coordinationSection } from './sections/coordination.js';
import { orchestratorSection } from './sections/orchestrator.js';

export const configSchema = table(
  {
    cluster: clusterSection,
    credentials: credentialsSection,
    probe: probeSection.prefault({}),
    tls: tlsSection.prefault({}),
    nodes: nodesSection,
    healthcheck: healthcheckSection.prefault({}),
    routing: routingSection.prefault({}),
    run: runSection.prefault({}),
    proxy: proxySection.prefault({}),
    api: apiSection.prefault({}),
    proxysql: proxysqlSection.prefault({}),
    fencing: fencingSection.prefault({}),
    /** absent: no HAProxy is driven */
    haproxy: haproxySection.optional(),
    coordination: coordinationSection.prefault({}),
    /** absent: no Orchestrator is watched */
    orchestrator: orchestratorSection.optional(),
  },
  'a TOML document',
);

/** The file as validated, before secrets and paths are resolved. */
export type ConfigFile = z.output<typeof configSchema>;
