import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/**
 * Every process group these tests started and have not seen exit. Killed when the test process
 * exits by any route, so a failing or timed-out test leaves no server behind.
 */
const running = new Set<number>()

process.once('exit', () => {
  for (const pid of running) if (groupMembers(pid).length > 0) killGroup(pid, 'SIGKILL')
})

/** Track a child started with `detached: true` (it leads its own process group). */
export function track(child: ChildProcess): void {
  const pid = child.pid
  if (pid === undefined) return
  running.add(pid)
  // the leader's exit is not the group's: npm's server may still run
  child.once('exit', () => {
    if (groupMembers(pid).length === 0) running.delete(pid)
  })
}

/** Signal the whole group the child leads (npm, its shell and node), if it still runs. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

/** Lines of a stream as they arrive. */
export function collectLines(stream: NodeJS.ReadableStream | null, lines: string[], onLine: () => void): void {
  if (!stream) return
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    rest += chunk
    const parts = rest.split('\n')
    rest = parts.pop() ?? ''
    lines.push(...parts)
    if (parts.length > 0) onLine()
  })
  stream.on('end', () => {
    if (rest) lines.push(rest)
    rest = ''
    onLine()
  })
}

/** Process ids still in a process group (Linux `/proc`): npm's grandchildren outlive npm. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // fields after the ")" of the command name: state, ppid, pgrp, ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry))
    } catch {
      // exited while we looked
    }
  }
  return members
}

/** Wait until no process of the group is left, or give up after `timeoutMs`. */
export async function groupGone(pgid: number, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (groupMembers(pgid).length === 0) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}
