import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { type Html, html } from './html.js'
import { page, type Section } from './layout.js'

/** The hidden field every state-changing form carries. */
export const csrfField = (session: ConsoleSession) => html`<input type="hidden" name="csrf" value="${session.csrfToken}">`

export interface FieldOptions {
  readonly name: string
  readonly label: string
  readonly value?: string | undefined
  readonly error?: string | undefined
  readonly hint?: string | undefined
  readonly type?: 'text' | 'password' | 'search'
  readonly autocomplete?: string
  readonly required?: boolean
  readonly inputmode?: 'numeric' | 'email' | 'tel'
}

/** A labelled text input; an error is tied to it for screen readers and shown beneath it. */
export function textField(o: FieldOptions): Html {
  const id = `f-${o.name}`
  const described = [o.hint && `${id}-hint`, o.error && `${id}-error`].filter(Boolean).join(' ')
  return html`<div class="field${o.error ? ' invalid' : ''}"><label for="${id}">${o.label}</label>
<input type="${o.type ?? 'text'}" id="${id}" name="${o.name}" value="${o.value ?? ''}"${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.required ? html` required` : ''}${o.error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
${o.hint ? html`<div class="hint" id="${id}-hint">${o.hint}</div>` : ''}${o.error ? html`<div class="field-error" id="${id}-error">${o.error}</div>` : ''}</div>`
}

export function selectField(o: FieldOptions & { readonly options: readonly (readonly [string, string])[] }): Html {
  const id = `f-${o.name}`
  return html`<div class="field${o.error ? ' invalid' : ''}"><label for="${id}">${o.label}</label>
<select id="${id}" name="${o.name}"${o.error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>${o.options.map(
    ([value, text]) => html`<option value="${value}"${value === o.value ? html` selected` : ''}>${text}</option>`,
  )}</select>
${o.hint ? html`<div class="hint">${o.hint}</div>` : ''}${o.error ? html`<div class="field-error" id="${id}-error">${o.error}</div>` : ''}</div>`
}

/** A labelled textarea with its hint (the networks of an agent or NAS, a repository's groups). */
export function textareaField(o: { readonly name: string; readonly label: string; readonly value?: string | undefined; readonly hint: string }): Html {
  const id = `f-${o.name}`
  return html`<div class="field"><label for="${id}">${o.label}</label>
<textarea id="${id}" name="${o.name}" aria-describedby="${id}-hint">${o.value ?? ''}</textarea>
<div class="hint" id="${id}-hint">${o.hint}</div></div>`
}

/** A checkbox that posts `yes` when ticked. */
export const checkField = (name: string, label: string, checked: boolean) =>
  html`<div class="field"><label class="check"><input type="checkbox" name="${name}" value="yes"${checked ? html` checked` : ''}> ${label}</label></div>`

/** Networks as typed: one a line, or separated by commas or spaces. */
export const networkList = (text: string) => text.split(/[\s,]+/).filter(Boolean)

export interface DeleteQuestion {
  readonly session: ConsoleSession
  readonly section: Section
  /** What is deleted, as the heading and the button name it: `agent`, `NAS`. */
  readonly what: string
  readonly name: string
  /** What deleting it does. */
  readonly consequence: string
  /** Where the form posts. */
  readonly action: string
  /** Where Cancel leads. */
  readonly back: string
}

/** The page a Delete… link leads to: nothing is deleted until its button posts the form. */
export function deleteQuestion(q: DeleteQuestion): string {
  const body = html`<h1>Delete ${q.what} ${q.name}?</h1>
<div class="panel"><p>${q.consequence}</p>
<div class="actions"><form method="post" action="${q.action}">${csrfField(q.session)}<input type="hidden" name="name" value="${q.name}">
<button type="submit" class="danger">Delete ${q.what}</button></form><a class="button secondary" href="${q.back}">Cancel</a></div></div>`
  return page({ title: `Delete ${q.name}`, session: q.session, section: q.section, body })
}

export const notice = (text: string | undefined) => (text ? html`<div class="notice" role="status">${text}</div>` : '')

export function errorBox(problems: string | readonly string[] | undefined): Html | '' {
  if (!problems || problems.length === 0) return ''
  if (typeof problems === 'string') return html`<div class="error" role="alert">${problems}</div>`
  return html`<div class="error" role="alert">Nothing was changed:<ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
}

export const badge = (kind: 'ok' | 'bad' | 'muted', text: string) => html`<span class="badge ${kind}">${text}</span>`

export interface Paging {
  readonly page: number
  readonly pageSize: number
  readonly total: number
  /** The URL of page `n` with the same filters. */
  readonly link: (page: number) => string
}

export function pager({ page, pageSize, total, link }: Paging): Html {
  const pages = Math.max(1, Math.ceil(total / pageSize))
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1
  const last = Math.min(total, page * pageSize)
  return html`<div class="pager" aria-label="Pages">
${page > 1 ? html`<a class="button secondary" href="${link(page - 1)}" rel="prev">Previous</a>` : ''}
<span>Showing ${first}–${last} of ${total} · page ${page} of ${pages}</span>
${page < pages ? html`<a class="button secondary" href="${link(page + 1)}" rel="next">Next</a>` : ''}</div>`
}

/** `?page=N` as a page number from 1; anything else is page 1. */
export function pageNumber(text: unknown): number {
  const n = typeof text === 'string' && /^\d{1,6}$/.test(text) ? Number(text) : 1
  return Math.max(1, n)
}

/** A form or query value as one string ('' when missing or repeated). */
export function formValue(source: unknown, name: string): string {
  if (typeof source !== 'object' || source === null) return ''
  const value = (source as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : ''
}

/** A link with query parameters, values encoded. */
export function withQuery(path: string, params: Readonly<Record<string, string | number | undefined>>): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, String(value))
  const text = query.toString()
  return text ? `${path}?${text}` : path
}

/** Domain messages start lower-case (`user "bob" not found`); on a page they open a sentence. */
export const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
