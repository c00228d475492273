// Every change by a command leaves an audit row naming the operating-system user who ran it
// (issue #26: `policy set max-login-tries 0` used to leave no trace).
import { userInfo } from 'node:os'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { mustRun } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'

async function auditRows(db: string) {
  const opened = await openDatabase(db)
  try {
    return await opened.db.selectFrom('audit_log').select(['event', 'message', 'actor', 'actor_type']).orderBy('id').execute()
  } finally {
    await opened.store.close()
  }
}

t.test('policy set and user add write audit rows naming the operating-system user; sudo says who asked', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const me = userInfo().username
  await mustRun(['policy', 'set', 'max-login-tries', '0'], { db, env: { SUDO_USER: '' } })
  await mustRun(['user', 'add', 'bob', '--pin', '2468'], { db, env: { SUDO_USER: 'alice' } })
  const rows = await auditRows(db)
  t.match(rows.find((r) => r.event === 'policyChanged'), { actor: me, actor_type: 'operator', message: /Maximum login tries.*0/i }, 'the policy change has its row, by the user who ran the command')
  t.match(rows.find((r) => r.event === 'userAdded'), { actor: me === 'alice' ? 'alice' : `${me} (sudo: alice)`, actor_type: 'operator' }, 'sudo: the row says who asked')
})
