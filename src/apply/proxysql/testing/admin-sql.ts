// The SQL that ProxySQL's admin interface understands, as far as galera-warden uses it: an in-memory
// store of the admin tables in three layers (memory, runtime, disk), a tokenizer and a small statement
// executor. Faithful where it matters to a client: one statement per call (the rest dropped silently),
// backslash is a plain character ('' is the only escape), BEGIN/COMMIT/ROLLBACK accepted and ignored,
// every value returned as a string, SQL errors as errno 1045 "ProxySQL Admin Error: ...".

export type Value = string | null;
export type Row = Record<string, Value>;

export interface ColumnDef {
  name: string;
  int: boolean;
  default: Value;
  notNull?: boolean;
  check?: (v: Value) => boolean;
}

export interface TableDef {
  columns: ColumnDef[];
  /** primary key columns */
  key: string[];
}

const int = (name: string, dflt: Value, check?: (v: Value) => boolean): ColumnDef => ({ name, int: true, default: dflt, notNull: dflt !== null, ...(check && { check }) });
const text = (name: string, dflt: Value, check?: (v: Value) => boolean): ColumnDef => ({ name, int: false, default: dflt, ...(check && { check }) });
const between = (lo: number, hi: number) => (v: Value) => v !== null && Number(v) >= lo && Number(v) <= hi;

/** The admin tables with ProxySQL 2.7's columns, defaults and checks. */
export const TABLES: Record<string, TableDef> = {
  mysql_servers: {
    columns: [
      int('hostgroup_id', '0', between(0, 2 ** 31)),
      { ...text('hostname', null), notNull: true },
      int('port', '3306', between(0, 65535)),
      int('gtid_port', '0', between(0, 65535)),
      text('status', 'ONLINE', (v) => ['ONLINE', 'SHUNNED', 'OFFLINE_SOFT', 'OFFLINE_HARD'].includes(v ?? '')),
      int('weight', '1', between(0, 10_000_000)),
      int('compression', '0', between(0, 102_400)),
      int('max_connections', '1000', between(0, 10_000)),
      int('max_replication_lag', '0', between(0, 126_144_000)),
      int('use_ssl', '0', between(0, 1)),
      int('max_latency_ms', '0', between(0, 2 ** 31)),
      text('comment', ''),
    ],
    key: ['hostgroup_id', 'hostname', 'port'],
  },
  scheduler: {
    columns: [
      int('id', null),
      int('active', '1', between(0, 1)),
      int('interval_ms', '10000', between(100, 100_000_000)),
      { ...text('filename', null), notNull: true },
      text('arg1', null), text('arg2', null), text('arg3', null), text('arg4', null), text('arg5', null),
      text('comment', ''),
    ],
    key: ['id'],
  },
  proxysql_servers: {
    columns: [{ ...text('hostname', null), notNull: true }, int('port', '6032'), int('weight', '0'), text('comment', '')],
    key: ['hostname', 'port'],
  },
  global_variables: {
    columns: [{ ...text('variable_name', null), notNull: true }, text('variable_value', null)],
    key: ['variable_name'],
  },
  // ProxySQL's own Galera / replication monitors (loaded with LOAD MYSQL SERVERS)
  mysql_galera_hostgroups: {
    columns: [
      int('writer_hostgroup', null), int('backup_writer_hostgroup', null), int('reader_hostgroup', null), int('offline_hostgroup', null),
      int('active', '1', between(0, 1)), int('max_writers', '1'), int('writer_is_also_reader', '0', between(0, 2)), int('max_transactions_behind', '0'),
      text('comment', null),
    ],
    key: ['writer_hostgroup'],
  },
  mysql_replication_hostgroups: {
    columns: [int('writer_hostgroup', null), int('reader_hostgroup', null), text('check_type', 'read_only'), text('comment', '')],
    key: ['writer_hostgroup'],
  },
};

/** A configuration module as LOAD/SAVE name it, and the table it moves between layers. */
export const MODULES: Record<string, string> = {
  'MYSQL SERVERS': 'mysql_servers',
  SCHEDULER: 'scheduler',
  'PROXYSQL SERVERS': 'proxysql_servers',
  'MYSQL VARIABLES': 'global_variables',
  'ADMIN VARIABLES': 'global_variables',
};

export type Layer = 'memory' | 'runtime' | 'disk';

export class AdminSqlError extends Error {
  constructor(message: string, readonly errno = 1045) {
    super(message);
  }
}

// ---- tokens ----------------------------------------------------------------------------------------

type Token = { t: 'word'; v: string } | { t: 'str'; v: string } | { t: 'num'; v: string } | { t: 'sym'; v: string };

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'" || c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new AdminSqlError('unrecognized token: unterminated string');
        if (sql[i] === c) {
          if (sql[i + 1] === c) { v += c; i += 2; continue; }
          i++;
          break;
        }
        v += sql[i++];
      }
      out.push(c === '"' ? { t: 'word', v } : { t: 'str', v });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(sql.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_`]/.test(c)) {
      const m = /^`?([A-Za-z_][A-Za-z0-9_.$-]*)`?/.exec(sql.slice(i))!;
      out.push({ t: 'word', v: m[1]! });
      i += m[0].length;
    } else {
      const two = sql.slice(i, i + 2);
      if (['<=', '>=', '!=', '<>'].includes(two)) { out.push({ t: 'sym', v: two }); i += 2; } else { out.push({ t: 'sym', v: c }); i++; }
    }
  }
  return out;
}

/** The first statement of a multi-statement text: up to the first ';' outside a string. */
export function firstStatement(sql: string): string {
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) { if (c === quote) quote = null; } else if (c === "'" || c === '"') quote = c;
    else if (c === ';') return sql.slice(0, i);
  }
  return sql;
}

// ---- conditions ------------------------------------------------------------------------------------

type Cond = { col: string; op: string; values: Value[] };

class Cursor {
  i = 0;
  constructor(readonly toks: Token[]) {}
  peek(): Token | undefined { return this.toks[this.i]; }
  word(v?: string): boolean {
    const t = this.peek();
    if (t?.t === 'word' && (v === undefined || t.v.toUpperCase() === v)) return true;
    return false;
  }
  take(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new AdminSqlError('incomplete input');
    return t;
  }
  expectWord(v: string): void {
    const t = this.take();
    if (t.t !== 'word' || t.v.toUpperCase() !== v) throw new AdminSqlError(`near "${t.v}": syntax error`);
  }
  expectSym(v: string): void {
    const t = this.take();
    if (t.t !== 'sym' || t.v !== v) throw new AdminSqlError(`near "${t.v}": syntax error`);
  }
  sym(v: string): boolean { const t = this.peek(); return t?.t === 'sym' && t.v === v; }
  ident(): string {
    const t = this.take();
    if (t.t !== 'word') throw new AdminSqlError(`near "${t.v}": syntax error`);
    return t.v;
  }
  value(): Value {
    const t = this.take();
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'word' && t.v.toUpperCase() === 'NULL') return null;
    throw new AdminSqlError(`near "${t.v}": syntax error`);
  }
  end(): void {
    const t = this.peek();
    if (t) throw new AdminSqlError(`near "${t.v}": syntax error`);
  }
}

/** WHERE a AND b OR c AND d: a disjunction of conjunctions of simple comparisons (no parentheses). */
function parseWhere(c: Cursor): Cond[][] {
  const or: Cond[][] = [[]];
  for (;;) {
    const col = c.ident();
    let op: string;
    if (c.word('NOT')) { c.take(); c.expectWord('IN'); op = 'NOT IN'; } else if (c.word('IN')) { c.take(); op = 'IN'; } else if (c.word('LIKE')) { c.take(); op = 'LIKE'; } else if (c.word('IS')) {
      c.take();
      op = c.word('NOT') ? (c.take(), 'IS NOT') : 'IS';
    } else { const t = c.take(); if (t.t !== 'sym' || !['=', '<', '>', '<=', '>=', '!=', '<>'].includes(t.v)) throw new AdminSqlError(`near "${t.v}": syntax error`); op = t.v; }
    let values: Value[];
    if (op === 'IN' || op === 'NOT IN') {
      c.expectSym('(');
      values = [c.value()];
      while (c.sym(',')) { c.take(); values.push(c.value()); }
      c.expectSym(')');
    } else values = [c.value()];
    or[or.length - 1]!.push({ col: col.toLowerCase(), op, values });
    if (c.word('AND')) c.take();
    else if (c.word('OR')) { c.take(); or.push([]); } else break;
  }
  return or;
}

function compare(def: ColumnDef | undefined, a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (def?.int) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  const body = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 'is');
}

function matches(table: TableDef, row: Row, where: Cond[][] | null): boolean {
  if (!where) return true;
  return where.some((and) => and.every(({ col, op, values }) => {
    if (!(col in row)) throw new AdminSqlError(`no such column: ${col}`);
    const def = table.columns.find((d) => d.name === col);
    const v = row[col] ?? null;
    switch (op) {
      case 'IN': return values.some((x) => compare(def, v, x) === 0);
      case 'NOT IN': return v !== null && values.every((x) => compare(def, v, x) !== 0);
      case 'LIKE': return v !== null && values[0] !== null && likeRegex(values[0]!).test(v);
      case 'IS': return values[0] === null ? v === null : compare(def, v, values[0]!) === 0;
      case 'IS NOT': return values[0] === null ? v !== null : compare(def, v, values[0]!) !== 0;
      default: {
        const d = compare(def, v, values[0]!);
        if (d === null) return false;
        return op === '=' ? d === 0 : op === '<' ? d < 0 : op === '>' ? d > 0 : op === '<=' ? d <= 0 : op === '>=' ? d >= 0 : d !== 0;
      }
    }
  }));
}

// ---- the store ---------------------------------------------------------------------------------------

export type Result = { kind: 'ok'; affectedRows: number } | { kind: 'rows'; columns: string[]; rows: Value[][] };

export interface StoreHooks {
  /** called by LOAD <module> TO RUNTIME; return false to make the load silently not take effect */
  onLoadToRuntime?: (table: string) => boolean;
  /**
   * servers ("host:port") that still have connections in use: removed from mysql_servers, ProxySQL keeps them
   * in runtime_mysql_servers as OFFLINE_HARD until those close (measured on ProxySQL 2.7.1)
   */
  busyServers?: () => ReadonlySet<string>;
}

export class AdminStore {
  readonly layers: Record<Layer, Record<string, Row[]>> = { memory: {}, runtime: {}, disk: {} };

  constructor(readonly hooks: StoreHooks = {}) {
    for (const layer of ['memory', 'runtime', 'disk'] as const) for (const t of Object.keys(TABLES)) this.layers[layer][t] = [];
  }

  /** Resolves "mysql_servers", "main.mysql_servers", "runtime_mysql_servers", "disk.mysql_servers". */
  resolve(name: string): { layer: Layer; table: string } {
    const lower = name.toLowerCase().replace(/^main\./, '');
    const [layer, table] = lower.startsWith('runtime_') ? ['runtime', lower.slice(8)] : lower.startsWith('disk.') ? ['disk', lower.slice(5)] : ['memory', lower];
    if (!(table in TABLES)) throw new AdminSqlError(`no such table: ${name}`);
    return { layer: layer as Layer, table: table };
  }

  rows(layer: Layer, table: string): Row[] {
    return this.layers[layer][table]!;
  }

  /** Inserts with defaults and checks (ProxySQL's SQLite constraints). */
  insert(layer: Layer, table: string, given: Row, mode: 'insert' | 'replace' | 'ignore' = 'insert'): number {
    const def = TABLES[table]!;
    const row: Row = {};
    for (const col of Object.keys(given)) if (!def.columns.some((c) => c.name === col)) throw new AdminSqlError(`table ${table} has no column named ${col}`);
    for (const c of def.columns) {
      const v = Object.hasOwn(given, c.name) ? given[c.name]! : c.default;
      if (v === null && c.notNull) throw new AdminSqlError(`NOT NULL constraint failed: ${table}.${c.name}`);
      if (v !== null && c.int && !/^-?[0-9]+$/.test(v)) throw new AdminSqlError(`CHECK constraint failed: ${table}`);
      if (c.check && v !== null && !c.check(v)) throw new AdminSqlError(`CHECK constraint failed: ${table}`);
      row[c.name] = v;
    }
    if (table === 'scheduler' && row.id === null) row.id = String(Math.max(0, ...this.rows(layer, table).map((r) => Number(r.id))) + 1);
    const rows = this.rows(layer, table);
    const same = rows.findIndex((r) => def.key.every((k) => compare(def.columns.find((c) => c.name === k), r[k]!, row[k]!) === 0));
    if (same >= 0) {
      if (mode === 'ignore') return 0;
      if (mode === 'insert') throw new AdminSqlError(`UNIQUE constraint failed: ${def.key.map((k) => `${table}.${k}`).join(', ')}`);
      rows.splice(same, 1);
    }
    rows.push(row);
    return 1;
  }

  /** LOAD/SAVE between layers. */
  copy(table: string, from: Layer, to: Layer): void {
    if (to === 'runtime' && this.hooks.onLoadToRuntime && !this.hooks.onLoadToRuntime(table)) return;
    const rows = this.rows(from, table).map((r) => ({ ...r }));
    if (to === 'runtime' && table === 'mysql_servers') {
      // as ProxySQL 2.7.1 does: rows loaded as OFFLINE_HARD are purged from the runtime; a removed server that
      // still has connections in use stays there as OFFLINE_HARD
      const key = (r: Row) => `${r.hostgroup_id}|${r.hostname}:${r.port}`;
      const loaded = new Set(rows.map(key));
      const busy = this.hooks.busyServers?.() ?? new Set<string>();
      const lingering = this.rows('runtime', table)
        .filter((r) => !loaded.has(key(r)) && busy.has(`${r.hostname}:${r.port}`))
        .map((r) => ({ ...r, status: 'OFFLINE_HARD' }));
      this.layers[to][table] = [...rows.filter((r) => r.status !== 'OFFLINE_HARD'), ...lingering];
      return;
    }
    this.layers[to][table] = rows;
  }

  execute(text: string): Result {
    const sql = firstStatement(text).trim();
    if (sql === '') throw new AdminSqlError('not an error: empty statement');
    const c = new Cursor(tokenize(sql));
    const verb = c.ident().toUpperCase();
    switch (verb) {
      case 'BEGIN': case 'COMMIT': case 'ROLLBACK': case 'START': return { kind: 'ok', affectedRows: 0 };
      case 'SELECT': return this.select(c);
      case 'INSERT': case 'REPLACE': return this.insertStatement(c, verb);
      case 'UPDATE': return this.update(c);
      case 'DELETE': return this.delete(c);
      case 'LOAD': case 'SAVE': return this.loadSave(verb, sql);
      default: throw new AdminSqlError(`near "${verb}": syntax error`);
    }
  }

  private select(c: Cursor): Result {
    const cols: string[] = [];
    let count = false;
    if (c.sym('*')) { c.take(); cols.push('*'); } else if (c.word('COUNT')) { c.take(); c.expectSym('('); c.expectSym('*'); c.expectSym(')'); count = true; } else if (c.peek()?.t !== 'word') {
      const v = c.value();
      c.end();
      return { kind: 'rows', columns: [v ?? 'NULL'], rows: [[v]] };
    } else {
      cols.push(c.ident().toLowerCase());
      while (c.sym(',')) { c.take(); cols.push(c.ident().toLowerCase()); }
    }
    c.expectWord('FROM');
    const { layer, table } = this.resolve(c.ident());
    const def = TABLES[table]!;
    const where = c.word('WHERE') ? (c.take(), parseWhere(c)) : null;
    const order: { col: string; desc: boolean }[] = [];
    if (c.word('ORDER')) {
      c.take(); c.expectWord('BY');
      do {
        if (c.sym(',')) c.take();
        const col = c.ident().toLowerCase();
        const desc = c.word('DESC') ? (c.take(), true) : (c.word('ASC') && c.take(), false);
        order.push({ col, desc });
      } while (c.sym(','));
    }
    c.end();
    let rows = this.rows(layer, table).filter((r) => matches(def, r, where));
    if (count) return { kind: 'rows', columns: ['COUNT(*)'], rows: [[String(rows.length)]] };
    const names = cols[0] === '*' ? def.columns.map((d) => d.name) : cols;
    for (const n of names) if (!def.columns.some((d) => d.name === n)) throw new AdminSqlError(`no such column: ${n}`);
    rows = [...rows];
    if (order.length > 0) {
      rows.sort((a, b) => {
        for (const o of order) {
          const d = compare(def.columns.find((x) => x.name === o.col), a[o.col] ?? null, b[o.col] ?? null) ?? 0;
          if (d !== 0) return o.desc ? -d : d;
        }
        return 0;
      });
    }
    return { kind: 'rows', columns: names, rows: rows.map((r) => names.map((n) => r[n] ?? null)) };
  }

  private insertStatement(c: Cursor, verb: string): Result {
    let mode: 'insert' | 'replace' | 'ignore' = verb === 'REPLACE' ? 'replace' : 'insert';
    if (verb === 'INSERT' && c.word('OR')) { c.take(); const m = c.ident().toUpperCase(); if (m === 'REPLACE') mode = 'replace'; else if (m === 'IGNORE') mode = 'ignore'; else throw new AdminSqlError(`near "${m}": syntax error`); }
    c.expectWord('INTO');
    const { layer, table } = this.resolve(c.ident());
    const def = TABLES[table]!;
    let cols = def.columns.map((d) => d.name);
    if (c.sym('(')) {
      c.take();
      cols = [c.ident().toLowerCase()];
      while (c.sym(',')) { c.take(); cols.push(c.ident().toLowerCase()); }
      c.expectSym(')');
    }
    c.expectWord('VALUES');
    const tuples: Value[][] = [];
    do {
      if (c.sym(',')) c.take();
      c.expectSym('(');
      const vals = [c.value()];
      while (c.sym(',')) { c.take(); vals.push(c.value()); }
      c.expectSym(')');
      if (vals.length !== cols.length) throw new AdminSqlError(`${vals.length} values for ${cols.length} columns`);
      tuples.push(vals);
    } while (c.sym(','));
    c.end();
    // SQLite runs one INSERT as one statement: all rows or none
    const before = this.rows(layer, table).map((r) => ({ ...r }));
    let n = 0;
    try {
      for (const vals of tuples) n += this.insert(layer, table, Object.fromEntries(cols.map((k, i) => [k, vals[i]!])), mode);
    } catch (err) {
      this.layers[layer][table] = before;
      throw err;
    }
    return { kind: 'ok', affectedRows: n };
  }

  private update(c: Cursor): Result {
    const { layer, table } = this.resolve(c.ident());
    const def = TABLES[table]!;
    c.expectWord('SET');
    const sets: [string, Value][] = [];
    do {
      if (c.sym(',')) c.take();
      const col = c.ident().toLowerCase();
      c.expectSym('=');
      sets.push([col, c.value()]);
    } while (c.sym(','));
    const where = c.word('WHERE') ? (c.take(), parseWhere(c)) : null;
    c.end();
    const rows = this.rows(layer, table);
    const hit = rows.filter((r) => matches(def, r, where));
    const rest = rows.filter((r) => !hit.includes(r));
    const before = rows.map((r) => ({ ...r }));
    this.layers[layer][table] = rest;
    try {
      for (const r of hit) this.insert(layer, table, { ...r, ...Object.fromEntries(sets) });
    } catch (err) {
      this.layers[layer][table] = before;
      throw err;
    }
    return { kind: 'ok', affectedRows: hit.length };
  }

  private delete(c: Cursor): Result {
    c.expectWord('FROM');
    const { layer, table } = this.resolve(c.ident());
    const where = c.word('WHERE') ? (c.take(), parseWhere(c)) : null;
    c.end();
    const rows = this.rows(layer, table);
    const keep = rows.filter((r) => !matches(TABLES[table]!, r, where));
    this.layers[layer][table] = keep;
    return { kind: 'ok', affectedRows: rows.length - keep.length };
  }

  /** LOAD x TO RUNTIME | FROM MEMORY | FROM DISK | TO MEMORY; SAVE x TO DISK | FROM MEMORY | TO MEMORY | FROM RUNTIME. */
  private loadSave(verb: string, sql: string): Result {
    const m = /^(LOAD|SAVE)\s+(MYSQL\s+SERVERS|SCHEDULER|PROXYSQL\s+SERVERS|MYSQL\s+VARIABLES|ADMIN\s+VARIABLES)\s+(TO|FROM)\s+(RUNTIME|RUN|MEMORY|MEM|DISK)\s*$/i.exec(sql);
    if (!m) throw new AdminSqlError(`near "${verb}": syntax error`);
    const table = MODULES[m[2]!.toUpperCase().replace(/\s+/g, ' ')]!;
    const dir = `${m[1]!.toUpperCase()} ${m[3]!.toUpperCase()} ${m[4]!.toUpperCase().replace(/^RUN$/, 'RUNTIME').replace(/^MEM$/, 'MEMORY')}`;
    const moves: Record<string, [Layer, Layer]> = {
      'LOAD TO RUNTIME': ['memory', 'runtime'], 'LOAD FROM MEMORY': ['memory', 'runtime'],
      'LOAD FROM DISK': ['disk', 'memory'], 'LOAD TO MEMORY': ['disk', 'memory'],
      'SAVE TO DISK': ['memory', 'disk'], 'SAVE FROM MEMORY': ['memory', 'disk'],
      'SAVE TO MEMORY': ['runtime', 'memory'], 'SAVE FROM RUNTIME': ['runtime', 'memory'],
    };
    const move = moves[dir];
    if (!move) throw new AdminSqlError(`near "${verb}": syntax error`);
    this.copy(table, move[0], move[1]);
    if (table === 'mysql_servers') for (const t of ['mysql_galera_hostgroups', 'mysql_replication_hostgroups']) this.copy(t, move[0], move[1]);
    return { kind: 'ok', affectedRows: 0 };
  }
}
