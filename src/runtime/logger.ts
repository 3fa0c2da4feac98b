// Logs: JSON lines (pino) with secrets redacted, or a short human form for a terminal.
import { Writable } from 'node:stream';
import { pino } from 'pino';

export type Logger = pino.Logger;

export interface LogOptions {
  level: string;
  format: 'json' | 'pretty';
  destination?: NodeJS.WritableStream;
}

const REDACT = ['password', '*.password', '*.*.password', 'credentials', 'authorization', '*.authorization'];
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One line per entry: "12:00:01.234 INFO  message key=value ...". */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          const time = new Date(Number(e.time)).toISOString().slice(11, 23);
          const extra = Object.entries(e).filter(([k]) => !SKIP.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
          out.write(`${time} ${(LEVELS[Number(e.level)] ?? '?').padEnd(5)} ${typeof e.msg === 'string' ? e.msg : ''}${extra.length ? '  ' + extra.join(' ') : ''}\n`);
        } catch {
          out.write(line + '\n');
        }
      }
      done();
    },
  });
}

export function createLogger(o: LogOptions): Logger {
  const out = o.destination ?? process.stdout;
  const stream = o.format === 'pretty' ? prettyStream(out) : out;
  return pino({ level: o.level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } }, stream as pino.DestinationStream);
}
