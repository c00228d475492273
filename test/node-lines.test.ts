import { readFileSync } from 'node:fs'
import t from 'tap'
import { nodeLines, supportedLines } from './helpers/node-lines.js'

// What the README says about Node.js lines, package.json's engines and the lines CI proves
// (.ci/node-lines) are one list; no supported line is past its end of life.

const root = new URL('..', import.meta.url)
const engines = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } }).engines.node
const script = readFileSync(new URL('.ci/node-lines', root), 'utf8')
const today = new Date().toISOString().slice(0, 10)

t.test('the README lists Node.js lines, some supported', async (t) => {
  t.ok(nodeLines().length >= 3, 'a row for each line')
  t.ok(supportedLines().length >= 2)
  for (const line of nodeLines()) t.match(line.endOfLife, /^\d{4}-\d{2}-\d{2}$/, `Node ${line.major}: an end-of-life date`)
})

t.test('no supported line is past its end of life; every line past it is unsupported', async (t) => {
  for (const line of nodeLines()) {
    if (line.supported) t.ok(line.endOfLife > today, `Node ${line.major} is maintained until ${line.endOfLife}: time to drop it`)
    else t.match(line.status, /^not supported/, `Node ${line.major} is said to be unsupported`)
  }
})

t.test("package.json's engines name exactly the supported lines", async (t) => {
  const majors = engines.split('||').map((range) => Number(/\d+/.exec(range)?.[0]))
  t.same(majors.sort(), supportedLines().map((line) => line.major).sort(), engines)
})

t.test('.ci/node-lines proves every supported line by default', async (t) => {
  const defaults = /AGENTXML_NODE_LINES:-([\d ]+)\}/.exec(script)?.[1]?.trim().split(/\s+/).map(Number)
  t.ok(defaults, 'a default list of lines')
  t.same(defaults?.sort(), supportedLines().map((line) => line.major).sort())
})
