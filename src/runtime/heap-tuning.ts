// V8 sizes its heap for speed, not for a small resident set. A daemon watching hundreds of nodes opens a
// connection per probe (300 a second at 300 nodes, ~25 MB/s of short-lived objects): V8 then grows its
// young generation to its 32 MB maximum and lets promoted garbage pile up in the old generation (45-50 MB)
// before a mark-compact, while the live heap is 22-25 MB. For a fleet of LARGE_FLEET_NODES or more, two V8
// flags that V8 reads whenever it sizes the heap (so they take effect when set after start, unlike
// --max-semi-space-size) hold both down: the young generation stops growing at its start size, and the old
// generation's next limit is its live size plus HEAP_GROWING_PERCENT. A flag already given on the command
// line or in NODE_OPTIONS wins. Measured in bench/README.md ("Under 150 MB with the defaults").
import v8 from 'node:v8';

/** from this many watched nodes on, the heap is held small */
export const LARGE_FLEET_NODES = 100;
/** the old generation may grow this far past its live size before the next mark-compact */
export const HEAP_GROWING_PERCENT = 50;

const FLAGS: readonly (readonly [name: string, value: number])[] = [
  ['semi-space-growth-factor', 1],
  ['heap-growing-percent', HEAP_GROWING_PERCENT],
];

/** `--name` or `--name=...` in either spelling (V8 accepts `_` and `-`) */
function given(name: string, args: readonly string[]): boolean {
  const plain = (s: string) => s.replaceAll('_', '-');
  return args.some((a) => plain(a) === `--${name}` || plain(a).startsWith(`--${name}=`));
}

/** Pure: the V8 flags to set for a fleet of `nodes`, leaving out any the operator gave (`args`: execArgv and NODE_OPTIONS). */
export function heapFlagsFor(nodes: number, args: readonly string[]): string[] {
  if (nodes < LARGE_FLEET_NODES) return [];
  return FLAGS.filter(([name]) => !given(name, args)).map(([name, value]) => `--${name}=${value}`);
}

/** Sets the flags heapFlagsFor gives for this process; returns them (for the log). */
export function tuneHeapForFleet(nodes: number): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((a) => a !== '')];
  const flags = heapFlagsFor(nodes, args);
  for (const f of flags) v8.setFlagsFromString(f);
  return flags;
}
