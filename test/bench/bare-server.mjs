// The reference for `npm run bench`: a bare fastify server that parses the same XML with
// fast-xml-parser and answers a constant SASResponse. Whatever agentxml does beyond this is
// the price of the protocol's rules, the database and the log.
import Fastify from 'fastify'
import { XMLParser } from 'fast-xml-parser'

const parser = new XMLParser({ parseTagValue: false })
const reply = '<?xml version="1.0" encoding="UTF-8"?>\n<SASResponse><Version>3.6</Version><Result>PASS</Result></SASResponse>\n'
const app = Fastify({ bodyLimit: 64 * 1024 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
for (const context of ['pinsafe', 'proxy']) {
  app.post(`/${context}/AgentXML`, async (request, res) => {
    parser.parse(request.body)
    return res.type('text/xml; charset=UTF-8').send(reply)
  })
}
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`bare listening on ${url}\n`)
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
