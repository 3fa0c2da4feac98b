// Three of mysql2's tables, its string decoder and its escape, for the lean client (./connection.ts): the
// server's error names by number (what mysql2 puts in an error's `code`), the character-set number -> encoding
// table and the decoder mysql2 reads text columns with, so that both clients name errors and decode text alike;
// mysql2's escape (its sql-escaper's) for the modules that use only that of mysql2. mysql2 does
// not export these paths, so they are required by file from mysql2's folder, on first use (the error table
// alone costs ~6 ms to load). scripts/bundle-scheduler.mjs replaces this module in the scheduler bundle by
// plain requires of the same files, which it bundles (and patches) like the rest of mysql2; there the error
// names are read from scheduler-error-names.txt at the first error, and iconv-lite comes from scheduler-extra.cjs.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type Decode = (buffer: Buffer, encoding: string, start: number, end: number) => string;

const req = createRequire(import.meta.url);
let root: string | undefined;
const load = <T>(file: string): T => req(join((root ??= dirname(req.resolve('mysql2'))), file)) as T;

let names: Record<string, string | undefined> | undefined;
let encodings: readonly string[] | undefined;
let decoder: Decode | undefined;
let escaper: ((value: unknown) => string) | undefined;

/** mysql2's name for a server error number (ER_ACCESS_DENIED_ERROR for 1045), undefined when it has none */
export function errorName(errno: number): string | undefined {
  return (names ??= load<Record<string, string | undefined>>('lib/constants/errors.js'))[errno];
}

/** the Node encoding mysql2 reads a character set as (utf8, latin1, cesu8, ...) */
export function charsetEncoding(charset: number): string | undefined {
  return (encodings ??= load<readonly string[]>('lib/constants/charset_encodings.js'))[charset];
}

/** mysql2's decoder (Buffer's encodings natively, the others through iconv-lite) */
export function decode(buffer: Buffer, encoding: string, start: number, end: number): string {
  return (decoder ??= load<{ decode: Decode }>('lib/parsers/string.js').decode)(buffer, encoding, start, end);
}

/** mysql2's escape(): a value as an SQL literal */
export function escape(value: unknown): string {
  escaper ??= (createRequire(join((root ??= dirname(req.resolve('mysql2'))), 'index.js'))('sql-escaper') as { escape: (v: unknown) => string }).escape;
  return escaper(value);
}
