// Network-namespace mode: each node in its own namespace, joined by a bridge; isolate = cut its link.
import type { SandboxLayout, SandboxNode } from './layout.js';
import { run } from './shell.js';

const ip = (...args: string[]) => run('ip', args, { timeoutMs: 10_000 });

async function exists(kind: 'link' | 'netns', name: string): Promise<boolean> {
  const { stdout } = kind === 'netns' ? await ip('netns', 'list') : await ip('-o', 'link', 'show');
  return kind === 'netns'
    ? stdout.split('\n').some((l) => l.split(' ')[0] === name)
    : stdout.split('\n').some((l) => l.split(':')[1]?.trim().split('@')[0] === name);
}

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
