// The decision state on disk, so that a restarted warden resumes the same sticky writer and epoch.
// Written atomically (temporary file + rename); an unreadable or foreign file is reported, not trusted.
import fs from 'node:fs';
import path from 'node:path';
import type { DecideState } from '../model/decision.js';
import type { StateStore } from './warden-loop.js';

export class StateFile implements StateStore {
  constructor(
    readonly file: string,
    private readonly warn: (msg: string) => void = () => undefined,
  ) {}

  load(): DecideState | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`state file ${this.file}: ${(err as Error).message}; starting fresh`);
      return null;
    }
    try {
      const state = JSON.parse(text) as DecideState;
      if (state.version !== 1 || typeof state.writer?.epoch !== 'number' || typeof state.nodes !== 'object') throw new Error('not a galera-warden decision state');
      return state;
    } catch (err) {
      this.warn(`state file ${this.file}: ${(err as Error).message}; starting fresh`);
      return null;
    }
  }

  save(state: DecideState): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, this.file);
  }
}
