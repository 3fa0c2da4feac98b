// Serves the dashboard: the page, its stylesheet and its script, each from a string module. A strict
// Content-Security-Policy allows only those two files and fetches to this origin: even if text from the
// API were ever inserted as markup, no injected script could run.
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_HTML } from './dashboard/dashboard-page.js';
import { DASHBOARD_JS } from './dashboard/dashboard-script.js';
import { DASHBOARD_CSS } from './dashboard/dashboard-style.js';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function registerDashboardRoutes(app: FastifyInstance): void {
  const serve = (path: string, type: string, body: string) =>
    app.get(path, async (_request, reply) =>
      reply
        .type(type)
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
        .send(body),
    );
  serve('/', 'text/html; charset=utf-8', DASHBOARD_HTML);
  serve('/dashboard.css', 'text/css; charset=utf-8', DASHBOARD_CSS);
  serve('/dashboard.js', 'text/javascript; charset=utf-8', DASHBOARD_JS);
}
