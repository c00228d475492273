import type { Action } from './action.js'
import { login } from './login.js'
import { ping } from './ping.js'
import { provision } from './provision.js'
import { reprovision } from './reprovision.js'
import { securityStrings } from './security-strings.js'

/** Every action, by its lower-cased name: `Action` values are matched case-insensitively (docs/protocol.md §1). */
export const actions: ReadonlyMap<string, Action> = new Map(
  [ping, provision, securityStrings, reprovision, login].map((action) => [action.name.toLowerCase(), action]),
)
