// The reference for `npm run bench`: a bare fastify server that parses the same XML with
// fast-xml-parser and answers a constant SASResponse of the action's shape (the same elements
// and size as agentxml's reply, so the load generator does the same work on both sides).
// Whatever agentxml does beyond this is the price of the protocol's rules, the database and the log.
import Fastify from 'fastify'
import { XMLParser } from 'fast-xml-parser'

const parser = new XMLParser({ parseTagValue: false })
const reply = (elements = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<SASResponse><Version>3.6</Version><Result>PASS</Result>${elements}</SASResponse>\n`
const strings = Array.from({ length: 100 }, (_, n) => String(n).padStart(10, '7')).join(';')
const replies = new Map([
  ['provision', reply('<Id>0123456789abcdef0123456789abcdef</Id>')],
  ['securitystrings', reply(`<SecurityStrings>${strings}</SecurityStrings><Policies/>`)],
])
const plain = reply()

const app = Fastify({ bodyLimit: 64 * 1024 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
for (const context of ['pinsafe', 'proxy']) {
  app.post(`/${context}/AgentXML`, async (request, res) => {
    const action = String(parser.parse(request.body)?.SASRequest?.Action ?? '').toLowerCase()
    return res.type('text/xml; charset=UTF-8').send(replies.get(action) ?? plain)
  })
}
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`bare listening on ${url}\n`)
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
