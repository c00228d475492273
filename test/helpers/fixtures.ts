import { readdirSync, readFileSync } from 'node:fs'
import { findDeviceByUser } from '../../src/db/repositories/devices.js'
import { findBatchByDevice } from '../../src/db/repositories/string-batches.js'
import { updateUser } from '../../src/db/repositories/users.js'
import { setPolicy } from '../../src/domain/policy.js'
import { alphabets, batchSize, hashProvisionId, sealBatch } from '../../src/domain/security-strings.js'
import type { Services } from '../../src/domain/services.js'
import { requireUser, setPin } from '../../src/domain/users.js'
import type { Clock } from './build.js'
import { insertBatch, insertBurn, insertDevice } from './db-seed.js'
import { seedAgent, seedCode, seedUser } from './seed.js'

export const fixturesDir = new URL('../../fixtures/agentxml/', import.meta.url)

/** One entry of a `fixtures/agentxml/<folder>/cases.json` (fixtures/agentxml/README.md). */
export interface CaseMeta {
  readonly about: string
  readonly path: string
  readonly setup?: readonly string[]
  readonly remoteAddress?: string
  /** false: the request deliberately breaks the schema (and the test checks that it does). */
  readonly requestValid?: boolean
  /** Log messages the exchange must write, in this order (others may come between). */
  readonly logs?: readonly string[]
}

export interface Fixture extends CaseMeta {
  /** `<folder>/<case>` */
  readonly name: string
  readonly request: Buffer
  readonly reply: string
}

/** Every fixture pair with its case entry; throws when a file and the cases disagree. */
export function loadFixtures(): Fixture[] {
  const fixtures: Fixture[] = []
  const folders = readdirSync(fixturesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory())
  for (const { name: folder } of folders) {
    const dir = new URL(`${folder}/`, fixturesDir)
    const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as Record<string, CaseMeta>
    const files = readdirSync(dir).filter((file) => file !== 'cases.json')
    const named = new Set(Object.keys(cases).flatMap((name) => [`${name}.request.xml`, `${name}.reply.xml`]))
    const strays = files.filter((file) => !named.has(file))
    if (strays.length > 0) throw new Error(`fixtures/agentxml/${folder}: files without a case in cases.json: ${strays.join(', ')}`)
    for (const [name, meta] of Object.entries(cases)) {
      fixtures.push({
        ...meta,
        name: `${folder}/${name}`,
        request: readFileSync(new URL(`${name}.request.xml`, dir)),
        reply: readFileSync(new URL(`${name}.reply.xml`, dir), 'utf8'),
      })
    }
  }
  return fixtures
}

/** A device bound to `name` whose provision id is `id` (fixtures carry literal ids). */
export async function seedDevice(services: Services, name: string, id: string) {
  const user = await requireUser(services, name)
  await insertDevice(services, user.id, hashProvisionId(services, id))
}

/** The batch login fixtures use: every index holds `0123456789` (docs/protocol.md §3.4's worked example string). */
export const fixtureString = '0123456789'

/** A device with provision id `id` and a current batch of `fixtureString`s. */
async function seedStrings(services: Services, name: string, id: string) {
  await seedDevice(services, name, id)
  const device = await deviceOf(services, name)
  const strings = Array.from({ length: batchSize }, () => fixtureString)
  await insertBatch(services, device, sealBatch(services, device, strings))
}

async function deviceOf(services: Services, name: string): Promise<number> {
  const user = await requireUser(services, name)
  const device = await findDeviceByUser(services.db, user.id)
  if (!device) throw new Error(`fixture setup: ${name} has no device`)
  return device.id
}

async function burn(services: Services, name: string, index: number) {
  const batch = await findBatchByDevice(services.db, await deviceOf(services, name))
  if (!batch) throw new Error(`fixture setup: ${name} has no batch to burn index ${index} of`)
  await insertBurn(services, batch.id, index)
}

/** Run the setup steps of a case (the words are listed in fixtures/agentxml/README.md). */
export async function runSetup(services: Services, clock: Clock, steps: readonly string[] = []) {
  for (const step of steps) {
    const [verb, ...args] = step.split(' ')
    const [first = '', second = ''] = args
    switch (verb) {
      case 'user': {
        const user = await seedUser(services, { name: first })
        if (second === 'no-mobile') await updateUser(services.db, user.id, { mobile: 0 })
        break
      }
      case 'code':
        await seedCode(services, first, second)
        break
      case 'device':
        await seedDevice(services, first, second)
        break
      case 'strings':
        await seedStrings(services, first, second)
        break
      case 'burn':
        await burn(services, first, Number(second))
        break
      case 'pin':
        await setPin(services, first, second)
        break
      case 'lock': {
        const user = await requireUser(services, first)
        await updateUser(services.db, user.id, { locked_at: services.now(), failed_logins: 5 })
        break
      }
      case 'agent':
        await seedAgent(services, args)
        break
      case 'policy':
        await setPolicy(services.db, first, second)
        break
      case 'wait':
        clock.advance(Number(first) * 1000)
        break
      default:
        throw new Error(`unknown fixture setup step "${step}"`)
    }
  }
}

const stringTypes = ['numbers', 'upper', 'lower', 'upper-numbers', 'mixed'] as const
const stringsPattern = /<SecurityStrings>([0-9A-Za-z]{10}(?:;[0-9A-Za-z]{10}){99})<\/SecurityStrings>/

/**
 * A reply with its random values replaced by placeholders, only where they have their exact
 * shape: `<Id>` of 32 lower-case hex digits, `<SecurityStrings>` of 100 ten-character fields
 * (the placeholder names the narrowest string type the characters fit, so a batch of the
 * wrong type still differs). Anything else is left as it is, so a malformed value fails.
 */
export function normaliseReply(xml: string): string {
  return xml
    .replace(/<Id>[0-9a-f]{32}<\/Id>/, '<Id>{provision-id}</Id>')
    .replace(stringsPattern, (whole, strings: string) => {
      const chars = new Set(strings.replace(/;/g, ''))
      const type = stringTypes.find((name) => [...chars].every((c) => alphabets[name].includes(c)))
      return type ? `<SecurityStrings>{security-strings:${type}}</SecurityStrings>` : whole
    })
}

/** Whether `expected` appear in `messages` in that order (other messages may come between). */
export function inOrder(messages: readonly string[], expected: readonly string[]): boolean {
  let at = 0
  for (const message of messages) if (message === expected[at]) at++
  return at === expected.length
}
