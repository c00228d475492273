import type { ReplyElement } from '../protocol/types.js'
import { type AgentReply, parseAgentReply } from '../wire/reply.js'
import { renderDocument } from '../wire/render.js'
import { MobileError } from './errors.js'

/** How long one exchange may take before the client gives up. */
export const timeoutMs = 15_000
const userAgent = 'agentxml-mobile/1'

/**
 * The AgentXML address to talk to: a full `…/AgentXML` URL as given, a context (`…/proxy`) with
 * `/AgentXML` added, or a base URL (`http://host:8080`) with the public `/proxy/AgentXML`, the
 * context real mobile clients use (docs/protocol.md §1).
 */
export function agentXmlUrl(server: string): string {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new MobileError(`--server must be an http or https URL, not "${server}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MobileError(`--server must be an http or https URL, not "${server}"`)
  }
  const path = url.pathname.replace(/\/+$/, '')
  if (/\/AgentXML$/i.test(path)) url.pathname = path
  else if (/\/(pinsafe|sentry|proxy)$/.test(path)) url.pathname = `${path}/AgentXML`
  else url.pathname = `${path}/proxy/AgentXML`
  url.search = ''
  url.hash = ''
  return url.href
}

/** One request, as a real client sends it: a `<SASRequest>` POSTed as text/xml. */
export async function exchange(url: string, action: string, elements: readonly ReplyElement[]): Promise<AgentReply> {
  const children = [{ name: 'Version', text: '3.6' }, { name: 'Action', text: action }, ...elements]
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=UTF-8', 'user-agent': userAgent },
      body: renderDocument({ name: 'SASRequest', children }),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    throw new MobileError(`cannot reach ${url} (${networkCause(err)})`)
  }
  const body = Buffer.from(await response.arrayBuffer())
  try {
    return parseAgentReply(body)
  } catch (err) {
    throw new MobileError(`${url} did not answer with AgentXML (HTTP ${response.status}; ${(err as Error).message})`)
  }
}

function networkCause(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))
}

/** `provision` (docs/protocol.md §3.1): the provision id of the newly bound device. */
export async function provision(url: string, user: string, code: string): Promise<string> {
  const reply = await exchange(url, 'provision', [
    { name: 'Username', text: user },
    { name: 'ProvisionCode', text: code },
  ])
  const id = reply.fields.Id
  if (reply.result !== 'PASS' || !id) throw new MobileError(`provision failed (${reply.error ?? 'FAIL'})`)
  return id
}

/** `SecurityStrings` (docs/protocol.md §3.2): a fresh batch, 100 fields where field n is index n's string. */
export async function downloadStrings(url: string, id: string): Promise<string[]> {
  const reply = await exchange(url, 'SecurityStrings', [{ name: 'Id', text: id }])
  if (reply.result !== 'PASS') {
    const hint = reply.error === 'AGENT_ERROR_NO_USER_FOUND' ? '; the device needs to be provisioned again' : ''
    throw new MobileError(`security strings download failed (${reply.error ?? 'FAIL'})${hint}`)
  }
  const strings = (reply.fields.SecurityStrings ?? '').split(';')
  if (strings.length !== 100 || strings.some((s) => s.length !== 10)) {
    throw new MobileError(`the server sent ${strings.length} security strings, not 100 of 10 characters`)
  }
  return strings
}
