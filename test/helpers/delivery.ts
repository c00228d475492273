import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { databaseEnv, databaseIn } from '../e2e/helpers/paths.js'
import { element, sasRequest } from './build.js'
import { runCli } from './processes.js'
import { startSmtp } from './smtp.js'

type Tap = { teardown(fn: () => unknown): void }

/** A fresh folder for one test's database, outbox and files; removed after. */
export function tempDir(t: Tap): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-delivery-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * The settings of a database for one test's processes, on the engine the suite runs on: a SQLite
 * file in `dir`, or a fresh PostgreSQL database with its key file and outbox in `dir`.
 */
export async function databaseSettings(t: Tap, dir: string): Promise<NodeJS.ProcessEnv & { AGENTXML_DB: string }> {
  const db = await databaseIn(t, dir, { init: false })
  return { AGENTXML_DB: db, ...databaseEnv(db) }
}

/** A port nothing listens on: an SMTP server that is down (and can be started there later). */
export async function downPort(): Promise<number> {
  const smtp = await startSmtp()
  await smtp.close()
  return smtp.port
}

/** The row of `agentxml queue list` for one user, by column. */
export async function queueRow(env: NodeJS.ProcessEnv, user: string) {
  const list = await runCli(['queue', 'list'], env)
  const [header, ...rows] = list.stdout.trimEnd().split('\n')
  // columns are two spaces apart; "LAST ERROR" is one column
  const starts = [...(header ?? '').matchAll(/\S+(?: \S+)*/g)].map((m) => m.index ?? 0)
  const row = rows.find((line) => line.split(/\s+/)[1] === user) ?? ''
  const cells = starts.map((start, i) => row.slice(start, starts[i + 1]).trim())
  return { output: list.stdout, id: cells[0], status: cells[4], tries: Number(cells[5]), lastError: cells[7] }
}

/** A mobile client's provision request to a running server; the reply's Result. */
export async function provisionOverHttp(url: string, user: string, code: string) {
  const response = await fetch(`${url}/proxy/AgentXML`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`),
  })
  return element(await response.text(), 'Result')
}
