/** Markup that is already safe; anything else interpolated into `html` is escaped. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c)
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value === null || value === undefined || value === false || value === true) return ''
  if (value instanceof Html) return value.markup
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * A template tag: every interpolated value is HTML-escaped unless it is `Html`; arrays are
 * joined, and `null`, `undefined` and booleans render as nothing (for `cond && html`...``).
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let markup = strings[0] ?? ''
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '')
  })
  return new Html(markup)
}

/** Times in the console: UTC, to the second (`2026-11-28 12:00:00 UTC`). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return ''
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}
