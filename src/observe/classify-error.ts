// Every way a probe can fail, as a ProbeError: a stable kind, a sentence naming the node and
// host:port and the phase it failed in, and the driver's code / MySQL errno. Never the password.
import type { ProbeError, ProbeErrorKind } from '../model/observation.js';
import { BUSY_ERRNOS, SHUTDOWN_ERRNO } from '../model/observation.js';

/** What the probe was doing when it failed. */
export type ProbePhase = 'connect' | 'login' | 'status query' | 'variables query' | 'table access check' | 'members query' | 'replication query';

export interface ProbeTarget {
  node: string;
  host: string;
  port: number;
}

interface DriverError {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
  library?: unknown;
}

const REFUSED_CODES = new Set(['ECONNREFUSED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ESOCKETTIMEDOUT']);
const UNREACHABLE_CODES = new Set([
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME',
  'EADDRNOTAVAIL', 'ECONNRESET', 'ECONNABORTED', 'EPIPE',
]);
const TLS_CODES = new Set([
  'HANDSHAKE_SSL_ERROR', // mysql2 puts this code on every TLS failure during login (chain, name, protocol)
  'HANDSHAKE_NO_SSL_SUPPORT', 'EPROTO', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED',
  'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH',
]);
const AUTH_CODES = new Set(['AUTH_SWITCH_PLUGIN_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);
/** MySQL / MariaDB errnos of a rejected login. */
const AUTH_ERRNOS = new Set([
  1045, // ER_ACCESS_DENIED_ERROR
  1044, // ER_DBACCESS_DENIED_ERROR
  1698, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1251, // ER_NOT_SUPPORTED_AUTH_MODE
  1129, // ER_HOST_IS_BLOCKED
  1130, // ER_HOST_NOT_PRIVILEGED
  1862, // ER_MUST_CHANGE_PASSWORD_LOGIN
  3118, // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL / PXC)
  4151, // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
]);

/** A server that is up but turns the connection away (too many connections, account limits). */
function isBusy(errno: number | undefined): boolean {
  return errno !== undefined && Object.hasOwn(BUSY_ERRNOS, errno);
}

const PROTOCOL_PREFIXES = ['PROTOCOL_', 'HANDSHAKE_', 'ER_MALFORMED_PACKET'];

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The MySQL errno of a server error (positive); network errors carry none. */
function mysqlErrno(e: DriverError): number | undefined {
  return typeof e.errno === 'number' && e.errno > 0 ? e.errno : undefined;
}

export function classifyKind(err: unknown, phase: ProbePhase): ProbeErrorKind {
  const e = (err ?? {}) as DriverError;
  const code = str(e.code) ?? '';
  const errno = mysqlErrno(e);
  if (REFUSED_CODES.has(code)) return 'refused';
  // a server that turns us away is up: busy is never 'refused' (which fencing takes as proof of death)
  if (isBusy(errno)) return 'busy';
  /*
   * 1053 ER_SERVER_SHUTDOWN gets a kind of its own, 'shutdown', and is handled like a busy answer, never like a refused
   * port. On MariaDB it means the server is going away, but the process is alive, answers, and leaves the group in
   * order (its peers' next view drops it, and the membership cross-check acts on that at once): it is no proof that
   * the process is gone, so fencing never takes it as evidence. On MySQL / PXC it is also what a session killed by
   * `KILL <id>` receives (KILL_CONNECTION is ER_SERVER_SHUTDOWN there), so it does not even prove a shutdown. It
   * therefore counts against retryDown like a timeout, and is shown as "shutting down".
   */
  if (errno === SHUTDOWN_ERRNO) return 'shutdown';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (TLS_CODES.has(code) || /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_)/.test(code) || e.library === 'SSL routines') return 'tls';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (AUTH_CODES.has(code) || (errno !== undefined && AUTH_ERRNOS.has(errno) && (phase === 'connect' || phase === 'login'))) return 'auth';
  if (errno !== undefined && str(e.sqlState) !== undefined) return phase === 'connect' || phase === 'login' ? 'protocol' : 'query';
  if (PROTOCOL_PREFIXES.some((p) => code.startsWith(p)) || err instanceof RangeError) return 'protocol';
  return 'unknown';
}

const WHAT: Record<ProbeErrorKind, string> = {
  refused: 'connection refused',
  timeout: 'timed out',
  busy: 'busy',
  shutdown: 'shutting down',
  auth: 'login rejected',
  tls: 'TLS failed',
  unreachable: 'unreachable',
  protocol: 'unusable answer',
  query: 'query failed',
  unknown: 'probe failed',
};

/** Replaces every occurrence of the secret; short secrets are left alone (they would mangle words). */
export function redact(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}

export function targetLabel(t: ProbeTarget): string {
  return `${t.node} (${t.host}:${t.port})`;
}

export function classifyError(err: unknown, target: ProbeTarget, phase: ProbePhase, secret?: string): ProbeError {
  const e = (err ?? {}) as DriverError;
  const kind = classifyKind(err, phase);
  const code = str(e.code);
  const errno = mysqlErrno(e);
  const detail = str(e.sqlMessage) ?? str(e.message) ?? String(err);
  const tag = [code, errno].filter((x) => x !== undefined).join(' ');
  const what = kind === 'busy' && errno !== undefined ? `busy: ${BUSY_ERRNOS[errno]}` : WHAT[kind];
  const message = redact(`${targetLabel(target)}: ${what} during ${phase}: ${detail}${tag ? ` [${tag}]` : ''}`, secret);
  const out: ProbeError = { kind, message };
  if (errno !== undefined) out.errno = errno;
  if (code !== undefined) out.code = code;
  return out;
}

/** The error of a probe stopped by its overall deadline. */
export function timeoutError(target: ProbeTarget, phase: ProbePhase, timeoutMs: number): ProbeError {
  return {
    kind: 'timeout',
    message: `${targetLabel(target)}: no answer within ${timeoutMs} ms (stuck in ${phase})`,
    code: 'PROBE_DEADLINE',
  };
}
