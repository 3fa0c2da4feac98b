// HTTP Basic authentication (RFC 7617), as Switchboard's API has it. Credentials are compared as SHA-256
// digests with crypto.timingSafeEqual: equal-length inputs, so neither content nor length leaks by timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export const REALM = 'galera-warden';
export const CHALLENGE = `Basic realm="${REALM}"`;

export interface BasicCredentials {
  user: string;
  password: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** User and password from an Authorization header; undefined when absent or not Basic. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined) return undefined;
  const match = /^basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Checks Authorization headers against one user; the expected digests are computed once. */
export class BasicAuthChecker {
  private readonly user: Buffer;
  private readonly password: Buffer;

  constructor(expected: BasicCredentials) {
    this.user = digest(expected.user);
    this.password = digest(expected.password);
  }

  /** True when the header carries exactly the expected user and password. Both parts are always compared. */
  check(header: string | undefined): boolean {
    const given = parseBasicAuth(header);
    const userOk = timingSafeEqual(digest(given?.user ?? ''), this.user);
    const passwordOk = timingSafeEqual(digest(given?.password ?? ''), this.password);
    return given !== undefined && userOk && passwordOk;
  }
}

export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
