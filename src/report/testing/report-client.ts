// Small helpers for route tests: a report server over a fake source, and requests with or without the
// Basic credentials, answered through inject() (no socket).
import type { LightMyRequestResponse } from 'fastify';
import { basicAuthHeader } from '../basic-auth.js';
import type { ReportServerOptions } from '../report-options.js';
import type { ReportServer } from '../report-server.js';
import { createReportServer } from '../report-server.js';
import type { FakeReportSource } from './fake-report-source.js';

export const TEST_USER = 'admin';
export const TEST_PASSWORD = 's3cret-pa55';
export const AUTH = basicAuthHeader(TEST_USER, TEST_PASSWORD);

export function testServer(source: FakeReportSource, overrides: Partial<ReportServerOptions> = {}): ReportServer {
  return createReportServer(source, {
    host: '127.0.0.1',
    port: 0,
    auth: { user: TEST_USER, password: TEST_PASSWORD },
    now: () => (source.latest()?.at ?? source.startedAt) + 250,
    ...overrides,
  });
}

export interface Call {
  method?: 'GET' | 'POST' | 'HEAD' | 'PATCH';
  body?: unknown;
  /** an Authorization header value; default: the right credentials; null: none */
  auth?: string | null;
  headers?: Record<string, string>;
}

export function call(server: ReportServer, url: string, c: Call = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...c.headers };
  const auth = c.auth === undefined ? AUTH : c.auth;
  if (auth !== null) headers.authorization = auth;
  if (c.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return server.inject({
    method: c.method ?? (c.body === undefined ? 'GET' : 'POST'),
    url,
    headers,
    ...(c.body === undefined ? {} : { payload: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }),
  });
}
