// The reader pool: every node in service that is a reader candidate; the writer too when writerIsAlsoReader is
// on. When no reader is left, the writer serves reads whatever the setting (pxcScheduler's rule).
import type { DecideConfig } from '../model/decide-config.js';
import { compareText } from './conditions.js';
import type { ElectionNode } from './election.js';

export interface ReaderPool {
  readers: string[];
  /** no other reader was left, so the writer(s) serve reads */
  writerServesReads: boolean;
}

export function chooseReaders(nodes: readonly ElectionNode[], writers: readonly string[], config: Pick<DecideConfig, 'writerIsAlsoReader'>): ReaderPool {
  const pool = nodes
    .filter((n) => n.inService && n.readerCandidate && (config.writerIsAlsoReader || !writers.includes(n.name)))
    .map((n) => n.name);
  if (pool.length > 0) return { readers: pool.sort(compareText), writerServesReads: false };
  return { readers: [...writers].sort(compareText), writerServesReads: writers.length > 0 };
}
