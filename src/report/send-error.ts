// One shape for every error answer of the report server: { code, message }, the code stable, the message
// a sentence naming what was wrong.
import type { FastifyReply } from 'fastify';

export interface ErrorBody {
  code: string;
  message: string;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body: ErrorBody = { code, message };
  return reply.code(status).send(body);
}
