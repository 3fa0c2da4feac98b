// `galera-warden demo`: README command one.
import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('bring up (or reuse) a local 3-node Galera sandbox and run the warden on it with the built-in proxy, API and dashboard')
    .option('--dir <path>', 'sandbox folder (default: $GALERA_WARDEN_SANDBOX_DIR or ~/.galera-warden/sandbox)')
    .option('-n, --nodes <n>', 'number of nodes for a new sandbox', '3')
    .option('--writer-port <port>', 'built-in proxy writer port', '13306')
    .option('--reader-port <port>', 'built-in proxy reader port', '13307')
    .option('--api-port <port>', 'API and dashboard port', '18080')
    .option('--health-port <port>', 'proxy health port', '11936')
    .action(async (o: { dir?: string; nodes: string; writerPort: string; readerPort: string; apiPort: string; healthPort: string }) => {
      const { runDemo } = await import('../runtime/demo.js');
      const { defaultSandboxDir } = await import('../sandbox/sandbox.js');
      await runDemo({
        dir: o.dir ?? defaultSandboxDir(),
        nodes: Number(o.nodes),
        writerPort: Number(o.writerPort),
        readerPort: Number(o.readerPort),
        apiPort: Number(o.apiPort),
        healthPort: Number(o.healthPort),
      });
    });
}
