// The server's V8 flag (src/cli/index.ts says why): every way this repository starts the server
// passes the same one, and the command's own first line really hands it to node.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cliEntry, projectRoot, tempDir } from './e2e/helpers/paths.js'

const flag = '--max-semi-space-size=8'
const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8')

t.test('npm start, the command, the Docker image, the systemd unit and the bench pass the flag', async (t) => {
  const { scripts } = JSON.parse(read('package.json')) as { scripts: { start: string } }
  t.equal(scripts.start, `exec node ${flag} dist/cli/index.js serve`, 'npm start')
  t.equal(read('src/cli/index.ts').split('\n')[0], `#!/usr/bin/env -S node ${flag}`, "the command's first line")
  t.match(read('Dockerfile'), `ENTRYPOINT ["node", "${flag}", "/app/dist/cli/index.js"]`, 'the image')
  t.match(read('README.md'), `ExecStart=/usr/bin/node ${flag} /opt/agentxml/dist/cli/index.js serve`, 'the systemd unit')
  t.match(read('test/bench/harness.mjs'), `serveArgs = ['${flag}', 'dist/cli/index.js', 'serve']`, 'the bench')
})

t.test('run as a program, the command is node with the flag', async (t) => {
  const dir = await tempDir(t)
  const child = spawn(cliEntry, ['serve', '--port', '0', '--db', join(dir, 'agentxml.db')], { stdio: 'ignore' })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  // /usr/bin/env execs node in the same process: wait for that
  let args: string[] = []
  for (let waited = 0; waited < 10_000 && !args.some((arg) => arg.endsWith('index.js')); waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    args = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')
  }
  t.match(args[0] ?? '', /node$/, 'node runs the command')
  t.ok(args.includes(flag), `with ${flag} (${args.join(' ')})`)
})
