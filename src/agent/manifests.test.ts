// The shipped Kubernetes manifests, loaded with the client's YAML loader: the agent's probes, preStop hook,
// downward-API env, RBAC and labels must match what the agent serves and asks for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '@kubernetes/client-node';
import type { V1Container, V1Deployment, V1Role } from '@kubernetes/client-node';
import { AGENT_DEFAULTS } from '../config/sections/agent.js';
import { matchesSelector } from './testing/kube-api-double.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const load = (f: string): Array<{ kind: string }> => loadAllYaml(fs.readFileSync(path.join(ROOT, 'deploy/kubernetes', f), 'utf8')) as Array<{ kind: string }>;

describe('deploy/kubernetes manifests', () => {
  for (const mode of ['core', 'satellite'] as const) {
    it(`proxysql-${mode}: agent sidecar wired to its endpoints`, () => {
      const d = load(`proxysql-${mode}.yaml`).find((o) => o.kind === 'Deployment') as V1Deployment;
      const pod = d.spec!.template;
      const labels = pod.metadata!.labels!;
      assert.equal(matchesSelector(labels, mode === 'core' ? AGENT_DEFAULTS.coreSelector : AGENT_DEFAULTS.satelliteSelector), true, 'pod labels match the default selector');
      assert.equal(matchesSelector(labels, mode === 'core' ? AGENT_DEFAULTS.satelliteSelector : AGENT_DEFAULTS.coreSelector), false);
      assert.equal(pod.spec!.serviceAccountName, 'proxysql-agent');
      const byName = new Map<string, V1Container>(pod.spec!.containers.map((c) => [c.name, c]));
      const agent = byName.get('agent')!;
      const proxysql = byName.get('proxysql')!;
      assert.deepEqual(agent.args, ['agent', '--mode', mode]);
      const httpPort = agent.ports!.find((p) => p.name === 'agent-http')!;
      assert.equal(httpPort.containerPort, AGENT_DEFAULTS.httpPort);
      assert.equal(proxysql.startupProbe!.httpGet!.path, '/healthz/started');
      assert.equal(proxysql.livenessProbe!.httpGet!.path, '/healthz/live');
      assert.equal(proxysql.readinessProbe!.httpGet!.path, '/healthz/ready');
      for (const c of [proxysql, agent]) {
        assert.equal(c.lifecycle!.preStop!.httpGet!.path, '/shutdown', `${c.name} preStop`);
        assert.equal(c.lifecycle!.preStop!.httpGet!.port, 'agent-http');
      }
      for (const p of [proxysql.startupProbe!, proxysql.livenessProbe!, proxysql.readinessProbe!]) assert.equal(p.httpGet!.port, 'agent-http');
      const env = new Map(agent.env!.map((e) => [e.name, e]));
      assert.equal(env.get('POD_NAME')!.valueFrom!.fieldRef!.fieldPath, 'metadata.name');
      assert.equal(env.get('POD_NAMESPACE')!.valueFrom!.fieldRef!.fieldPath, 'metadata.namespace');
      assert.ok(env.get('GW_AGENT_ADMIN_PASSWORD')!.valueFrom!.secretKeyRef, 'the admin password from a Secret');
      const delay = Number(env.get('GW_AGENT_SHUTDOWN_DELAY_SECONDS')!.value);
      assert.ok(pod.spec!.terminationGracePeriodSeconds! > delay, 'grace period above the drain');
      assert.equal(proxysql.ports!.find((p) => p.name === 'admin')!.containerPort, AGENT_DEFAULTS.adminPort);
    });
  }

  it('rbac: pods get/list/watch, leases get/create/update, bound to the agent\'s service account', () => {
    const objs = load('rbac.yaml');
    const role = objs.find((o) => o.kind === 'Role') as V1Role;
    const verbs = (group: string, resource: string): string[] => role.rules!.filter((r) => r.apiGroups!.includes(group) && r.resources!.includes(resource)).flatMap((r) => r.verbs).sort();
    assert.deepEqual(verbs('', 'pods'), ['get', 'list', 'watch']);
    assert.deepEqual(verbs('coordination.k8s.io', 'leases'), ['create', 'get', 'update']);
    const binding = objs.find((o) => o.kind === 'RoleBinding') as unknown as { subjects: Array<{ name: string }>; roleRef: { name: string } };
    assert.equal(binding.roleRef.name, 'proxysql-agent');
    assert.deepEqual(binding.subjects.map((s) => s.name), ['proxysql-agent']);
  });
});
