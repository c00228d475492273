import { assertNoMore, type Command, configFrom, dbHelp, parse, print, withServices } from './shared.js'

const usage = `Usage: agentxml init [--db FILE|URL] [--key-file FILE]

Makes the database, with its schema up to date, and for a new SQLite file its key file
(agentxml.key beside it, mode 0600). Every other command but serve refuses a database that does
not exist, so a mistyped --db cannot quietly start a new one: init is how a script sets one up
before the server first runs. On a database that exists it only brings the schema up to date.
${dbHelp}
`

export const init: Command = {
  name: 'init',
  usage,
  async run(args, io) {
    const { values, positionals } = parse(args, {})
    assertNoMore(positionals, 0)
    const config = configFrom(values, io)
    await withServices(values, io, async () => undefined, { create: true })
    const key = config.secretKey !== undefined ? 'AGENTXML_SECRET_KEY' : config.keyFile
    print(io, `database ready: ${config.engine === 'postgres' ? 'PostgreSQL' : config.db}, master key from ${key}`)
  },
}
