// A full run, then a grep: no provision code, Id, security string, PIN or secret may appear in any
// log line or command output (the `--print-code` line itself excepted), nor in the database files.
import { randomBytes, randomInt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { type CliOptions, mustRun } from './helpers/cli.js'
import { postXml, send } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { downloadStrings, printedCode, provision, texts } from './helpers/protocol.js'
import { startServer } from './helpers/server.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

// many processes on a shared machine: more than the default 120 s per file, when it is busy
t.setTimeout(300_000)

const codeAlphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
const randomCode = () => Array.from({ length: 10 }, () => codeAlphabet[randomInt(codeAlphabet.length)]).join('')
const randomDigits = (n: number) => String(randomInt(1, 10)) + Array.from({ length: n - 1 }, () => randomInt(10)).join('')

t.test('no secret reaches a log line, a command output or the database', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const server = await startServer(t, { db })
  const printed: string[] = []
  const cli = async (args: string[], options: CliOptions = {}) => {
    // the compiled command directly: the same program as `npx agentxml`, without npm's start-up each time
    const result = await mustRun(args, { db, ...options })
    printed.push(result.stdout, result.stderr)
    return result
  }
  const outboxCodes = async () =>
    (await readFile(join(dir, 'outbox.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => /\b([A-Z2-9]{10})\b/.exec((JSON.parse(line) as { body: string }).body)?.[1] ?? '')

  const agentSecret = `vpn-${randomBytes(12).toString('hex')}`
  const wrongSecret = `bad-${randomBytes(12).toString('hex')}`
  const [pin, newPin] = [randomDigits(10), randomDigits(10)]
  await cli(['agent', 'add', 'vpn', '--secret', agentSecret])
  await cli(['user', 'add', 'alice', '--pin', pin, '--email', 'alice@example.com', '--transport', 'outbox'])
  await cli(['user', 'set-pin', 'alice', newPin])
  for (const args of [['user', 'show', 'alice'], ['user', 'list'], ['agent', 'list'], ['policy', 'show']]) await cli(args)

  // code 1: an agent's reprovision over HTTP, delivered by the server to the outbox
  t.equal(outcome((await postXml(server.url, reprovisionXml(agentSecret, 'alice'))).body).result, 'PASS')
  t.equal(outcome((await postXml(server.url, reprovisionXml(wrongSecret, 'alice'))).body).error, 'AGENT_ERROR_AGENT_ACCESS')
  await server.waitForRecord((r) => r.msg === texts.messageSent('alice', 'alice@example.com'))
  const [code1 = ''] = await outboxCodes()
  const first = await provision(server.url, 'alice', code1)
  t.equal(first.result, 'PASS')
  const strings = [...(await downloadStrings(server.url, first.id ?? '')).fields, ...(await downloadStrings(server.url, first.id ?? '')).fields]

  // code 2: the command delivers it to the outbox; a wrong code then burns it
  await cli(['reprovision', 'alice'])
  const code2 = (await outboxCodes())[1] ?? ''
  const wrongCode = randomCode()
  t.equal((await provision(server.url, 'alice', wrongCode)).error, 'PROVISION_FAILURE')
  t.equal((await provision(server.url, 'alice', code2)).error, 'PROVISION_FAILURE')

  // code 3: printed for handing over in person; its line is the one place a code may be printed
  const handed = await mustRun(['reprovision', 'alice', '--print-code'], { db })
  const code3 = printedCode(handed.stdoutLines)
  printed.push(handed.stdoutLines.slice(0, -1).join('\n'), handed.stderr)
  const second = await provision(server.url, 'alice', code3)
  t.equal(second.result, 'PASS')
  strings.push(...(await downloadStrings(server.url, second.id ?? '')).fields)
  const bogusId = randomBytes(16).toString('hex')
  t.equal((await downloadStrings(server.url, first.id ?? '')).error, 'AGENT_ERROR_NO_USER_FOUND', 'the old Id')
  t.equal((await downloadStrings(server.url, bogusId)).error, 'AGENT_ERROR_NO_USER_FOUND', 'an Id that never was')
  t.equal((await provision(server.url, 'alice', code3)).error, 'PROVISION_FAILURE', 'the used code again')
  t.equal((await send(new URL('/proxy/TokenIndex?username=alice', server.url).href)).status, 200)
  await cli(['user', 'show', 'alice'])
  t.same((await server.stop('SIGTERM')).code, 0)

  const keyFile = (await readFile(join(dir, 'agentxml.key'), 'utf8')).trim()
  t.equal(strings.length, 300, 'three batches of strings were downloaded')
  const secrets: Record<string, string[]> = {
    'provision codes': [code1, code2, code3, wrongCode],
    'provision ids': [first.id ?? '', second.id ?? '', bogusId],
    'security strings': strings,
    'agent secrets': [agentSecret, wrongSecret],
    PINs: [pin, newPin],
    'the key file': [keyFile],
  }
  for (const values of Object.values(secrets)) t.ok(values.every((v) => v.length >= 10), 'every secret is long enough to grep for')

  const logs = server.output()
  t.ok(server.records().length >= 15, `the server logged the run (${server.records().length} records)`)
  const output = printed.join('\n')
  const files = await Promise.all([db, `${db}-wal`].filter(existsSync).map((file) => readFile(file, 'latin1')))
  for (const [kind, values] of Object.entries(secrets)) {
    t.same(values.filter((v) => logs.includes(v)), [], `no ${kind} in the server's log`)
    t.same(values.filter((v) => output.includes(v)), [], `no ${kind} in the commands' output`)
    t.same(values.filter((v) => files.some((f) => f.includes(v))), [], `no ${kind} in the database files`)
  }
})
