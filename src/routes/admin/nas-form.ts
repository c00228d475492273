import type { NasSettings, NasView } from '../../domain/nas-clients.js'
import { checkField, formValue, networkList, selectField, textareaField, textField } from './components.js'
import { type Html, html } from './html.js'

/**
 * The add and edit form of a NAS: the same fields, the command's options. The secret is never a
 * form value: it is read from the request once and no page sends it back.
 */

const fields = ['name', 'networks', 'identifier', 'messageAuthenticator', 'forgetSeen', 'twoStage', 'checkPassword', 'groups', 'groupFormat'] as const

export type NasValues = Readonly<Record<(typeof fields)[number], string>>

export function nasValues(body: unknown): NasValues {
  return Object.fromEntries(fields.map((field) => [field, formValue(body, field)])) as NasValues
}

const yes = (value: boolean) => (value ? 'yes' : '')

/** A stored NAS as form values. */
export function valuesOf(nas: NasView): NasValues {
  return {
    name: nas.name,
    networks: nas.networks.join('\n'),
    identifier: nas.identifier ?? '',
    messageAuthenticator: nas.messageAuthenticator,
    forgetSeen: '',
    twoStage: yes(nas.twoStage),
    checkPassword: yes(nas.checkPassword),
    groups: nas.groups?.keyword ?? '',
    groupFormat: nas.groups?.format ?? '',
  }
}

/**
 * The settings the form says; on edit (`stored`), an empty secret keeps the sealed one. The
 * Message-Authenticator mode is given only when it changes or "forget" is ticked: given again,
 * the domain also forgets what `auto` learnt, which saving other fields must not do.
 */
export function settingsFrom(v: NasValues, secret: string, stored?: NasView): NasSettings {
  const sameMode = stored !== undefined && v.messageAuthenticator === stored.messageAuthenticator && v.forgetSeen !== 'yes'
  return {
    networks: networkList(v.networks),
    secret: secret === '' ? undefined : secret,
    identifier: v.identifier.trim() === '' ? null : v.identifier,
    messageAuthenticator: sameMode ? undefined : v.messageAuthenticator,
    twoStage: v.twoStage === 'yes',
    checkPassword: v.checkPassword === 'yes',
    groups: v.groups.trim() === '' ? null : v.groups,
    groupFormat: v.groupFormat === '' ? undefined : v.groupFormat,
  }
}

const modes: readonly (readonly [string, string])[] = [
  ['required', 'Required: a request without one is dropped'],
  ['auto', 'Auto: required once the NAS has sent one'],
  ['off', 'Off: never checked (open to forged replies)'],
]

const formats: readonly (readonly [string, string])[] = [
  ['', 'None'],
  ['cisco', 'Cisco (Class OU=g1;g2)'],
  ['fortinet', 'Fortinet (Fortinet-Group-Name)'],
  ['watchguard', 'WatchGuard (Filter-Id)'],
]

/** `stored`: the NAS being edited (its name is fixed, its secret may be left empty). */
export function nasFields(v: NasValues, stored?: NasView): Html {
  const seen = stored?.messageAuthenticator === 'auto' && stored.messageAuthenticatorSeen
  return html`${stored ? html`<input type="hidden" name="name" value="${stored.name}">` : textField({ name: 'name', label: 'NAS name', value: v.name, required: true, autocomplete: 'off', hint: '1 to 64 letters, digits, spaces or . _ @ -' })}
${textareaField({ name: 'networks', label: 'Networks', value: v.networks, hint: `Where its packets come from: one address or CIDR a line (192.0.2.10, 10.0.0.0/24, 2001:db8::/64), at least one${stored ? '; this list replaces the current one' : ''}. An address in several NASes' networks belongs to the one with the narrowest.` })}
${textField({ name: 'secret', label: stored ? 'New shared secret' : 'Shared secret', type: 'password', autocomplete: 'new-password', required: !stored, hint: stored ? 'Leave empty to keep the current secret (it is sealed and never shown). 16 to 128 printable ASCII characters replace it.' : '16 to 128 printable ASCII characters, as set on the NAS. Sealed with the master key and never shown again.' })}
${textField({ name: 'identifier', label: 'NAS-Identifier', value: v.identifier, autocomplete: 'off', hint: 'The NAS-Identifier it sends, named in the log lines. Empty: none.' })}
${selectField({ name: 'messageAuthenticator', label: 'Message-Authenticator', value: v.messageAuthenticator || 'required', options: modes, hint: 'Required protects against forged replies (BlastRADIUS, CVE-2024-3596).' })}
${seen ? checkField('forgetSeen', 'Forget that this NAS has sent a Message-Authenticator (it was replaced by one that sends none)', v.forgetSeen === 'yes') : ''}
${checkField('twoStage', 'Two stages: the directory password, then an Access-Challenge for the code', v.twoStage === 'yes')}
${checkField('checkPassword', 'Check the directory password: the password followed by the code, in the one password', v.checkPassword === 'yes')}
${textField({ name: 'groups', label: 'Groups keyword', value: v.groups, autocomplete: 'off', hint: "An Access-Accept carries the user's directory groups whose names contain it. Empty: none." })}
${selectField({ name: 'groupFormat', label: 'Group format', value: v.groupFormat, options: formats })}`
}
