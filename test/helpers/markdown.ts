/**
 * Just enough Markdown for tests that hold the documents to their word: tables under a heading,
 * headings and their GitHub anchors, links. Fenced code blocks are skipped throughout.
 */

/** The lines outside fenced code blocks (``` or ~~~), each with its line number. */
export function proseLines(text: string): { line: string; number: number }[] {
  const lines: { line: string; number: number }[] = []
  let fence: string | undefined
  text.split('\n').forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined
      return
    }
    if (fence === undefined) lines.push({ line, number: index + 1 })
  })
  return lines
}

/** The cells of a table row `| a | b |`; a `\|` or a `|` inside backticks stays in its cell. */
export function tableCells(row: string): string[] {
  const cells: string[] = []
  let cell = ''
  let code = false
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '')
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]
    if (char === '\\' && inner[i + 1] === '|') {
      cell += '|'
      i++
    } else if (char === '`') {
      code = !code
      cell += char
    } else if (char === '|' && !code) {
      cells.push(cell.trim())
      cell = ''
    } else {
      cell += char
    }
  }
  cells.push(cell.trim())
  return cells
}

/** The body rows of the first table after the heading that starts with `heading` (header row left out). */
export function markdownTable(text: string, heading: string): string[][] {
  const lines = proseLines(text).map(({ line }) => line)
  const start = lines.findIndex((line) => line.startsWith(heading))
  if (start < 0) throw new Error(`no heading "${heading}"`)
  const rows: string[][] = []
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,6} /.test(line)) break
    if (!line.startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    const cells = tableCells(line)
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue
    rows.push(cells)
  }
  return rows.slice(1)
}

/** A heading's text as GitHub renders it: code, emphasis and link syntax gone. */
function renderedText(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|\*|_)(?=\S)([^*_]*?\S)\1/g, '$2')
    .trim()
}

/** GitHub's anchor for a heading text: lower case, punctuation and symbols dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return renderedText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor a document's headings give, a repeated heading getting `-1`, `-2`, ... as on GitHub. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

export interface Link {
  readonly target: string
  readonly line: number
}

/** Inline links and images `[text](target)` of the prose, inline code left out. */
export function links(text: string): Link[] {
  const found: Link[] = []
  for (const { line, number } of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, '')
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: match[1] ?? '', line: number })
    }
    // a reference definition: `[name]: target`
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line)?.[1]
    if (definition) found.push({ target: definition, line: number })
  }
  return found
}
