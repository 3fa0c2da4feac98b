// The MySQL client/server protocol's packets that the lean client (./connection.ts) reads and writes, written
// from the protocol documentation (dev.mysql.com/doc/dev/mysql-server/latest, "Client/Server Protocol"):
// packet framing (3-byte length, sequence id, payloads of 2^24-1 bytes and more split across packets), the
// Initial Handshake v10, HandshakeResponse41, mysql_native_password's scramble, OK / ERR / EOF, and the text
// result set of COM_QUERY. Values are converted as mysql2's text parser converts them for the options the
// project passes (typeCast on, supportBigNumbers, bigNumberStrings, dateStrings), so callers see the same rows.
import { Sha1 } from '../../cli/scheduler-sha1.js';
import { charsetEncoding, decode } from './mysql2-parts.js';

export const MAX_PAYLOAD = 0xffffff;

/** capability flags (Protocol::CapabilityFlags) */
export const CAP = {
  LONG_PASSWORD: 1,
  FOUND_ROWS: 2,
  LONG_FLAG: 4,
  CONNECT_WITH_DB: 8,
  COMPRESS: 32,
  ODBC: 64,
  LOCAL_FILES: 128,
  IGNORE_SPACE: 256,
  PROTOCOL_41: 512,
  SSL: 2048,
  IGNORE_SIGPIPE: 4096,
  TRANSACTIONS: 8192,
  RESERVED: 16384,
  SECURE_CONNECTION: 32768,
  MULTI_STATEMENTS: 1 << 16,
  MULTI_RESULTS: 1 << 17,
  PLUGIN_AUTH: 1 << 19,
  CONNECT_ATTRS: 1 << 20,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  SESSION_TRACK: 1 << 23,
  DEPRECATE_EOF: 1 << 24,
  QUERY_ATTRIBUTES: 1 << 27,
  MULTI_FACTOR_AUTHENTICATION: 1 << 28,
} as const;

/** MariaDB's extended capabilities (the last 4 reserved bytes of the handshakes) */
export const MARIADB_EXTENDED_METADATA = 8;

/** what mysql2 asks for (its default flags, no multiple statements): the server sees the same client either way */
export const CLIENT_FLAGS =
  CAP.LONG_PASSWORD | CAP.FOUND_ROWS | CAP.LONG_FLAG | CAP.CONNECT_WITH_DB | CAP.ODBC | CAP.LOCAL_FILES | CAP.IGNORE_SPACE |
  CAP.PROTOCOL_41 | CAP.IGNORE_SIGPIPE | CAP.TRANSACTIONS | CAP.RESERVED | CAP.SECURE_CONNECTION | CAP.MULTI_RESULTS |
  CAP.SESSION_TRACK | CAP.QUERY_ATTRIBUTES | CAP.PLUGIN_AUTH | CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA | CAP.CONNECT_ATTRS;

/** utf8mb4_unicode_ci, mysql2's default */
export const CLIENT_CHARSET = 224;

const SERVER_MORE_RESULTS_EXISTS = 0x0008;

/** A payload cut into packets from sequence id `seq` (a payload of a multiple of 2^24-1 bytes ends with an empty one). */
export function frame(payload: Buffer, seq: number): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const len = Math.min(MAX_PAYLOAD, payload.length - at);
    const header = Buffer.from([len & 0xff, (len >> 8) & 0xff, len >> 16, seq & 0xff]);
    parts.push(header, payload.subarray(at, at + len));
    seq++;
    at += len;
    if (len < MAX_PAYLOAD) break;
  }
  return Buffer.concat(parts);
}

export interface Packet {
  payload: Buffer;
  /** sequence id of the last packet of the payload */
  seq: number;
}

/** Reassembles payloads from the bytes as they arrive. */
export class PacketReader {
  #buf: Buffer = Buffer.alloc(0);
  #parts: Buffer[] = [];

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  /** the next whole payload, or undefined until more bytes arrive */
  next(): Packet | undefined {
    for (;;) {
      const b = this.#buf;
      if (b.length < 4) return undefined;
      const len = b[0]! | (b[1]! << 8) | (b[2]! << 16);
      if (b.length < 4 + len) return undefined;
      const seq = b[3]!;
      this.#parts.push(b.subarray(4, 4 + len));
      this.#buf = b.subarray(4 + len);
      if (len === MAX_PAYLOAD) continue;
      const parts = this.#parts;
      this.#parts = [];
      return { payload: parts.length === 1 ? parts[0]! : Buffer.concat(parts), seq };
    }
  }
}

/** A cursor over a payload. */
export class Reader {
  at = 0;
  constructor(readonly b: Buffer) {}
  get left(): number {
    return this.b.length - this.at;
  }
  u8(): number {
    return this.b[this.at++]!;
  }
  u16(): number {
    const v = this.b.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.b.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  bytes(n: number): Buffer {
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  /** NUL-terminated (or to the end) */
  zstring(): Buffer {
    let end = this.b.indexOf(0, this.at);
    if (end < 0) end = this.b.length;
    const v = this.b.subarray(this.at, end);
    this.at = Math.min(end + 1, this.b.length);
    return v;
  }
  /** length-encoded integer; null for 0xfb (NULL) */
  lenenc(): number | null {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      const v = this.b.readUIntLE(this.at, 3);
      this.at += 3;
      return v;
    }
    const lo = this.u32();
    const hi = this.u32();
    return hi * 2 ** 32 + lo;
  }
  lenencBytes(): Buffer | null {
    const n = this.lenenc();
    return n === null ? null : this.bytes(n);
  }
}

export interface Greeting {
  serverVersion: string;
  connectionId: number;
  capabilities: number;
  mariadbCapabilities: number;
  charset: number;
  status: number;
  /** the challenge (20 bytes for mysql_native_password) */
  seed: Buffer;
  plugin: string;
}

/** Protocol::HandshakeV10 (throws for another protocol version) */
export function parseGreeting(payload: Buffer): Greeting {
  const r = new Reader(payload);
  const version = r.u8();
  if (version !== 10) throw Object.assign(new Error(`unsupported handshake protocol version ${version}`), { code: 'HANDSHAKE_UNKNOWN_ERROR' });
  const serverVersion = r.zstring().toString('latin1');
  const connectionId = r.u32();
  const seed1 = r.bytes(8);
  r.u8();
  let capabilities = r.u16();
  let charset = 0;
  let status = 0;
  let authLen = 0;
  let mariadbCapabilities = 0;
  if (r.left > 0) {
    charset = r.u8();
    status = r.u16();
    capabilities |= r.u16() << 16;
    capabilities >>>= 0;
    authLen = r.u8();
    const reserved = r.bytes(10);
    if (!(capabilities & CAP.LONG_PASSWORD)) mariadbCapabilities = reserved.readUInt32LE(6);
  }
  let seed2: Buffer = Buffer.alloc(0);
  if (capabilities & CAP.SECURE_CONNECTION) {
    const n = Math.max(13, authLen - 8);
    seed2 = r.bytes(Math.min(n, r.left));
    if (seed2.length > 0 && seed2[seed2.length - 1] === 0) seed2 = seed2.subarray(0, -1);
  }
  const plugin = capabilities & CAP.PLUGIN_AUTH ? r.zstring().toString('latin1') : '';
  return { serverVersion, connectionId, capabilities, mariadbCapabilities, charset, status, seed: Buffer.concat([seed1, seed2]), plugin };
}

/** mysql_native_password: SHA1(password) XOR SHA1(seed + SHA1(SHA1(password))); empty for no password */
export function nativeScramble(password: string, seed: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = new Sha1().update(password).digest();
  const stage2 = new Sha1().update(stage1).digest();
  const mix = new Sha1().update(seed).update(stage2).digest();
  for (let i = 0; i < mix.length; i++) mix[i]! ^= stage1[i]!;
  return mix;
}

function lenencInt(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  if (n < 0x1000000) return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeUInt32LE(n % 2 ** 32, 1);
  b.writeUInt32LE(Math.floor(n / 2 ** 32), 5);
  return b;
}

const lenencBuf = (b: Buffer): Buffer => Buffer.concat([lenencInt(b.length), b]);
const zstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

export interface ResponseFields {
  flags: number;
  mariadbFlags: number;
  user: string;
  auth: Buffer;
  database: string;
  plugin: string;
  attributes: Readonly<Record<string, string>>;
}

/** Protocol::HandshakeResponse41 */
export function handshakeResponse(f: ResponseFields): Buffer {
  const head = Buffer.alloc(32);
  head.writeUInt32LE(f.flags >>> 0, 0);
  head.writeUInt32LE(0, 4); // max packet size: the server's own
  head[8] = CLIENT_CHARSET;
  head.writeUInt32LE(f.mariadbFlags >>> 0, 28);
  const parts = [head, zstr(f.user)];
  if (f.flags & CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA) parts.push(lenencBuf(f.auth));
  else parts.push(Buffer.from([f.auth.length]), f.auth);
  if (f.flags & CAP.CONNECT_WITH_DB) parts.push(zstr(f.database));
  if (f.flags & CAP.PLUGIN_AUTH) parts.push(zstr(f.plugin));
  if (f.flags & CAP.CONNECT_ATTRS) {
    const attrs = Buffer.concat(Object.entries(f.attributes).flatMap(([k, v]) => [lenencBuf(Buffer.from(k, 'utf8')), lenencBuf(Buffer.from(v, 'utf8'))]));
    parts.push(lenencBuf(attrs));
  }
  return Buffer.concat(parts);
}

/** COM_QUERY's payload (with the empty query-attribute header when both sides speak CLIENT_QUERY_ATTRIBUTES) */
export function queryPayload(sql: string, flags: number): Buffer {
  const head = flags & CAP.QUERY_ATTRIBUTES ? [0x03, 0x00, 0x01] : [0x03];
  return Buffer.concat([Buffer.from(head), Buffer.from(sql, 'utf8')]);
}

export const COM_QUIT = Buffer.from([0x01]);

export interface ServerError {
  errno: number;
  sqlState: string;
  message: string;
}

/** ERR_Packet */
export function parseErr(payload: Buffer): ServerError {
  const r = new Reader(payload);
  r.u8();
  const errno = r.u16();
  let sqlState = '';
  if (payload[r.at] === 0x23) {
    r.u8();
    sqlState = r.bytes(5).toString('latin1');
  }
  return { errno, sqlState, message: r.bytes(r.left).toString('utf8') };
}

/** mysql2's ResultSetHeader for a statement without rows */
export interface OkResult {
  fieldCount: 0;
  affectedRows: number;
  insertId: number;
  info: string;
  serverStatus: number;
  warningStatus: number;
  changedRows: number;
}

/** OK_Packet (header 0x00, or 0xfe ending rows under CLIENT_DEPRECATE_EOF) */
export function parseOk(payload: Buffer): OkResult {
  const r = new Reader(payload);
  r.u8();
  const affectedRows = r.lenenc() ?? 0;
  const insertId = r.lenenc() ?? 0;
  const serverStatus = r.left >= 2 ? r.u16() : 0;
  const warningStatus = r.left >= 2 ? r.u16() : 0;
  let info = '';
  if (r.left > 0) {
    const len = r.lenenc();
    info = len === null ? '' : r.bytes(Math.min(len, r.left)).toString('utf8');
  }
  const changed = /Changed:\s*(\d+)/.exec(info);
  return { fieldCount: 0, affectedRows, insertId, info, serverStatus, warningStatus, changedRows: changed ? Number(changed[1]) : 0 };
}

/** an EOF_Packet, or an OK_Packet ending rows (CLIENT_DEPRECATE_EOF) */
export function isEof(payload: Buffer): boolean {
  return payload[0] === 0xfe && payload.length < 9;
}

/** server status of an EOF_Packet (or of an OK with the 0xfe header) */
export function eofStatus(payload: Buffer, deprecateEof: boolean): number {
  if (deprecateEof) return parseOk(payload).serverStatus;
  return payload.length >= 5 ? payload.readUInt16LE(3) : 0;
}

export interface Column {
  name: string;
  table: string;
  charset: number;
  encoding: string;
  type: number;
  length: number;
  flags: number;
  decimals: number;
  /** MariaDB's extended metadata: format ('json') */
  format: string | undefined;
}

/** Protocol::ColumnDefinition41 (with MariaDB's extended metadata when negotiated) */
export function parseColumn(payload: Buffer, extended: boolean): Column {
  const r = new Reader(payload);
  r.lenencBytes(); // catalog
  r.lenencBytes(); // schema
  const table = r.lenencBytes() ?? Buffer.alloc(0);
  r.lenencBytes(); // org_table
  const nameAt = r.at;
  const name = r.lenencBytes() ?? Buffer.alloc(0);
  const nameStart = nameAt + (r.at - nameAt - name.length);
  r.lenencBytes(); // org_name
  let format: string | undefined;
  if (extended) {
    const len = r.lenenc() ?? 0;
    const end = Math.min(r.at + len, payload.length);
    while (r.at < end) {
      const id = r.u8();
      const value = (r.lenencBytes() ?? Buffer.alloc(0)).toString('ascii');
      if (id === 1) format = value;
    }
    r.at = end;
  }
  r.u8(); // 0x0c
  const charset = r.u16();
  const length = r.u32();
  const type = r.u8();
  const flags = r.u16();
  const decimals = r.u8();
  const encoding = charsetEncoding(charset) ?? 'utf8';
  const nameEncoding = encoding === 'binary' ? 'utf8' : encoding;
  return {
    name: decode(payload, nameEncoding, nameStart, nameStart + name.length),
    table: table.toString('utf8'),
    charset,
    encoding,
    type,
    length,
    flags,
    decimals,
    format,
  };
}

export interface RowOptions {
  rowsAsArray: boolean;
  supportBigNumbers: boolean;
  bigNumberStrings: boolean;
}

/** column types (Protocol::ColumnType) */
export const TYPE = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10,
  TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, JSON: 245, NEWDECIMAL: 246, GEOMETRY: 255, VECTOR: 242,
} as const;

const BINARY_CHARSET = 63;

/** digits to a number as mysql2 does (digit by digit, exact up to 2^53) */
function digits(b: Buffer, start: number, end: number): number {
  if (start === end) return 0;
  let at = start;
  let sign = 1;
  if (b[at] === 0x2d) {
    sign = -1;
    at++;
  }
  if (b[at] === 0x2b) at++;
  let v = 0;
  while (at < end) v = v * 10 + (b[at++]! - 48);
  return v * sign;
}

/** LONGLONG with supportBigNumbers (and no bigNumberStrings): a number when exact, else the digits */
function bigInt(b: Buffer, start: number, end: number, supportBigNumbers: boolean): number | string {
  const len = end - start;
  if (len === 0) return 0;
  if (!supportBigNumbers) return len >= 14 ? Number(b.toString('ascii', start, end)) : digits(b, start, end);
  const negative = b[start] === 0x2d;
  const from = negative ? start + 1 : start;
  if (end - from >= 15) {
    const str = b.toString('latin1', from, end);
    const n = (negative ? -1 : 1) * parseInt(str, 10);
    if (Number.isSafeInteger(n)) return n;
    return negative ? `-${str}` : str;
  }
  const n = digits(b, start, end);
  return Number.isSafeInteger(n) ? n : b.toString('ascii', start, end);
}

/** a float as mysql2 parses it (digit by digit up to 17 characters, else parseFloat) */
function float(b: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len === 0) return 0;
  if (len > 17) return Number.parseFloat(b.toString('utf8', start, end));
  let at = start;
  let v = 0;
  let factor = 1;
  let pastDot = false;
  if (b[at] === 0x2d) {
    at++;
    factor = -1;
  }
  if (b[at] === 0x2b) at++;
  while (at < end) {
    const c = b[at]!;
    if (c === 0x2e) {
      pastDot = true;
      at++;
    } else if (c === 0x65 || c === 0x45) {
      return Number.parseFloat(b.toString('utf8', start, end));
    } else {
      v = v * 10 + (c - 48);
      at++;
      if (pastDot) factor *= 10;
    }
  }
  return v / factor;
}

/** one value of a text row, as mysql2's text parser returns it for the project's options */
function value(b: Buffer, start: number, end: number, c: Column, o: RowOptions): unknown {
  if (c.format === 'json') return JSON.parse(decode(b, c.encoding, start, end));
  switch (c.type) {
    case TYPE.TINY:
    case TYPE.SHORT:
    case TYPE.LONG:
    case TYPE.INT24:
    case TYPE.YEAR:
      return digits(b, start, end);
    case TYPE.LONGLONG:
      if (o.supportBigNumbers && o.bigNumberStrings) return b.toString('latin1', start, end);
      return bigInt(b, start, end, o.supportBigNumbers);
    case TYPE.FLOAT:
    case TYPE.DOUBLE:
      return float(b, start, end);
    case TYPE.NULL:
    case TYPE.DECIMAL:
    case TYPE.NEWDECIMAL:
    case TYPE.DATE:
    case TYPE.DATETIME:
    case TYPE.TIMESTAMP:
    case TYPE.TIME:
      return b.toString('ascii', start, end);
    case TYPE.JSON:
      return JSON.parse(b.toString('utf8', start, end));
    default:
      if (c.charset === BINARY_CHARSET) return Buffer.from(b.subarray(start, end));
      return decode(b, c.encoding, start, end);
  }
}

/** column names mysql2 refuses as object keys */
const PRIVATE_PROPS = new Set(['__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', '__proto__']);

/** ProtocolText::ResultsetRow: an array, or an object keyed by column name */
export function parseRow(payload: Buffer, columns: readonly Column[], o: RowOptions): unknown[] | Record<string, unknown> {
  const r = new Reader(payload);
  const row: unknown[] = [];
  const named: Record<string, unknown> = {};
  for (const c of columns) {
    const len = r.lenenc();
    let v: unknown = null;
    if (len !== null) {
      v = value(payload, r.at, r.at + len, c, o);
      r.at += len;
    }
    if (o.rowsAsArray) row.push(v);
    else {
      if (PRIVATE_PROPS.has(c.name)) throw new Error(`The field name (${c.name}) can't be the same as an object's private property.`);
      named[c.name] = v;
    }
  }
  return o.rowsAsArray ? row : named;
}

export type QueryResult = unknown[] | OkResult;

/**
 * A COM_QUERY response, fed payload by payload: OK, ERR, or result sets (column count, column definitions,
 * EOF unless CLIENT_DEPRECATE_EOF, rows, EOF or OK), several while the server says more results follow.
 */
export class ResultParser {
  #state: 'first' | 'columns' | 'eof' | 'rows' = 'first';
  #count = 0;
  #columns: Column[] = [];
  #rows: unknown[] = [];
  readonly #results: QueryResult[] = [];
  readonly #fields: Column[][] = [];
  /** the answer once complete */
  done: { error: ServerError } | { results: QueryResult[]; fields: Column[][] } | undefined;

  constructor(
    readonly options: RowOptions,
    readonly deprecateEof: boolean,
    readonly extendedMetadata: boolean,
  ) {}

  feed(payload: Buffer): void {
    switch (this.#state) {
      case 'first': {
        if (payload[0] === 0x00) {
          const ok = parseOk(payload);
          this.#results.push(ok);
          this.#fields.push([]);
          this.#next(ok.serverStatus);
        } else if (payload[0] === 0xff) {
          this.done = { error: parseErr(payload) };
        } else if (payload[0] === 0xfb) {
          this.done = { error: { errno: 0, sqlState: '', message: 'LOCAL INFILE is not supported by this client' } };
        } else {
          this.#count = new Reader(payload).lenenc() ?? 0;
          this.#columns = [];
          this.#rows = [];
          this.#state = 'columns';
        }
        return;
      }
      case 'columns':
        this.#columns.push(parseColumn(payload, this.extendedMetadata));
        if (this.#columns.length === this.#count) this.#state = this.deprecateEof ? 'rows' : 'eof';
        return;
      case 'eof':
        this.#state = 'rows';
        return;
      case 'rows':
        if (payload[0] === 0xff) {
          this.done = { error: parseErr(payload) };
        } else if (isEof(payload)) {
          this.#results.push(this.#rows);
          this.#fields.push(this.#columns);
          this.#next(eofStatus(payload, this.deprecateEof));
        } else {
          this.#rows.push(parseRow(payload, this.#columns, this.options));
        }
        return;
    }
  }

  #next(status: number): void {
    if (status & SERVER_MORE_RESULTS_EXISTS) this.#state = 'first';
    else this.done = { results: this.#results, fields: this.#fields };
  }
}
