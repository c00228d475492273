import { postXml, type RequestOptions } from './http.js'
import { element, provisionXml, stringsXml } from './xml.js'

export interface ProvisionResult {
  readonly result: string | undefined
  readonly error: string | undefined
  readonly id: string | undefined
}

/** A mobile client's `provision` on the public proxy context. */
export async function provision(url: string, user: string, code: string, options?: RequestOptions): Promise<ProvisionResult> {
  const reply = await postXml(url, provisionXml(user, code), '/proxy/AgentXML', options)
  return { result: element(reply.body, 'Result'), error: element(reply.body, 'Error'), id: element(reply.body, 'Id') }
}

export interface StringsResult {
  readonly result: string | undefined
  readonly error: string | undefined
  /** The `;`-separated fields of `SecurityStrings`, empty on FAIL. */
  readonly fields: string[]
}

/** A mobile client's `SecurityStrings` download for its `Id`. */
export async function downloadStrings(url: string, id: string, options?: RequestOptions): Promise<StringsResult> {
  const reply = await postXml(url, stringsXml(id), '/proxy/AgentXML', options)
  const strings = element(reply.body, 'SecurityStrings')
  return { result: element(reply.body, 'Result'), error: element(reply.body, 'Error'), fields: strings ? strings.split(';') : [] }
}

/** The code `reprovision --print-code` printed: its last stdout line. */
export function printedCode(stdoutLines: readonly string[]): string {
  const code = stdoutLines.at(-1)
  if (code === undefined) throw new Error('reprovision --print-code printed nothing')
  return code
}

/** The legacy log texts the tests look for (docs/protocol.md §8), spelled out here rather than imported from src. */
export const texts = {
  codeCreated: (user: string) => `Provision code created for user "${user}"`,
  messageQueued: (user: string, destination: string) => `Message added to message queue for user: ${user}, destination: ${destination}.`,
  canReprovision: (user: string) => `User "${user}" can now reprovision their mobile device.`,
  messageSent: (user: string, destination: string) => `Message sent to user: ${user}, destination: ${destination}.`,
  provisioned: (user: string) => `User "${user}" provisioned successfully`,
  provisionFailed: (user: string) => `User "${user}" provision failed, A valid session could not be loaded or created for the user.`,
  unknownMobile: 'Mobile request from unknown user; the user needs to reprovision',
  stringsFetched: (user: string) => `Security strings fetched for user: ${user}`,
}
