import { escapeHtml, notice, selfServiceDocument } from './self-service-page.js'

/**
 * The self-service PIN pages' HTML (`/reset/changepin.jsp`, `/reset/resetpin.jsp`), in the
 * provisioning page's style and under its policy: no scripts, every field labelled, an error
 * named beside its field and the field focused. Nothing secret is ever written back into a page:
 * codes and PINs come back empty after an error.
 */
export interface Field {
  readonly name: string
  readonly label: string
  readonly help?: string
  readonly secret?: boolean
  /** `numeric` for PINs and one-time codes: a phone shows digits. */
  readonly inputmode?: 'numeric'
  readonly autocomplete: string
}

export interface FormState {
  readonly action: string
  readonly csrfToken: string
  readonly intro: string
  readonly fields: readonly Field[]
  readonly button: string
  /** Values shown again (never a secret field's). */
  readonly values?: Readonly<Record<string, string>>
  readonly errors?: ReadonlyMap<string, string>
  readonly notice?: string
  /** Extra hidden fields (which step of a page). */
  readonly hidden?: Readonly<Record<string, string>>
  readonly after?: string
}

export const userNameField: Field = { name: 'username', label: 'User name', autocomplete: 'username' }

export function pinPage(heading: string, body: string, problem?: string): string {
  return selfServiceDocument(heading, problem, body)
}

export const okNotice = (paragraphs: string[]) => notice('ok', 'status', paragraphs)
export const warnNotice = (paragraphs: string[], role: 'status' | 'alert' = 'alert') => notice('warn', role, paragraphs)

export function form(state: FormState): string {
  const firstError = state.fields.find((field) => state.errors?.has(field.name))?.name
  const hidden = Object.entries(state.hidden ?? {}).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">\n`)
  return `${state.notice ? warnNotice([escapeHtml(state.notice)]) : ''}<p>${state.intro}</p>
<form method="post" action="${escapeHtml(state.action)}">
<input type="hidden" name="_csrf" value="${escapeHtml(state.csrfToken)}">
${hidden.join('')}${state.fields.map((field) => fieldHtml(field, state, field.name === firstError)).join('')}<button type="submit">${escapeHtml(state.button)}</button>
</form>
${state.after ?? ''}`
}

function fieldHtml(field: Field, state: FormState, focus: boolean): string {
  const error = state.errors?.get(field.name)
  const id = field.name
  const described = [field.help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ')
  const value = field.secret ? '' : (state.values?.[field.name] ?? '')
  const attributes = [
    `id="${id}"`,
    `name="${id}"`,
    `type="${field.secret ? 'password' : 'text'}"`,
    `value="${escapeHtml(value)}"`,
    `autocomplete="${field.autocomplete}"`,
    'autocapitalize="none" autocorrect="off" spellcheck="false" required maxlength="128"',
    field.inputmode ? `inputmode="${field.inputmode}"` : '',
    described ? `aria-describedby="${described}"` : '',
    error ? 'aria-invalid="true"' : '',
    focus ? 'autofocus' : '',
  ].filter(Boolean)
  return `<div class="field">
<label for="${id}">${escapeHtml(field.label)}</label>
${field.help ? `<p id="${id}-help">${escapeHtml(field.help)}</p>\n` : ''}<input ${attributes.join(' ')}>
${error ? `<p id="${id}-error" class="field-error">${escapeHtml(error)}</p>\n` : ''}</div>
`
}
