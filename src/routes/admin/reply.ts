import type { FastifyReply } from 'fastify'

export const htmlContentType = 'text/html; charset=utf-8'

export function send(reply: FastifyReply, status: number, document: string) {
  return reply.code(status).type(htmlContentType).send(document)
}
