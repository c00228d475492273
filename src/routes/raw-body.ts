import type { FastifyInstance } from 'fastify'

/** An RFC 9110 `type/subtype`, optionally with parameters: what fastify accepts as a content type. */
const mediaType = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(?:;|$)/

/**
 * In this plugin's scope, every body is taken as bytes whatever its content type: legacy
 * clients send none, or a wrong one (docs/protocol.md §1). The XML layer decides what the bytes are.
 */
export function takeRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type']
    // none, an empty one, or one fastify cannot parse ("xml", "text/xml, application/xml"): read it anyway
    if (typeof type !== 'string' || !mediaType.test(type)) request.headers['content-type'] = 'application/octet-stream'
    done()
  })
}
