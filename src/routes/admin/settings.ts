import type { FastifyInstance } from 'fastify'
import type { Config } from '../../config.js'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { changeDeliverySettings, type DeliverySettingRow, DeliverySettingsRefused, listDeliverySettings } from '../../domain/delivery-admin.js'
import type { Services } from '../../domain/services.js'
import { createDeliverySource } from '../../transports/delivery-settings.js'
import { type DeliveryKey, deliveryKeyDefinitions } from '../../transports/setting-keys.js'
import { sendTestMessage, TestMessageFailed } from '../../transports/test-message.js'
import { checkField, csrfField, errorBox, formValue, notice, selectField, textareaField, textField } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

/** The Settings page's sections; every shared delivery setting appears in exactly one. */
const settingGroups: readonly (readonly [string, readonly DeliveryKey[]])[] = [
  ['Site', ['site-id', 'public-url']],
  ['Email (SMTP)', ['smtp-url', 'smtp-from', 'smtp-require-tls', 'smtp-ca']],
  ['SMS gateway', ['sms-url', 'sms-method', 'sms-header', 'sms-body']],
  ['Messages', ['message-template', 'pin-message-template', 'retry-delays']],
]

const multiLine = new Set<DeliveryKey>(['smtp-ca', 'sms-header', 'sms-body', 'message-template', 'pin-message-template'])

/** A sealed setting is write-only: the form never holds its value, only whether one is stored. */
function settingField(row: DeliverySettingRow, typed: string | undefined, error: string | undefined) {
  const definition = deliveryKeyDefinitions[row.key]
  const label = `${definition.label} (${row.key})`
  if (row.sealed) {
    const state = row.shown === undefined ? 'Not set.' : `Stored: ${row.shown}. Leave empty to keep it.`
    const field = multiLine.has(row.key)
      ? textareaField({ name: row.key, label, value: '', hint: `${definition.allowed}. Write-only: ${state}` })
      : textField({ name: row.key, label, value: '', type: 'password', autocomplete: 'off', error, hint: `${definition.allowed}. Write-only: ${state}` })
    return html`${field}${row.shown === undefined ? '' : checkField(`unset-${row.key}`, `Remove the stored ${row.key}`, false)}`
  }
  const value = typed ?? row.text ?? ''
  const hint = `${definition.allowed}. Empty: the built-in default, or a node's flag.`
  if (row.key === 'smtp-require-tls') {
    return selectField({ name: row.key, label, value, error, hint, options: [['', 'Not set (no)'], ['yes', 'Yes'], ['no', 'No']] })
  }
  if (multiLine.has(row.key)) return textareaField({ name: row.key, label, value, hint: error ? `${error}. ${hint}` : hint })
  return textField({ name: row.key, label, value, error, hint })
}

interface PageState {
  readonly typed?: ReadonlyMap<string, string>
  readonly problems?: ReadonlyMap<string, string>
  readonly info?: string | undefined
  readonly testResult?: { readonly ok: boolean; readonly text: string }
  readonly testTo?: string
}

function settingsPage(session: ConsoleSession, rows: readonly DeliverySettingRow[], state: PageState) {
  const problems = state.problems ?? new Map<string, string>()
  const byKey = new Map(rows.map((row) => [row.key, row]))
  const test = state.testResult
  const body = html`<h1>Settings</h1>
<p>Shared by every node and command, applied at the next message. A node started with the flag of a setting (<code>--smtp-url</code>…) uses its own value instead.</p>
${notice(state.info)}${errorBox(problems.size ? [...problems.values()] : undefined)}
<form method="post" action="/admin/settings">${csrfField(session)}
${settingGroups.map(
  ([legend, keys]) =>
    html`<fieldset><legend>${legend}</legend>${keys.map((key) => {
      const row = byKey.get(key)
      return row ? settingField(row, state.typed?.get(key), problems.get(key)) : ''
    })}</fieldset>`,
)}
<div class="actions"><button type="submit">Save settings</button><a class="button secondary" href="/admin/settings">Cancel</a></div></form>
<h2>Send a test message</h2>
${test ? (test.ok ? notice(test.text) : errorBox(test.text)) : ''}
<form method="post" action="/admin/settings/test">${csrfField(session)}
${selectField({ name: 'transport', label: 'Transport', value: 'email', options: [['email', 'Email'], ['sms', 'SMS']] })}
${textField({ name: 'destination', label: 'Send to', value: state.testTo ?? '', hint: 'An email address or a phone number; the message carries no code.' })}
<div class="actions"><button type="submit">Send a test message</button></div></form>`
  return page({ title: 'Settings', session, section: 'settings', body })
}

/** What the form changes: a typed value sets, an emptied field unsets, an empty write-only field keeps. */
function submittedChanges(body: unknown, rows: readonly DeliverySettingRow[]): { changes: Map<string, string | undefined>; typed: Map<string, string> } {
  const changes = new Map<string, string | undefined>()
  const typed = new Map<string, string>()
  for (const row of rows) {
    if (typeof (body as Record<string, unknown> | undefined)?.[row.key] !== 'string') continue
    const value = formValue(body, row.key)
    if (row.sealed) {
      if (value.trim() !== '') changes.set(row.key, value)
      else if (formValue(body, `unset-${row.key}`) === 'yes') changes.set(row.key, undefined)
      continue
    }
    typed.set(row.key, value)
    if (value.trim() === '') {
      if (row.text !== undefined) changes.set(row.key, undefined)
    } else changes.set(row.key, value)
  }
  return { changes, typed }
}

/** Settings: the shared delivery settings, secrets write-only, and a test message through them. */
export async function settingsRoutes(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  // this node's flags over the shared settings: the test goes out as this node's messages do
  const source = createDeliverySource(config, services.log)

  app.get('/settings', async (request, reply) => {
    const saved = formValue(request.query, 'saved')
    const info = saved === '' ? undefined : saved === '0' ? 'Nothing changed.' : `Settings saved (${saved} changed).`
    return send(reply, 200, settingsPage(requireSession(request), await listDeliverySettings(services), { info }))
  })

  app.post('/settings', async (request, reply) => {
    const session = requireSession(request)
    const rows = await listDeliverySettings(services)
    const { changes, typed } = submittedChanges(request.body, rows)
    try {
      const changed = await changeDeliverySettings(consoleServices(services, request), changes)
      return reply.redirect(`/admin/settings?saved=${changed.length}`, 303)
    } catch (err) {
      if (!(err instanceof DeliverySettingsRefused)) throw err
      return send(reply, 400, settingsPage(session, rows, { typed, problems: err.problems }))
    }
  })

  app.post('/settings/test', async (request, reply) => {
    const session = requireSession(request)
    const transport = formValue(request.body, 'transport') === 'sms' ? 'sms' : 'email'
    const destination = formValue(request.body, 'destination')
    const rows = await listDeliverySettings(services)
    try {
      const label = await sendTestMessage(consoleServices(services, request), source, transport, destination)
      const text = `Test message accepted by ${label} for ${destination.trim()}.`
      return send(reply, 200, settingsPage(session, rows, { testResult: { ok: true, text }, testTo: destination }))
    } catch (err) {
      if (!(err instanceof TestMessageFailed)) throw err
      const text = `Test message not sent: ${err.message}`
      return send(reply, 400, settingsPage(session, rows, { testResult: { ok: false, text }, testTo: destination }))
    }
  })
}
