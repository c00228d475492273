import { readFileSync } from 'node:fs'
import { markdownTable } from './markdown.js'

export interface NodeLine {
  readonly major: number
  /** What the README says of it: "supported ..." or "not supported ...". */
  readonly status: string
  readonly endOfLife: string
  readonly supported: boolean
}

const readme = () => readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** Every row of the README's "Node.js versions" table. */
export function nodeLines(): NodeLine[] {
  return markdownTable(readme(), '## Node.js versions').map(([line = '', status = '', endOfLife = '']) => ({
    major: Number(/\d+/.exec(line)?.[0]),
    status,
    endOfLife: /\d{4}-\d{2}-\d{2}/.exec(endOfLife)?.[0] ?? '',
    supported: /^supported\b/i.test(status),
  }))
}

/** The lines the README says are supported. */
export const supportedLines = () => nodeLines().filter((line) => line.supported)
