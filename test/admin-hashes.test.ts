import { randomBytes, scryptSync } from 'node:crypto'
import t from 'tap'
import { findAdminByName, insertAdmin } from '../src/db/repositories/admins.js'
import { keyAdminHashes } from '../src/domain/admin-hashes.js'
import { hashPassword } from '../src/domain/passwords.js'
import { deriveKeys } from '../src/secrets.js'
import { adminPassword, ConsoleClient } from './helpers/admin.js'
import { build } from './helpers/build.js'

// scrypt is slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

/** A hash as earlier versions stored it, and as anyone can compute without the master key (small N: fast). */
function unkeyedHash(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize('NFC'), salt, 32, { N: 1024, r: 8, p: 1 })
  return ['scrypt', 1024, 8, 1, salt.toString('base64'), hash.toString('base64')].join('$')
}

t.test('a hash made without the master key does not sign in (a row written into the database or a backup)', async (t) => {
  const { app, services, logs } = await build(t)
  await keyAdminHashes(services) // the database has been opened by this version: its hashes are keyed
  await insertAdmin(services.db, { name: 'mallory', password_hash: unkeyedHash(adminPassword), created_at: 0 })
  await insertAdmin(services.db, { name: 'eve', password_hash: await hashPassword(adminPassword, deriveKeys(Buffer.alloc(32, 9))), created_at: 0 })
  for (const name of ['mallory', 'eve']) {
    const reply = await new ConsoleClient(app, { remoteAddress: '192.0.2.7' }).signIn(name, adminPassword)
    t.equal(reply.statusCode, 403, `${name} is refused`)
    t.equal(logs.at(-1)?.reason, 'wrong password')
  }
  t.equal(await keyAdminHashes(services), 0, 'a later open keys nothing')
  t.match((await findAdminByName(services.db, 'mallory'))?.password_hash, /^scrypt\$/, 'and leaves the row unkeyed')
})

t.test("an earlier version's hash is keyed once, without the password, and signs in as before", async (t) => {
  const { app, services, logs } = await build(t)
  await insertAdmin(services.db, { name: 'root', password_hash: unkeyedHash(adminPassword), created_at: 0 })
  t.equal(await keyAdminHashes(services), 1)
  t.match((await findAdminByName(services.db, 'root'))?.password_hash, /^scrypt-hmac\$1024\$8\$1\$/, 'rewritten keyed')
  t.match(logs.at(-1), { event: 'adminHashesKeyed', count: 1 })
  const client = new ConsoleClient(app, { remoteAddress: '192.0.2.8' })
  t.equal((await client.signIn('root', 'a wrong password here')).statusCode, 403, 'a wrong password still fails')
  t.equal((await client.signIn('root', adminPassword)).statusCode, 303, 'the right one signs in')
})
