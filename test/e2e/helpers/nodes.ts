import pg from 'pg'
import pino from 'pino'
import { openDatabase } from '../../../src/db/index.js'
import { addAgent } from '../../../src/domain/agents.js'
import { deriveOtc } from '../../../src/domain/otc.js'
import { createProvisionCode } from '../../../src/domain/provision-code.js'
import type { Services } from '../../../src/domain/services.js'
import { addUser } from '../../../src/domain/users.js'
import { deriveKeys, keyCheck, loadMasterKey } from '../../../src/secrets.js'
import { testEngine } from '../../helpers/database.js'
import { postXml } from './http.js'
import { databaseEnv } from './paths.js'
import { downloadStrings, provision } from './protocol.js'
import { type ServerProcess, startServer } from './server.js'
import { element, sasRequest } from './xml.js'

// Several `agentxml serve` processes on one PostgreSQL database, and what the tests of
// test/e2e/multi-node*.test.ts do to them.

/** Why these tests do not run on the SQLite pass. */
export const skip = testEngine !== 'postgres' && 'needs PostgreSQL'

export const agentSecret = 'portal-secret-42'

interface Tap {
  teardown(fn: () => unknown): void
}

/** Start one node per name on `db` (each with the key file databaseIn made for it, or the one `env` names). */
export async function startNodes(
  t: Tap,
  db: string,
  names: readonly string[],
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess[]> {
  return Promise.all(names.map((name) => startServer(t, { db, args: ['--node-name', name, ...args], env, startTimeoutMs: 60_000 })))
}

/** A connection pool of the test's own to the nodes' database, for what the test checks. */
export function sqlOf(t: Tap, url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'agentxml test' })
  pool.on('error', () => undefined)
  t.teardown(() => pool.end())
  return async <R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> =>
    (await pool.query<R>(text, values)).rows
}

export type Sql = ReturnType<typeof sqlOf>

/**
 * The domain in the test process on the nodes' database and key, as the `agentxml` command would
 * run it: for setting up users, agents and codes quickly. It writes no audit rows.
 */
export async function directServices(t: Tap, db: string, keyFile = databaseEnv(db).AGENTXML_KEY_FILE): Promise<Services> {
  const keys = deriveKeys(loadMasterKey({ fromEnv: undefined, keyFile, create: false }))
  const opened = await openDatabase(db, { keyCheck: keyCheck(keys), nodeName: 'test' })
  t.teardown(() => opened.store.close())
  return { db: opened.db, store: opened.store, keys, log: pino({ level: 'silent' }), now: Date.now }
}

/** The agent every login of these tests comes from (loopback). */
export const addPortal = (services: Services) => addAgent(services, { name: 'portal', secret: agentSecret, networks: [] })

export const loginXml = (user: string, otc: string) =>
  sasRequest(`<Secret>${agentSecret}</Secret><RequestID>1</RequestID><Action>login</Action><Username>${user}</Username><OTC>${otc}</OTC>`)

export interface Outcome {
  readonly result: string | undefined
  readonly error: string | undefined
}

export async function login(url: string, user: string, otc: string): Promise<Outcome> {
  const reply = await postXml(url, loginXml(user, otc), '/pinsafe/AgentXML', { timeoutMs: 30_000 })
  return { result: element(reply.body, 'Result'), error: element(reply.body, 'Error') }
}

export interface MobileUser {
  readonly name: string
  readonly id: string
  /** The OTC of string `index` of the downloaded batch. */
  otc(index: number): string
  /** A code of the right form for `index` that is not its OTC. */
  wrongOtc(index: number): string
}

/** A user with a PIN, provisioned through `url` as a mobile client does, with a batch downloaded. */
export async function mobileUser(services: Services, url: string, name: string, pin = '2468'): Promise<MobileUser> {
  await addUser(services, { name, pin, email: `${name}@example.com`, transport: 'email' })
  const { code } = await createProvisionCode(services, name, { deliver: false })
  const provisioned = await provision(url, name, code)
  if (provisioned.result !== 'PASS' || !provisioned.id) throw new Error(`could not provision ${name}: ${provisioned.error}`)
  const { fields } = await downloadStrings(url, provisioned.id)
  if (fields.length !== 100) throw new Error(`no batch for ${name}`)
  const otc = (index: number) => deriveOtc(fields[index] ?? '', pin, index)
  const wrongOtc = (index: number) => {
    const right = otc(index)
    const digit = String((Number(right[0]) + 1) % 10)
    return `${digit}${right.slice(1)}`
  }
  return { name, id: provisioned.id, otc, wrongOtc }
}

/** Poll `check` until it returns true, or fail after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
