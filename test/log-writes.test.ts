import { execFileSync } from 'node:child_process'
import { pino } from 'pino'
import t from 'tap'
import { lazyChild } from '../src/logging/lazy.js'
import { createLogger } from '../src/logging/logger.js'
import { perTurn } from '../src/logging/per-turn.js'

/** A logger as the server makes it, writing into `lines`; time left out so that lines compare. */
function capture() {
  const lines: string[] = []
  const log = createLogger({ format: 'json', level: 'info', destination: { write: (line: string) => void lines.push(line) } })
  return { log, lines }
}

const strip = (line: string) => line.replace(/"time":\d+,/, '')

t.test('a lazy child writes the line a real child would, secrets redacted', async (t) => {
  const bindings = { reqId: 'req-7', ip: '10.0.0.9' }
  const failure = new Error('disk full')
  const uses: [string, (log: pino.Logger) => void][] = [
    ['a message', (log) => log.info('agentxml listening')],
    ['a message with arguments', (log) => log.warn('%s of %d', 'one', 2)],
    ['fields and a message', (log) => log.info({ user: 'alice', event: 'loginOk' }, 'Login successful for user: alice.')],
    ['a secret among the fields', (log) => log.info({ user: 'alice', otc: '123456' }, 'checked')],
    ['an error', (log) => log.error(failure, 'audit log write failed')],
    ['a child of the child', (log) => log.child({ agent: 'vpn' }).info({ user: 'bob' }, 'refused')],
  ]
  for (const [what, use] of uses) {
    const real = capture()
    const lazy = capture()
    use(real.log.child(bindings))
    use(lazyChild(lazy.log, () => bindings))
    t.same(lazy.lines.map(strip), real.lines.map(strip), what)
    t.notMatch(lazy.lines.join(''), /123456/, `${what}: no secret in the line`)
  }
  const root = capture()
  let made = 0
  const makeChild = root.log.child.bind(root.log)
  root.log.child = ((...args: Parameters<typeof makeChild>) => (made++, makeChild(...args))) as typeof root.log.child
  const outer = lazyChild(root.log, () => bindings)
  lazyChild(outer, () => ({ agent: 'vpn' })).info({ user: 'alice', event: 'loginOk' }, 'Login successful for user: alice.')
  t.equal(made, 0, 'a lazy child of a lazy child, as a request of an agent logs, makes no pino child')
  t.match(root.lines[0], /^\{"level":30,"time":\d+,"reqId":"req-7","ip":"10.0.0.9","agent":"vpn","user":"alice","event":"loginOk","msg"/, 'and writes both sets of fields in order')
  const other = capture()
  const lazy = lazyChild(other.log, () => bindings)
  t.equal(lazy.level, 'info', 'anything else a logger has is the real child’s: its level')
  t.same(lazy.bindings(), bindings, 'its bindings')
  lazy.level = 'warn'
  lazy.info('now below the level')
  lazy.warn('still written')
  t.same(other.lines.map((line) => JSON.parse(line).msg), ['still written'], 'and setting its level sets the child’s')
  const quiet = capture()
  let asked = 0
  lazyChild(quiet.log, () => (asked++, bindings)).debug({ user: 'alice' }, 'below the level')
  t.same(quiet.lines, [], 'a line below the level is not written')
  t.equal(asked, 0, 'and costs no bindings')
})

t.test('standard output is written once per turn, and before the process exits', async (t) => {
  const writes: string[] = []
  const out = perTurn({ write: (text: string) => void writes.push(text) })
  out.write('one\n')
  out.write('two\n')
  t.same(writes, [], 'nothing is written inside the turn')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(writes, ['one\ntwo\n'], 'the turn’s lines go out in one write')
  out.write('three\n')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(writes, ['one\ntwo\n', 'three\n'], 'the next turn’s lines in the next')

  const big = perTurn({ write: (text: string) => void writes.push(text) }, 10)
  big.write('0123456789\n')
  t.equal(writes.at(-1), '0123456789\n', 'a turn’s lines over the limit are written at once')

  // the server's own logger, exiting in the same turn as it logs: the lines are not lost
  const script = `
    import { createLogger } from './src/logging/logger.ts'
    const log = createLogger({ format: 'json', level: 'info' })
    log.info('first'); log.info('last')
    process.on('exit', () => log.info('while exiting'))
    process.exit(0)`
  const stdout = execFileSync(process.execPath, ['--import=@tapjs/typescript/import', '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.same(
    stdout.trim().split('\n').map((line) => JSON.parse(line).msg),
    ['first', 'last', 'while exiting'],
    'written by the exit, in order',
  )
})
