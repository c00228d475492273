import type { NasClient } from '../db/index.js'
import type { Services } from '../domain/services.js'
import { shownName } from '../domain/user-names.js'
import type { Answer } from './access-request.js'
import { Attr, Code } from './attributes.js'
import { attributes, checkMessageAuthenticator, type Packet } from './packet.js'

/** EAP-Failure (RFC 3748 §4.2): code 4, the identifier of the peer's last packet, length 4. */
const eapFailure = (identifier: number) => Buffer.from([4, identifier, 0, 4])

/** Whether an Access-Request carries EAP (802.1X Wi-Fi, a VPN doing EAP-MSCHAPv2 over RADIUS). */
export const carriesEap = (packet: Packet): boolean => attributes(packet, Attr.EapMessage).length > 0

/**
 * agentxml does no EAP method: an Access-Request that carries EAP gets an Access-Reject with
 * EAP-Failure at once (RFC 2869 §5.13), so that the NAS and the supplicant stop there instead of
 * retrying a silent server and failing over to the next one. One without a right
 * Message-Authenticator is dropped (RFC 3579 §3.2), whatever the NAS's setting.
 */
export function refuseEap(services: Services, nas: NasClient, secret: Buffer, packet: Packet, user: string): Answer {
  if (checkMessageAuthenticator(packet, secret) !== 'valid') return { drop: 'EAP-Message without a right Message-Authenticator' }
  const shown = shownName(user)
  services.log.warn({ user: shown, nas: nas.name, reason: 'unsupported method' }, `RADIUS: EAP for user ${shown} from NAS ${nas.name} rejected: agentxml answers PAP, CHAP, MS-CHAP and MS-CHAP v2, not EAP`)
  const identifier = attributes(packet, Attr.EapMessage)[0]?.[1] ?? 0
  return { reply: Code.AccessReject, outcome: 'unsupportedMethod', user: shown, attributes: [{ type: Attr.EapMessage, value: eapFailure(identifier) }] }
}
