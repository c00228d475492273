import type { FastifyInstance } from 'fastify'
import type { Services } from '../domain/services.js'

/** How long `/ready` waits for the database before it answers that it is not. */
export const readyTimeoutMs = 2_000

const plain = 'text/plain; charset=UTF-8'

/**
 * For load balancers and orchestrators, plain text: `GET /health` is 200 while the process
 * serves HTTP at all; `GET /ready` is 200 only while the database answers within a time box,
 * 503 while it does not (take the node out of rotation; it comes back by itself).
 */
export async function healthRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/health', async (_request, reply) => reply.type(plain).header('cache-control', 'no-store').send('ok\n'))
  app.get('/ready', async (request, reply) => {
    reply.type(plain).header('cache-control', 'no-store')
    try {
      await services.store.ping(readyTimeoutMs)
      return reply.send('ready\n')
    } catch (err) {
      services.log.warn({ err: { message: (err as Error).message }, ip: request.ip }, 'not ready: the database does not answer')
      return reply.code(503).send('not ready: the database does not answer\n')
    }
  })
}
