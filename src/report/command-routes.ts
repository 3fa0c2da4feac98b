// Operator commands: a switchover request and maintenance marks. The routes validate, check that the node
// is configured, and hand over to the ReportSource; the loop acts on its next tick, hence 202 Accepted.
// Bodies are JSON only (the text/plain parser is removed in the server): a cross-site HTML form cannot
// send application/json, so a browser that holds the Basic credentials cannot be made to post a command.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { CommandResult, ReportSource } from '../model/tick.js';
import { describeIssues } from './describe-issues.js';
import { sendError } from './send-error.js';

const nodeName = z.string('expected a node name (string)').trim().min(1, 'expected a non-empty node name').max(128, 'expected at most 128 characters');

const switchoverBody = z.object({ node: nodeName }).strict();
const maintenanceBody = z.object({ on: z.boolean('expected true or false') }).strict();
const maintenanceParams = z.object({ name: nodeName });

export interface CommandRoutesOptions {
  source: ReportSource;
  logger: FastifyBaseLogger | undefined;
}

/** The configured node names, or undefined before the first tick (then the source alone judges). */
function knownNodes(source: ReportSource): string[] | undefined {
  return source.latest()?.desired.nodes.map((n) => n.node);
}

type Parsed<T> = { ok: true; data: T } | { ok: false; message: string };

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): Parsed<T> {
  const result = schema.safeParse(value ?? undefined);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, message: `invalid ${what}: ${describeIssues(result.error, what)}` };
}

const badRequest = (reply: FastifyReply, message: string) => sendError(reply, 400, 'E_BAD_REQUEST', message);

function answer(reply: FastifyReply, result: CommandResult): FastifyReply {
  if (result.ok) return reply.code(202).send({ ok: true, message: result.message });
  return sendError(reply, 409, 'E_REFUSED', result.message);
}

export function registerCommandRoutes(app: FastifyInstance, o: CommandRoutesOptions): void {
  const { source } = o;
  const audit = (request: FastifyRequest, command: string, result: CommandResult) =>
    o.logger?.info({ command, ok: result.ok, remote: request.ip }, `operator command ${command}: ${result.ok ? 'accepted' : 'refused'}: ${result.message}`);
  const unknown = (reply: FastifyReply, node: string): FastifyReply | undefined => {
    const known = knownNodes(source);
    if (known === undefined || known.includes(node)) return undefined;
    return sendError(reply, 404, 'E_UNKNOWN_NODE', `no node named "${node}" is configured (known: ${known.join(', ') || 'none'})`);
  };

  app.post('/api/switchover', async (request, reply) => {
    const body = parse(switchoverBody, request.body, 'body');
    if (!body.ok) return badRequest(reply, body.message);
    const node = body.data.node;
    const refused = unknown(reply, node);
    if (refused !== undefined) return refused;
    const result = source.switchover(node);
    audit(request, `switchover to ${node}`, result);
    return answer(reply, result);
  });

  app.post('/api/nodes/:name/maintenance', async (request, reply) => {
    const params = parse(maintenanceParams, request.params, 'path');
    if (!params.ok) return badRequest(reply, params.message);
    const body = parse(maintenanceBody, request.body, 'body');
    if (!body.ok) return badRequest(reply, body.message);
    const node = params.data.name;
    const on = body.data.on;
    const refused = unknown(reply, node);
    if (refused !== undefined) return refused;
    const result = source.setMaintenance(node, on);
    audit(request, `maintenance ${on ? 'on' : 'off'} for ${node}`, result);
    return answer(reply, result);
  });
}
