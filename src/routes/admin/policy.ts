import type { FastifyInstance } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { auditRetention } from '../../domain/audit-retention.js'
import { type PolicyKey, policyDefinitions, policyKeys, stringTypes } from '../../domain/policy.js'
import type { Services } from '../../domain/services.js'
import { changeSettings, readSettings, SettingsRefused } from '../../domain/settings-admin.js'
import { csrfField, errorBox, formValue, notice, selectField, textField } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

/** The Policy page's sections; every key of docs/protocol.md §9 appears in exactly one. */
export const policyGroups: readonly (readonly [string, readonly PolicyKey[]])[] = [
  ['Self-Reset', ['self-provision', 'provision-code-validity', 'provision-code-numeric', 'log-device-info', 'provision-attempts-per-user', 'provision-attempts-per-address']],
  ['Mobile client', ['security-string-type']],
  ['Login', ['max-login-tries', 'lockout-time']],
  ['PIN', ['send-pin-on-create', 'pin-length', 'pin-history', 'pin-expiry-days', 'pin-expiry-reminder-days', 'self-change-pin', 'self-reset-pin', 'pin-reset-code-validity']],
]

const yesNo = [
  ['yes', 'Yes'],
  ['no', 'No'],
] as const

function policyField(key: PolicyKey, value: string | undefined, error: string | undefined) {
  const definition = policyDefinitions[key]
  const hint = `Allowed: ${definition.allowed}. Default: ${definition.default}.`
  const common = { name: key, label: definition.label, value, error, hint }
  if (definition.allowed === 'yes/no') return selectField({ ...common, options: yesNo })
  if (key === 'security-string-type') return selectField({ ...common, options: stringTypes.map((t) => [t, t]) })
  // text, not type=number: the server's rule and message decide, the same with or without a browser
  return textField({ ...common, inputmode: 'numeric' })
}

function policyPage(session: ConsoleSession, values: ReadonlyMap<string, string>, problems: ReadonlyMap<string, string>, info?: string) {
  const body = html`<h1>Policy</h1>
${notice(info)}${errorBox(problems.size ? [...problems.values()] : undefined)}
<form method="post" action="/admin/policy">${csrfField(session)}
${policyGroups.map(
  ([legend, keys]) => html`<fieldset><legend>${legend}</legend>${keys.map((key) => policyField(key, values.get(key), problems.get(key)))}</fieldset>`,
)}
<fieldset><legend>Log</legend>
${textField({ name: auditRetention.key, label: auditRetention.label, value: values.get(auditRetention.key), error: problems.get(auditRetention.key), inputmode: 'numeric', hint: `Allowed: ${auditRetention.min}-${auditRetention.max}. Default: ${auditRetention.default}. Older entries are removed daily.` })}
</fieldset>
<div class="actions"><button type="submit">Save policy</button><a class="button secondary" href="/admin/policy">Cancel</a></div></form>`
  return page({ title: 'Policy', session, section: 'policy', body })
}

/** Policy: the settings of docs/protocol.md §9 with their legacy labels, all validated before any is stored. */
export async function policyRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/policy', async (request, reply) => {
    const saved = formValue(request.query, 'saved')
    const info = saved === '' ? undefined : saved === '0' ? 'Nothing changed.' : `Policy saved (${saved} changed).`
    return send(reply, 200, policyPage(requireSession(request), await readSettings(services), new Map(), info))
  })

  app.post('/policy', async (request, reply) => {
    const session = requireSession(request)
    const submitted = new Map<string, string>()
    for (const key of [...policyKeys, auditRetention.key]) {
      // a setting missing from the form is left as it is
      if (typeof (request.body as Record<string, unknown> | undefined)?.[key] === 'string') submitted.set(key, formValue(request.body, key))
    }
    try {
      const changed = await changeSettings(consoleServices(services, request), submitted)
      return reply.redirect(`/admin/policy?saved=${changed.length}`, 303)
    } catch (err) {
      if (!(err instanceof SettingsRefused)) throw err
      const shown = new Map([...(await readSettings(services)), ...submitted])
      return send(reply, 400, policyPage(session, shown, err.problems))
    }
  })
}
