import type { NasClient } from '../db/index.js'
import { login, type LoginOutcome } from '../domain/login.js'
import type { LoginCaller } from '../domain/login-caller.js'
import { nasFor } from '../domain/nas-clients.js'
import { challengeStage, type PasswordStageOutcome, passwordStage } from '../domain/password-stage.js'
import type { Services } from '../domain/services.js'
import { shownName } from '../domain/user-names.js'
import { Attr, Code } from './attributes.js'
import { type ChallengeResponse, challengeResponseOf } from './challenge-response.js'
import { carriesEap, refuseEap } from './eap.js'
import { groupAttributes } from './groups.js'
import { attribute, checkMessageAuthenticator, type Packet } from './packet.js'
import { decryptUserPassword } from './user-password.js'

/** What the server does with a request: a reply, or nothing. */
export type Answer =
  | { readonly reply: Code; readonly outcome: RadiusOutcome; readonly user: string; readonly attributes?: readonly { type: number; value: Buffer }[] }
  | { readonly drop: string }

/** The login's outcomes, and one of RADIUS's own: a request whose method cannot carry what the NAS wants checked. */
type RadiusOutcome = LoginOutcome | PasswordStageOutcome | 'unsupportedMethod'

type Code = (typeof Code)['AccessAccept' | 'AccessReject' | 'AccessChallenge']

/** The signature PINsafe's RADIUS line ends with (`Failed: AccessRejectException: …`), by outcome. */
export const rejectSignatures: Record<Exclude<RadiusOutcome, 'passed' | 'challenged'>, string> = {
  unknownUser: 'LOG_USER_NOT_FOUND',
  noCode: 'AGENT_ERROR_NO_OTC',
  badCode: 'AGENT_ERROR_BAD_OTC',
  wrongCode: 'AGENT_ERROR_INVALID_OTC',
  noPin: 'AGENT_ERROR_NO_PIN',
  pinExpired: 'AGENT_ERROR_PIN_EXPIRED',
  noStrings: 'AGENT_ERROR_NO_SECURITY_STRINGS',
  locked: 'AGENT_ERROR_USER_LOCKED',
  lockedNow: 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED',
  directoryUnavailable: 'AGENT_ERROR_GENERAL',
  wrongPassword: 'AGENT_ERROR_INVALID_PASSWORD',
  unsupportedMethod: 'AGENT_ERROR_GENERAL',
}

/** The NAS that sent a packet, checked again in the login's own read: a NAS deleted meanwhile is refused. */
class NasGone extends Error {}

/**
 * Whether a NAS's packet may go on (FreeRADIUS 3.2.5's require_message_authenticator and
 * limit_proxy_state, the BlastRADIUS mitigations): a Message-Authenticator that is there must be
 * right; one that is missing is refused when the NAS requires it (`required`, or `auto` once the
 * NAS has sent one), and always when the request carries Proxy-State.
 */
export function messageAuthenticatorProblem(nas: NasClient, packet: Packet, secret: Buffer): string | undefined {
  const found = checkMessageAuthenticator(packet, secret)
  if (found === 'invalid') return 'wrong Message-Authenticator'
  if (found === 'valid') return undefined
  if (nas.message_authenticator === 'required' || (nas.message_authenticator === 'auto' && nas.seen_message_authenticator === 1)) return 'no Message-Authenticator'
  if (attribute(packet, Attr.ProxyState)) return 'Proxy-State without Message-Authenticator'
  return undefined
}

/**
 * An Access-Request (RFC 2865 §4.1) from a NAS whose packet checks passed, decided by the same
 * login as AgentXML's (the same strings burnt, the same lockout, the same log line and audit
 * row, here naming the NAS). PAP's User-Password is the one-time code (`593801` or `5938,01`);
 * for a NAS with `--check-password`, the directory password followed by the code; for a NAS
 * with `--two-stage`, the directory password, answered with an Access-Challenge whose State
 * comes back with the code (password-stage.ts). CHAP and MS-CHAP prove a code without carrying
 * it: tried against the user's strings (challenge-response.ts, login-proof.ts), for a NAS that
 * wants no directory password.
 */
export async function accessRequest(services: Services, nas: NasClient, secret: Buffer, packet: Packet, address: string): Promise<Answer> {
  const user = attribute(packet, Attr.UserName)?.toString('utf8') ?? ''
  if (carriesEap(packet)) return refuseEap(services, nas, secret, packet, user)
  const hidden = attribute(packet, Attr.UserPassword)
  if (!hidden) return provedLogin(services, nas, secret, packet, user, address)
  const password = decryptUserPassword(hidden, secret, packet.authenticator)
  if (password === undefined) return { drop: 'a User-Password that is not a multiple of 16 octets' }
  const typed = password.toString('utf8')
  const state = attribute(packet, Attr.State)
  const caller = callerFor(nas, address)
  try {
    if (nas.two_stage === 1 && !state) {
      const stage = await passwordStage(services, { user, password: typed }, caller, nas.id)
      if (stage.outcome === 'directoryUnavailable') return { drop: 'the user repository could not be reached' }
      if (stage.outcome !== 'challenged' || !stage.state) return { reply: Code.AccessReject, outcome: stage.outcome, user: stage.user }
      const attributes = [
        { type: Attr.ReplyMessage, value: Buffer.from('One-Time Code') },
        { type: Attr.State, value: stage.state },
      ]
      return { reply: Code.AccessChallenge, outcome: stage.outcome, user: stage.user, attributes }
    }
    const request = { user, otc: typed }
    const { outcome, user: named, groups } = nas.two_stage === 1 && state ? await challengeStage(services, { ...request, state }, caller, nas.id) : await login(services, request, caller)
    // an outage is not an answer: silence lets the NAS ask another server
    if (outcome === 'directoryUnavailable') return { drop: 'the user repository could not be reached' }
    if (outcome !== 'passed') return { reply: Code.AccessReject, outcome, user: named }
    return { reply: Code.AccessAccept, outcome, user: named, attributes: groupAttributes(caller.nas(), groups) }
  } catch (err) {
    if (err instanceof NasGone) return { drop: 'the NAS was changed or deleted meanwhile' }
    throw err
  }
}

/**
 * CHAP or MS-CHAP: no password comes with the code, so a NAS that wants the directory password
 * checked (--check-password, --two-stage) gets an Access-Reject, with a line saying why.
 */
async function provedLogin(services: Services, nas: NasClient, secret: Buffer, packet: Packet, user: string, address: string): Promise<Answer> {
  const presented = await challengeResponseOf(packet)
  if (!presented) return { drop: 'no User-Password, CHAP-Password or MS-CHAP response' }
  if ('drop' in presented) return presented
  if (nas.check_password === 1 || nas.two_stage === 1) return unsupported(services, nas, presented, user)
  try {
    const caller = callerFor(nas, address)
    const { outcome, user: named, groups } = await login(services, { user, proof: presented.proof }, caller)
    if (outcome !== 'passed') return { reply: Code.AccessReject, outcome, user: named, attributes: presented.rejected() }
    return { reply: Code.AccessAccept, outcome, user: named, attributes: [...presented.accepted(secret), ...groupAttributes(caller.nas(), groups)] }
  } catch (err) {
    if (err instanceof NasGone) return { drop: 'the NAS was changed or deleted meanwhile' }
    throw err
  }
}

function unsupported(services: Services, nas: NasClient, presented: ChallengeResponse, user: string): Answer {
  const option = nas.two_stage === 1 ? '--two-stage' : '--check-password'
  const shown = shownName(user)
  services.log.warn({ user: shown, reason: 'unsupported method' }, `RADIUS: ${presented.method} for user ${shown} from NAS ${nas.name} rejected: the NAS has ${option}, and only PAP carries the directory password`)
  return { reply: Code.AccessReject, outcome: 'unsupportedMethod', user: shown }
}

/**
 * The NAS as the login sees it: checked again against the settings the login reads, and kept
 * as read there (`nas()`), so that the reply's groups follow the NAS the login decided for.
 */
function callerFor(nas: NasClient, address: string): LoginCaller & { nas(): NasClient } {
  let seen = nas
  return {
    nas: () => seen,
    address,
    logPrefix: `From the IP Address: ${address} NAS ID: ${nas.name} - `,
    authorise(settings) {
      const current = nasFor(settings, address)
      // the password was read with the secret, and the request's way chosen, by the NAS as the packet found it
      if (current?.id !== nas.id || !current.secret.equals(nas.secret) || current.two_stage !== nas.two_stage || current.check_password !== nas.check_password) throw new NasGone()
      seen = current
      // two stages check the password in the first; --check-password: in the one field, before the code
      const inField = current.check_password === 1 && current.two_stage === 0
      return { actor: { nas: current.name }, checkPassword: inField, passwordBeforeCode: inField }
    },
  }
}
