import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { changePinWithCode } from '../domain/pin-change.js'
import { requestPinReset, resetPinWithCode } from '../domain/pin-reset.js'
import { pinProblem } from '../domain/pin-rules.js'
import { readDelivery } from '../domain/delivery.js'
import { type Policies, readPolicies } from '../domain/policy.js'
import { describeDuration } from '../domain/provision-message.js'
import type { Services } from '../domain/services.js'
import { type Field, form, type FormState, okNotice, pinPage, userNameField, warnNotice } from './pin-page.js'
import { requestServices } from './request-services.js'
import { crossSite, issueCsrf, validCsrf } from './self-service-guard.js'
import { selfServiceBodyLimit, selfServiceSetup } from './self-service-setup.js'

/**
 * `GET|POST /reset/changepin.jsp` and `/reset/resetpin.jsp`: users change a PIN with a one-time
 * code, or reset a forgotten one with a code sent by their transport (docs/operations.md "PINs").
 * The same guards as provisioning's page: no scripts, a form token, same-site posts, limits per
 * address and per user name counted in the database (every node, across restarts), and one
 * page, as late, whether or not the user exists.
 */
export const changePinPath = '/reset/changepin.jsp'
export const resetPinPath = '/reset/resetpin.jsp'

const minimumReplyMs = 300
const bodyLimit = selfServiceBodyLimit

type Body = Record<string, unknown>

const otcField: Field = { name: 'otc', label: 'One-time code', help: 'Make a one-time code in the mobile app, as you would to log in.', inputmode: 'numeric', autocomplete: 'one-time-code' }
const newPinFields = (policies: Policies): Field[] => [
  { name: 'pin', label: 'New PIN', help: `${policies['pin-length']} to 10 digits. Not a repeated digit, a run such as 1234, a repeated pair or a year.`, secret: true, inputmode: 'numeric', autocomplete: 'new-password' },
  { name: 'pin2', label: 'New PIN again', secret: true, inputmode: 'numeric', autocomplete: 'new-password' },
]
const resetCodeField: Field = { name: 'code', label: 'Reset code', help: 'The code in the message we sent you.', autocomplete: 'one-time-code' }

const text = (body: Body, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '')

/** The errors of the fields every submission has, worded for the person at the form: nothing here depends on the user. */
function fieldErrors(body: Body, policies: Policies, secondField: Field): Map<string, string> {
  const errors = nameErrors(body)
  if (text(body, secondField.name).trim() === '') errors.set(secondField.name, `Enter the ${secondField.label.toLowerCase()}.`)
  const pin = text(body, 'pin')
  const problem = pin === '' ? 'Enter a new PIN.' : pinProblem(pin, policies)
  if (problem !== undefined) errors.set('pin', capital(problem))
  else if (text(body, 'pin2') !== pin) errors.set('pin2', 'The two PINs are not the same.')
  return errors
}

/** The user name's rules (domain/user-names.ts), worded for the person at the form. */
function nameErrors(body: Body): Map<string, string> {
  const name = text(body, 'username').trim()
  const error =
    name === ''
      ? 'Enter your user name.'
      : name.length > 128
        ? 'A user name has at most 128 characters.'
        : /[\p{Cc}"]/u.test(name)
          ? 'A user name cannot contain quotes or control characters.'
          : undefined
  return new Map(error === undefined ? [] : [['username', error]])
}

const capital = (sentence: string) => `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${sentence.endsWith('.') ? '' : '.'}`

export async function pinPageRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { perAddress, perUser } = await selfServiceSetup(app, services, 'pin-pages')
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) requestServices(services, request).log.error({ err: error }, 'self-service PIN page failed')
    const message = status === 413 ? 'That was too much data for this form.' : status === 500 ? 'Something went wrong on the server.' : 'The form could not be read.'
    return send(reply, status, headingOf(request), warnNotice([message]) + backLink(request), 'Error')
  })

  /** The checks before any form is read: enabled, same site, not over the address's limit, a valid form token. */
  const guard = async (request: FastifyRequest, reply: FastifyReply, enabled: boolean, retry: (status: number, notice: string) => unknown) => {
    const heading = headingOf(request)
    const scoped = requestServices(services, request)
    if (!enabled) return send(reply, 403, heading, disabled(request))
    if (crossSite(request, (await readDelivery(services)).publicUrl?.host)) {
      scoped.log.warn({ event: 'pinPageRefused', reason: 'posted from another site' }, `Self-service PIN request refused: posted from another site`)
      return send(reply, 403, heading, warnNotice(['This form can only be sent from its own page.']) + backLink(request), 'Refused')
    }
    if (await limited(request, reply, perAddress, 'address')) return reply
    const token = ((request.body ?? {}) as Body)._csrf
    if (typeof token !== 'string' || !validCsrf(services.keys, request, token)) {
      scoped.log.warn({ event: 'pinPageRefused', reason: 'missing or wrong form token' }, 'Self-service PIN request refused: missing or wrong form token')
      return retry(403, 'This page had expired. Please send the form again.')
    }
    return undefined
  }

  const limited = async (request: FastifyRequest, reply: FastifyReply, limit: typeof perAddress, kind: string) => {
    const result = await limit(request)
    if (result.isAllowed || !result.isExceeded) return false
    requestServices(services, request).log.warn({ event: 'pinLimited', limit: kind }, `Self-service PIN request refused: too many requests for this ${kind}`)
    const minutes = Math.max(1, Math.ceil(result.ttlInSeconds / 60))
    reply.header('retry-after', String(result.ttlInSeconds))
    await send(reply, 429, headingOf(request), warnNotice([`Too many requests. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`]) + backLink(request), 'Too many requests')
    return true
  }

  // ---- Change PIN ----
  const changeForm = (request: FastifyRequest, reply: FastifyReply, policies: Policies, extra: Partial<FormState> = {}): FormState => ({
    action: changePinPath,
    csrfToken: issueCsrf(services.keys, request, reply),
    intro: 'Choose a new PIN. To show it is you, enter your user name and a one-time code from the mobile app, made with your current PIN.',
    fields: [userNameField, otcField, ...newPinFields(policies)],
    button: 'Change PIN',
    ...extra,
  })

  app.get(changePinPath, async (request, reply) => {
    const policies = await readPolicies(services)
    if (!policies['self-change-pin']) return send(reply, 200, changeHeading, disabled(request))
    return send(reply, 200, changeHeading, form(changeForm(request, reply, policies)))
  })

  app.post<{ Body: Body }>(changePinPath, { bodyLimit }, async (request, reply) => {
    const started = Date.now()
    const policies = await readPolicies(services)
    const body = request.body ?? {}
    const values = { username: text(body, 'username').slice(0, 128) }
    const retry = (status: number, fields: Partial<FormState>) => send(reply, status, changeHeading, form(changeForm(request, reply, policies, { values, ...fields })))
    const refused = await guard(request, reply, policies['self-change-pin'], (status, notice) => retry(status, { notice }))
    if (refused !== undefined) return refused
    const errors = fieldErrors(body, policies, otcField)
    if (errors.size > 0) return retry(400, { errors })
    if (await limited(request, reply, perUser, 'user')) return reply
    const outcome = await changePinWithCode(requestServices(services, request), values.username.trim(), text(body, 'otc').trim(), text(body, 'pin'))
    await sleep(Math.max(0, started + minimumReplyMs - Date.now()))
    if (outcome === 'changed') return send(reply, 200, changeHeading, okNotice(['Your PIN has been changed. Use the new PIN from now on.']))
    if (outcome === 'reused') {
      return retry(400, { errors: new Map([['pin', 'That PIN was used recently: choose another. Your one-time code is used up; make a new one.']]) })
    }
    // the same page for an unknown user, a wrong code, a locked account
    return retry(400, { notice: 'Your PIN was not changed. Check your user name, make a new one-time code in the app and try again.' })
  })

  // ---- Reset PIN ----
  const requestForm = (request: FastifyRequest, reply: FastifyReply, extra: Partial<FormState> = {}): FormState => ({
    action: resetPinPath,
    csrfToken: issueCsrf(services.keys, request, reply),
    intro: 'Forgot your PIN? Enter your user name: a reset code is sent to the email address or phone number on record. Your PIN stays as it is until you choose a new one.',
    fields: [userNameField],
    button: 'Send me a reset code',
    hidden: { step: 'request' },
    after: `<p><a href="${resetPinPath}?step=code">I have a reset code</a></p>\n`,
    ...extra,
  })
  const codeForm = (request: FastifyRequest, reply: FastifyReply, policies: Policies, extra: Partial<FormState> = {}): FormState => ({
    action: resetPinPath,
    csrfToken: issueCsrf(services.keys, request, reply),
    intro: 'Enter your user name, the reset code we sent you and a new PIN.',
    fields: [userNameField, resetCodeField, ...newPinFields(policies)],
    button: 'Reset PIN',
    hidden: { step: 'code' },
    ...extra,
  })

  app.get<{ Querystring: { step?: string } }>(resetPinPath, async (request, reply) => {
    const policies = await readPolicies(services)
    if (!policies['self-reset-pin']) return send(reply, 200, resetHeading, disabled(request))
    const state = request.query.step === 'code' ? codeForm(request, reply, policies) : requestForm(request, reply)
    return send(reply, 200, resetHeading, form(state))
  })

  app.post<{ Body: Body }>(resetPinPath, { bodyLimit }, async (request, reply) => {
    const started = Date.now()
    const policies = await readPolicies(services)
    const body = request.body ?? {}
    const values = { username: text(body, 'username').slice(0, 128) }
    const step = text(body, 'step') === 'code' ? 'code' : 'request'
    const retry = (status: number, fields: Partial<FormState>) =>
      send(reply, status, resetHeading, form(step === 'code' ? codeForm(request, reply, policies, { values, ...fields }) : requestForm(request, reply, { values, ...fields })))
    const refused = await guard(request, reply, policies['self-reset-pin'], (status, notice) => retry(status, { notice }))
    if (refused !== undefined) return refused
    const scoped = requestServices(services, request)
    if (step === 'request') {
      const errors = nameErrors(body)
      if (errors.size > 0) return retry(400, { errors })
      if (await limited(request, reply, perUser, 'user')) return reply
      await requestPinReset(scoped, values.username.trim())
      await sleep(Math.max(0, started + minimumReplyMs - Date.now()))
      const validity = describeDuration(policies['pin-reset-code-validity'])
      return send(
        reply,
        200,
        resetHeading,
        okNotice([`Request received for <strong>${escape(values.username.trim())}</strong>.`, `If this user may reset their PIN, a reset code is on its way to the email address or phone number on record. It is valid for ${escape(validity)} and works once.`]) +
          `<p><a href="${resetPinPath}?step=code">Enter the reset code</a></p>\n`,
      )
    }
    const errors = fieldErrors(body, policies, resetCodeField)
    if (errors.size > 0) return retry(400, { errors })
    if (await limited(request, reply, perUser, 'user')) return reply
    const outcome = await resetPinWithCode(scoped, values.username.trim(), text(body, 'code'), text(body, 'pin'))
    await sleep(Math.max(0, started + minimumReplyMs - Date.now()))
    if (outcome === 'reset') return send(reply, 200, resetHeading, okNotice(['Your PIN has been reset. Use the new PIN from now on.']))
    if (outcome === 'reused') return retry(400, { errors: new Map([['pin', 'That PIN was used recently: choose another.']]) })
    return retry(400, { notice: 'Your PIN was not reset: the user name or reset code is not right, or the code has expired or was used. Ask for a new code.' })
  })
}

const changeHeading = 'Change your PIN'
const resetHeading = 'Reset your PIN'
const headingOf = (request: FastifyRequest) => (request.routeOptions.url === resetPinPath ? resetHeading : changeHeading)
const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const backLink = (request: FastifyRequest) => `<p><a href="${request.routeOptions.url ?? changePinPath}">Back to the form</a></p>\n`

function disabled(request: FastifyRequest): string {
  const what = request.routeOptions.url === resetPinPath ? 'Resetting a PIN' : 'Changing a PIN'
  return warnNotice([`${what} yourself is not enabled on this server.`, 'Ask your administrator.'], 'status')
}

function send(reply: FastifyReply, status: number, heading: string, body: string, problem?: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(pinPage(heading, body, problem))
}
