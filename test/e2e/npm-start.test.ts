// `npm start` under a process manager: the manager sends SIGTERM to the process it started (npm)
// and to nothing else. npm passes the signal on to its one child; the start script `exec`s node,
// so that child is the server itself, not a shell that would die and leave the server running.
import { existsSync } from 'node:fs'
import t from 'tap'
import { postXml } from './helpers/http.js'
import { testEngine } from '../helpers/database.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { groupGone, groupMembers } from './helpers/processes.js'
import { startServer } from './helpers/server.js'
import { outcome, pingXml } from './helpers/xml.js'

t.test('SIGTERM to npm alone stops the server cleanly and leaves no process behind', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db, viaNpm: true })
  t.same(outcome((await postXml(server.url, pingXml())).body), { result: 'PASS', error: undefined })
  t.equal(groupMembers(server.pid).length, 2, 'npm and the server, no shell between them')

  // npm's pid only, as systemd (KillMode=process), supervisord or a container runtime does
  process.kill(server.pid, 'SIGTERM')
  t.same(await server.exited, { code: 0, signal: null }, 'npm exits 0 once the server has')
  t.ok(await groupGone(server.pid), 'no process of npm start is left: the server is not orphaned')
  t.ok(server.records().some((record) => record.msg === 'agentxml stopped'), 'the server logged its clean stop')
  if (testEngine === 'sqlite') t.notOk(existsSync(`${db}-wal`), 'the database was closed (its write-ahead log checkpointed and removed)')
  t.equal(server.stderr.join('\n'), '', 'nothing on stderr')
})
