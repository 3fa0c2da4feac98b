// Network-namespace mode: each node in its own namespace, joined by a bridge; isolate = cut its link.
import { SandboxError } from '../model/errors.js';
import type { SandboxLayout, SandboxNode } from './layout.js';
import { run } from './shell.js';

const ip = (...args: string[]) => run('ip', args, { timeoutMs: 10_000 });

async function exists(kind: 'link' | 'netns', name: string): Promise<boolean> {
  const { stdout } = kind === 'netns' ? await ip('netns', 'list') : await ip('-o', 'link', 'show');
  return kind === 'netns'
    ? stdout.split('\n').some((l) => l.split(' ')[0] === name)
    : stdout.split('\n').some((l) => l.split(':')[1]?.trim().split('@')[0] === name);
}

/** Pids running inside the namespace (none when it does not exist). */
async function pidsIn(ns: string): Promise<number[]> {
  if (!(await exists('netns', ns))) return [];
  const { stdout } = await ip('netns', 'pids', ns);
  return stdout.split('\n').filter((l) => l.trim() !== '').map(Number);
}

/**
 * The bridge and namespace names derive from the subnet alone, so a second sandbox on the same subnet
 * would tear down the first one's network. Refuses while a process runs in any of the namespaces (call
 * it before anything is created: a failed `up` removes the network it names). Leftovers of a sandbox
 * that is gone do not count: createNetwork removes them.
 */
export async function assertNetworkFree(layout: SandboxLayout): Promise<void> {
  for (const n of layout.nodes) {
    const pids = await pidsIn(n.netns!);
    if (pids.length > 0) {
      throw new SandboxError(`network namespace ${n.netns} (subnet ${n.host.replace(/\.\d+$/, '.0/24')}) is in use by another sandbox` +
        ` (pid ${pids.join(', ')}): give this one another --subnet, or run \`sandbox down\` on the other`);
    }
  }
}

/** Creates the bridge and one namespace per node (after removing leftovers of the same names). */
export async function createNetwork(layout: SandboxLayout): Promise<void> {
  const bridge = layout.bridge!;
  await destroyNetwork(layout);
  await ip('link', 'add', bridge, 'type', 'bridge');
  await ip('addr', 'add', `${layout.bridgeAddress}/24`, 'dev', bridge);
  await ip('link', 'set', bridge, 'up');
  for (const n of layout.nodes) await createNodeNamespace(n, bridge);
}

async function createNodeNamespace(n: SandboxNode, bridge: string): Promise<void> {
  const ns = n.netns!;
  await ip('netns', 'add', ns);
  await ip('link', 'add', n.veth!, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await ip('link', 'set', n.veth!, 'master', bridge, 'up');
  await ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${n.host}/24`, 'dev', 'eth0');
  await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up');
  await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
}

export async function destroyNetwork(layout: SandboxLayout): Promise<void> {
  for (const n of layout.nodes) {
    if (n.veth && (await exists('link', n.veth))) await ip('link', 'del', n.veth);
    if (n.netns && (await exists('netns', n.netns))) await ip('netns', 'del', n.netns);
  }
  if (layout.bridge && (await exists('link', layout.bridge))) await ip('link', 'del', layout.bridge);
}

/** Cuts the node off from every peer and from the host (its link goes down); the process keeps running. */
export async function isolateNode(n: SandboxNode): Promise<void> {
  await ip('link', 'set', n.veth!, 'down');
}

export async function healNode(n: SandboxNode, bridge: string): Promise<void> {
  await ip('link', 'set', n.veth!, 'master', bridge, 'up');
}
