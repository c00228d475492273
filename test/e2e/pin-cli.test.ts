import t from 'tap'
import { mustRun, runCli } from './helpers/cli.js'
import { databaseIn, tempDir } from './helpers/paths.js'

// The PIN commands as an administrator types them: what they print, and what they refuse.

t.setTimeout(300_000)

t.test('user send-pins, user reset-pin and user show, from the command line', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const cli = (args: string[]) => mustRun(args, { db })
  await cli(['policy', 'set', 'send-pin-on-create', 'no'])
  // bob's email needs an SMTP server configured somewhere (nothing listens: his PIN stays queued)
  await cli(['settings', 'set', 'smtp-url', 'smtp://127.0.0.1:9'])
  await cli(['settings', 'set', 'smtp-from', 'noreply@example.com'])
  await cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--transport', 'outbox'])
  await cli(['user', 'add', 'bob', '--transport', 'email', '--email', 'bob@example.com'])
  t.match((await cli(['user', 'show', 'alice'])).stdout, /^pin +not set$/m)
  await cli(['policy', 'set', 'send-pin-on-create', 'yes'])

  const sent = await cli(['user', 'send-pins'])
  t.match(sent.stdout, /^2 PINs queued$/m, 'one PIN for each user without one')
  t.notMatch(sent.stdout, /\b\d{4}\b(?! PIN)/, 'and no PIN printed')
  t.match((await cli(['user', 'send-pins'])).stdout, /^0 PINs queued$/m, 'run again, nothing more')
  t.match((await cli(['user', 'show', 'alice'])).stdout, /^pin +set on \d{4}-\d\d-\d\dT/m)

  const printed = await cli(['user', 'reset-pin', 'alice', '--print-pin'])
  t.match(printed.stdoutLines.at(-1), /^\d{4}$/, 'the PIN alone on the last line')
  t.match(printed.stdout, 'PIN reset for user: alice')
  const queued = await cli(['user', 'reset-pin', 'bob'])
  t.match(queued.stdout, 'Message added to message queue for user: bob, destination: bob@example.com.')
  t.notMatch(queued.stdout, /^\d{4}$/m, 'a PIN sent is not printed')

  const weak = await runCli(['user', 'set', 'alice', '--pin', '1111'], { db })
  t.same([weak.status, weak.stderr.split('\n').length], [1, 2], 'a weak PIN: exit 1, one line')
  t.match(weak.stderr, /too easy to guess/)
  t.equal((await runCli(['user', 'send-pins', '--repository', 'nope'], { db })).status, 1, 'an unknown repository is refused')
})
