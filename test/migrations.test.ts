import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'

t.test('processes opening a new database at once all get its schema', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-migrate-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  // separate connections, as a server and a command (or two servers) have; their migrations interleave
  const opened = await Promise.allSettled(Array.from({ length: 4 }, () => openDatabase(file)))
  t.same(opened.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
  for (const o of opened) {
    if (o.status !== 'fulfilled') continue
    const tables = await o.value.selectFrom('sqlite_master' as never).select('name' as never).where('type' as never, '=', 'table' as never).execute()
    t.ok(tables.some((row) => (row as { name: string }).name === 'users'), 'the schema is there')
    await o.value.destroy()
  }
})

t.test('a new database, its WAL and its shared memory are readable by their owner only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-mode-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  const db = await openDatabase(file)
  t.teardown(() => db.destroy())
  for (const suffix of ['', '-wal', '-shm']) t.equal(statSync(file + suffix).mode & 0o777, 0o600, `agentxml.db${suffix}`)
})
