import type { FastifyInstance } from 'fastify'
import type { Services } from '../domain/services.js'
import { tokenIndex } from '../domain/token-index.js'
import { notAUserName, shownName } from '../domain/user-names.js'
import { messages } from '../protocol/messages.js'
import { contexts } from '../protocol/types.js'
import { requestServices } from './request-services.js'

/** `GET /<context>/TokenIndex?username=U`: the next index as plain text (docs/protocol.md §7). */
export async function tokenIndexRoutes(app: FastifyInstance, { services }: { services: Services }) {
  for (const context of contexts) {
    app.get<{ Querystring: { username?: string | string[] } }>(`/${context}/TokenIndex`, async (request, reply) => {
      const started = performance.now()
      reply.raw.once('finish', () => services.metrics?.request('tokenindex', 'PASS', '', (performance.now() - started) / 1000))
      const { username } = request.query
      const name = typeof username === 'string' ? username.trim() : ''
      const unfit = notAUserName(name)
      if (unfit) {
        // no user has such a name: 0, as for any unknown user, without the look-up and logged truncated
        const shown = shownName(name)
        requestServices(services, request).log.info({ user: shown, event: 'tokenIndex', reason: unfit }, messages.tokenIndex(shown))
        return reply.type('text/plain; charset=UTF-8').send('0')
      }
      const index = name ? await tokenIndex(requestServices(services, request), name) : 0
      return reply.type('text/plain; charset=UTF-8').send(String(index))
    })
  }
}
