// `npm run build`: src/ compiled by TypeScript into dist/, one file a module (the tests and the
// bench import some of them), then the command that every way of running agentxml starts
// (dist/cli/index.js: the bin, npm start, the Docker image) bundled in its place by esbuild.
//
// Why a bundle: Node loads each ES module file on its own, and a command that opens the database
// read about 380 of them (263 of them kysely's) before it did anything; `agentxml user list` took
// 0.5 s, a bundle 0.3 s, and the server starts sooner too. The commands stay loaded on demand (one
// chunk each, beside the entry). Left out of the bundle and loaded from node_modules as before:
// better-sqlite3 (a native module) and pino (its worker transports find their files beside its own).
import { spawnSync } from 'node:child_process'
import { chmodSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
process.chdir(root)
rmSync('dist', { recursive: true, force: true })

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' })
if (tsc.status !== 0) process.exit(tsc.status ?? 1)

await build({
  entryPoints: { index: 'src/cli/index.ts' },
  outdir: 'dist/cli',
  // the chunks sit beside the entry, as the compiled modules did: src/cli/version.ts finds
  // package.json two folders up from its own file
  chunkNames: 'bundle-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pino', 'pg-native'],
  // CommonJS packages inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __agentxmlRequire } from 'node:module'; const require = __agentxmlRequire(import.meta.url);" },
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
})
chmodSync('dist/cli/index.js', 0o755)
