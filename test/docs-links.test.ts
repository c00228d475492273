import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { anchors, links, slug } from './helpers/markdown.js'

// The documents stand on their own: every relative link of README.md, CHANGELOG.md, docs/ and
// fixtures/ leads to a file of the repository, every `#anchor` to a heading of its target (GitHub's
// anchors), and nothing points at material outside the repository.

const root = fileURLToPath(new URL('..', import.meta.url))
const skipped = new Set(['node_modules', '.git', 'dist', '.tap', 'coverage', 'data', '.scratch', 'artifacts'])

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return walk(path, keep)
    return keep(path) ? [path] : []
  })
}

const documents = [
  join(root, 'README.md'),
  join(root, 'CHANGELOG.md'),
  ...walk(join(root, 'docs'), (file) => file.endsWith('.md')),
  ...walk(join(root, 'fixtures'), (file) => file.endsWith('.md')),
]

const external = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i

t.test('the documents are there', async (t) => {
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', 'docs/protocol.md', 'docs/operations.md']) {
    t.ok(existsSync(join(root, file)), file)
  }
})

t.test('GitHub anchors are computed as GitHub does', async (t) => {
  t.equal(slug('3.1 provision (mobile client)'), '31-provision-mobile-client')
  t.equal(slug('8.1 PINsafe-style syslog lines (`--log-format pinsafe`)'), '81-pinsafe-style-syslog-lines---log-format-pinsafe')
  t.equal(slug('The `agentxml` command'), 'the-agentxml-command')
  t.same([...anchors('# A\n## A\n```\n# not a heading\n```\n## A')], ['a', 'a-1', 'a-2'])
})

for (const file of documents) {
  const name = relative(root, file)
  t.test(`${name}: every relative link and anchor resolves`, async (t) => {
    const text = readFileSync(file, 'utf8')
    let checked = 0
    for (const { target, line } of links(text)) {
      if (external.test(target)) continue
      checked++
      const [path = '', anchor] = target.split('#', 2)
      const where = `${name}:${line} ${target}`
      if (path.startsWith('/')) {
        t.fail(`${where}: an absolute path (links are relative to the document)`)
        continue
      }
      const resolved = path === '' ? file : resolve(dirname(file), decodeURI(path))
      if (!resolved.startsWith(root)) {
        t.fail(`${where}: outside the repository`)
        continue
      }
      if (!existsSync(resolved)) {
        t.fail(`${where}: no such file`)
        continue
      }
      if (anchor === undefined) {
        t.pass(where)
        continue
      }
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
        t.fail(`${where}: an anchor into something that is not a Markdown file`)
        continue
      }
      t.ok(anchors(readFileSync(resolved, 'utf8')).has(anchor), `${where}: a heading with that anchor`)
    }
    if (checked === 0) t.pass('no relative links')
  })
}

t.test('nothing in the repository points at material outside it', async (t) => {
  // spelled in pieces, so that this file does not match itself
  const outside = [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/')]
  const text = /\.(?:ts|mts|js|mjs|json|md|xsd|xml|sh|yml|yaml|txt)$|(?:^|\/)(?:Dockerfile|\.dockerignore|\.gitignore|\.taprc|LICENSE|run|node-lines)$/
  const files = walk(root, (file) => text.test(relative(root, file)))
  t.ok(files.length > 100, `${files.length} files read`)
  const offenders = files.flatMap((file) => {
    const content = readFileSync(file, 'utf8')
    return outside.filter((needle) => content.includes(needle)).map((needle) => `${relative(root, file)}: ${needle}`)
  })
  t.same(offenders, [], `no file mentions ${outside.join(' or ')}`)
})
