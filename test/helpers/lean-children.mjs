// Loaded into every test process before its test (.taprc, node-arg). tap's process-info hook puts
// itself into every process a test starts (NODE_OPTIONS, added again at each spawn through
// process-on-spawn): about 0.7 s and a second of CPU a server or command, which only coverage
// needs. With coverage off (.taprc's default; `npx tap --no-disable-coverage` turns it on) the
// children start without it.
import processOnSpawn from 'process-on-spawn'

const coverageOff = ['1', 'true'].includes(process.env.TAP_DISABLE_COVERAGE ?? '')

/** NODE_OPTIONS without tap's hook; undefined when nothing is left. */
function withoutHook(nodeOptions) {
  const options = (nodeOptions ?? '').split(/\s+/).filter((option) => option !== '' && !option.includes('@tapjs/processinfo'))
  return options.length > 0 ? options.join(' ') : undefined
}

if (coverageOff) {
  // runs after tap's own listener, which was added when the hook loaded
  processOnSpawn.addListener((child) => {
    const env = Object.fromEntries(Object.entries(child.env).filter(([name]) => !name.startsWith('_TAPJS_PROCESSINFO_')))
    const nodeOptions = withoutHook(env.NODE_OPTIONS)
    if (nodeOptions === undefined) delete env.NODE_OPTIONS
    else env.NODE_OPTIONS = nodeOptions
    child.env = env
  })
}
