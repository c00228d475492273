import { addAdmin, adminList, deleteAdmin, setAdminPassword } from '../domain/admins.js'
import { readNewPassword } from './password.js'
import { assertNoMore, type Command, dbHelp, formatTime, parse, positional, print, table, withServices } from './shared.js'

const usage = `Usage: agentxml admin <command> ...

  admin add NAME            a console administrator; asks for the password twice (echo off),
                            or reads the first line of standard input when it is not a terminal
  admin set-password NAME   a new password; also lifts a lockout and the sign-in limit, and
                            ends NAME's sessions
  admin list
  admin delete NAME
Passwords have at least 12 characters. The console is /admin on the server.
${dbHelp}
`

/** `agentxml admin add NAME | list | delete NAME | set-password NAME`: the console's administrators. */
export const admin: Command = {
  name: 'admin',
  usage,
  verbs: ['add', 'list', 'delete', 'set-password'],
  async run(args, io) {
    const [verb, ...rest] = args
    const { values, positionals } = parse(rest, {})
    assertNoMore(positionals, verb === 'list' ? 0 : 1)
    // the name is checked and the password read before the database is opened
    const target = verb === 'list' ? '' : positional(positionals, 0, 'administrator name')
    const password = verb === 'add' || verb === 'set-password' ? await readNewPassword(io) : ''
    await withServices(values, io, async (services) => {
      // each change logs its own line (and so reaches the audit log)
      if (verb === 'add') return addAdmin(services, target, password)
      if (verb === 'set-password') return setAdminPassword(services, target, password)
      if (verb === 'delete') return deleteAdmin(services, target)
      const rows = (await adminList(services)).map((a) => [
        a.name,
        a.lockedUntil ? `until ${formatTime(a.lockedUntil)}` : '-',
        String(a.failedSignIns),
        formatTime(a.createdAt),
      ])
      print(io, table([['NAME', 'LOCKED', 'FAILED SIGN-INS', 'CREATED'], ...rows]))
    })
  },
}
