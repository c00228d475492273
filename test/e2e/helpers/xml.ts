/** The text of the first `<name>` element of a reply, or undefined. */
export function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
}

export const sasRequest = (body: string) => `<SASRequest><Version>3.6</Version>${body}</SASRequest>`

export const pingXml = () => sasRequest('<Action>ping</Action>')

/** The bytes a real mobile client sends to provision (docs/protocol.md §3.1). */
export const provisionXml = (user: string, code: string) =>
  sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`)

export const stringsXml = (id: string) => sasRequest(`<Action>SecurityStrings</Action><Id>${id}</Id>`)

export const reprovisionXml = (secret: string, user: string) =>
  sasRequest(`<Secret>${secret}</Secret><Action>reprovision</Action><Username>${user}</Username>`)

/** Result and Error of a reply, for one-line assertions. */
export const outcome = (xml: string) => ({ result: element(xml, 'Result'), error: element(xml, 'Error') })
