import type { Repository, RepositoryPreset } from '../../db/schema/index.js'
import type { RepositorySettings } from '../../domain/repositories.js'
import { presetNames, presets } from '../../directory/presets.js'
import { transportNames } from '../../transports/queue.js'
import { checkField, formValue, selectField, textareaField, textField } from './components.js'
import { type Html, html } from './html.js'

/**
 * The add and edit form of a repository: the same fields. On edit an empty password keeps the
 * sealed one, unless the URL, StartTLS, CA or bind DN change (the domain then asks for it again).
 */

export type FormValues = Readonly<Record<string, string>>

const fields = [
  'name', 'preset', 'url', 'startTls', 'allowPlainLdap', 'ca', 'bindDn', 'bindPassword', 'baseDn', 'filter', 'usernameAttr', 'emailAttr',
  'phoneAttr', 'groups', 'mobileGroup', 'transport', 'interval', 'graceDays', 'maxRemoval',
] as const

export function formValues(body: unknown): FormValues {
  return Object.fromEntries(fields.map((field) => [field, formValue(body, field)]))
}

/** The stored settings as form values (never the password). */
export function valuesOf(r: Repository): FormValues {
  return {
    name: r.name, preset: r.preset, url: r.url, startTls: r.start_tls ? 'yes' : '', allowPlainLdap: r.allow_plain_ldap ? 'yes' : '', ca: r.ca_pem ?? '', bindDn: r.bind_dn, bindPassword: '',
    baseDn: r.base_dn, filter: r.filter, usernameAttr: r.username_attr, emailAttr: r.email_attr, phoneAttr: r.phone_attr,
    groups: (JSON.parse(r.groups) as string[]).join('\n'), mobileGroup: r.mobile_group ?? '', transport: r.user_transport,
    interval: String(r.interval_minutes), graceDays: String(r.grace_days), maxRemoval: String(r.max_removal_percent),
  }
}

const whole = (text: string) => (/^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : text.trim() === '' ? undefined : Number.NaN)
const given = (text: string | undefined) => (text === undefined || text.trim() === '' ? undefined : text.trim())

/** Settings from the form; blank fields take the preset's defaults (add) or stay as they are (edit). */
export function settingsFrom(v: FormValues, editing: boolean): RepositorySettings {
  return {
    name: given(v.name),
    preset: (given(v.preset) as RepositoryPreset | undefined) ?? (editing ? undefined : 'ad'),
    url: given(v.url),
    startTls: v.startTls === 'yes',
    allowPlainLdap: v.allowPlainLdap === 'yes',
    caPem: editing ? (v.ca ?? '').trim() : given(v.ca),
    bindDn: given(v.bindDn),
    bindPassword: v.bindPassword === '' ? undefined : v.bindPassword,
    baseDn: given(v.baseDn),
    filter: given(v.filter),
    usernameAttr: given(v.usernameAttr),
    emailAttr: given(v.emailAttr),
    phoneAttr: given(v.phoneAttr),
    groups: (v.groups ?? '').split(/\r?\n/).map((g) => g.trim()).filter(Boolean),
    mobileGroup: editing ? (v.mobileGroup ?? '').trim() : given(v.mobileGroup),
    transport: given(v.transport),
    intervalMinutes: whole(v.interval ?? ''),
    graceDays: whole(v.graceDays ?? ''),
    maxRemovalPercent: whole(v.maxRemoval ?? ''),
  }
}

/** `passwordError`: why the bind password must be typed (again), shown beneath its field. */
export function repositoryFields(v: FormValues, editing: boolean, passwordError?: string): Html {
  const preset = presets[(v.preset as RepositoryPreset) || 'ad'] ?? presets.ad
  return html`${editing ? html`<input type="hidden" name="original" value="${v.name}">` : ''}
${textField({ name: 'name', label: 'Repository name', value: v.name, required: true, autocomplete: 'off' })}
${selectField({ name: 'preset', label: 'Directory kind', value: v.preset || 'ad', options: presetNames.map((p) => [p, presets[p].label]), hint: 'Sets the attribute names and filter used where the fields below are left empty.' })}
${textField({ name: 'url', label: 'URL', value: v.url, required: true, hint: 'ldaps://dc.example.com:636, or ldap://… with StartTLS.' })}
${checkField('startTls', 'Upgrade an ldap:// connection with StartTLS', v.startTls === 'yes')}
<div class="field"><label class="check"><input type="checkbox" name="allowPlainLdap" value="yes" aria-describedby="f-allowPlainLdap-hint"${v.allowPlainLdap === 'yes' ? html` checked` : ''}> Allow plain LDAP</label>
<div class="hint" id="f-allowPlainLdap-hint">ldap:// without StartTLS sends the bind password, and the passwords checked at login, in clear. Refused unless this is ticked.</div></div>
${textareaField({ name: 'ca', label: 'CA certificates (PEM)', value: v.ca, hint: "The certificates the directory's TLS certificate must chain to. Empty: the system's." })}
${textField({ name: 'bindDn', label: 'Bind DN', value: v.bindDn, required: true, autocomplete: 'off' })}
${textField({ name: 'bindPassword', label: 'Bind password', type: 'password', autocomplete: 'new-password', error: passwordError, hint: editing ? 'Empty: keep the one stored, which is sealed and never shown. A new URL, StartTLS setting, CA or bind DN needs it typed again.' : 'Sealed with the master key and never shown again.' })}
${textField({ name: 'baseDn', label: 'Base DN', value: v.baseDn, required: true })}
${textField({ name: 'filter', label: 'Filter', value: v.filter, hint: `Empty: ${preset.filter}` })}
${textField({ name: 'usernameAttr', label: 'User name attribute', value: v.usernameAttr, hint: `Empty: ${preset.usernameAttr}` })}
${textField({ name: 'emailAttr', label: 'Email attribute', value: v.emailAttr, hint: `Empty: ${preset.emailAttr}` })}
${textField({ name: 'phoneAttr', label: 'Phone attribute', value: v.phoneAttr, hint: `Empty: ${preset.phoneAttr}` })}
${textareaField({ name: 'groups', label: 'Groups', value: v.groups, hint: 'One group DN a line: only their members become users. Empty: every entry the filter finds.' })}
${textField({ name: 'mobileGroup', label: 'Mobile group', value: v.mobileGroup, hint: 'Members may use the mobile client. Empty: every user may.' })}
${selectField({ name: 'transport', label: 'Transport of new users', value: v.transport || 'email', options: transportNames.map((t) => [t, t]), hint: 'Where it reaches the user; else email when the entry has an address, sms when it has a phone number, outbox when neither.' })}
${textField({ name: 'interval', label: 'Sync interval (minutes)', value: v.interval || '60', inputmode: 'numeric', hint: '0: only when asked (Sync now, agentxml repository sync).' })}
${textField({ name: 'graceDays', label: 'Grace period (days)', value: v.graceDays || '3', inputmode: 'numeric', hint: 'A user whose entry disappears is marked removed, and deleted only after this.' })}
${textField({ name: 'maxRemoval', label: 'Largest share a sync may remove (%)', value: v.maxRemoval || '20', inputmode: 'numeric', hint: 'A sync that would remove more stops and reports instead.' })}`
}
