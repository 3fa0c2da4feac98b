// A seeded pseudo-random generator (mulberry32): the same seed gives the same campaign, so that a failing round
// can be replayed. Not for anything secret.

export interface Random {
  /** a float in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  below(n: number): number;
  /** one element of a non-empty list */
  pick<T>(list: readonly T[]): T;
}

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number): number => Math.floor(next() * n);
  return {
    next,
    below,
    pick<T>(list: readonly T[]): T {
      if (list.length === 0) throw new RangeError('pick from an empty list');
      return list[below(list.length)]!;
    },
  };
}
