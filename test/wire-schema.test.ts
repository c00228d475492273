import t from 'tap'
import { validateAll } from './helpers/xsd.js'

// schemas/agentxml.xsd itself: it must accept what the spec allows and refuse what it does not,
// or validating fixtures and live replies against it proves nothing.

const field = (n: number) => String(n).padStart(10, '0')
const strings = (count: number, make = field) => Array.from({ length: count }, (_, n) => make(n)).join(';')
const response = (inner: string) => `<SASResponse><Version>3.6</Version>${inner}</SASResponse>`
const details = (overrides: Record<string, string> = {}) => {
  const values: Record<string, string> = { hostname: 'auth.example.com', usingSSL: 'YES', pushSupport: 'NO', local: 'NO', pin: 'YES', oath: 'NO', port: '8443', connectionType: 'proxy', ...overrides }
  return `<getServerDetailsResponse><responseCode>0</responseCode><SSDetails>${Object.entries(values).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</SSDetails></getServerDetailsResponse>`
}

const valid: Record<string, string> = {
  'request, every element once, any order': '<SASRequest><Password>p</Password><OTC>1</OTC><Id>i</Id><PushId>p</PushId><DeviceOS>d</DeviceOS><ProvisionCode>c</ProvisionCode><Username>u</Username><Action>login</Action><RequestID>1</RequestID><Secret>s</Secret><Version>3.6</Version></SASRequest>',
  'request, attribute form': '<SASRequest secret="s" version="3.4"><Action>reprovision</Action><Username>alice</Username></SASRequest>',
  'request, declaration and whitespace': '<?xml version="1.0" encoding="UTF-8"?>\n<SASRequest>\n  <Version>3.6</Version>\n  <Action>ping</Action>\n</SASRequest>\n',
  'reply, FAIL with RequestID and Error': response('<RequestID>9</RequestID><Result>FAIL</Result><Error>PROVISION_FAILURE</Error>'),
  'reply, plain FAIL (login with a wrong code)': response('<Result>FAIL</Result>'),
  'reply, provision PASS': response(`<Result>PASS</Result><Id>${'0123456789abcdef'.repeat(2)}</Id>`),
  'reply, strings and empty policies': response(`<Result>PASS</Result><SecurityStrings>${strings(100)}</SecurityStrings><Policies/>`),
  'reply, strings of letters': response(`<Result>PASS</Result><SecurityStrings>${strings(100, () => 'AbCdEfGhIj')}</SecurityStrings>`),
  'reply, policies': response(`<Result>PASS</Result><SecurityStrings>${strings(100)}</SecurityStrings><Policies><Policy id="pin-length" section="security" show="true">4</Policy><Policy id="x" section="y" show="false"></Policy></Policies>`),
  'site lookup, known': details(),
  'site lookup, unknown': '<getServerDetailsResponse><responseCode>1</responseCode></getServerDetailsResponse>',
  'not found': '<Error>Not Found</Error>',
}

const invalid: Record<string, string> = {
  'request, Action twice': '<SASRequest><Version>3.6</Version><Action>ping</Action><Action>ping</Action></SASRequest>',
  'request, no Action': '<SASRequest><Version>3.6</Version></SASRequest>',
  'request, an unknown element (accepted on the wire, not describable: see the XSD comment)': '<SASRequest><Version>3.6</Version><Action>ping</Action><Extra/></SASRequest>',
  'request, an unknown attribute': '<SASRequest Version="3.6"><Action>ping</Action></SASRequest>',
  'request, a child inside a value': '<SASRequest><Version>3.6</Version><Action><b>ping</b></Action></SASRequest>',
  'request, wrong root': '<SasRequest><Version>3.6</Version><Action>ping</Action></SasRequest>',
  'reply, no Version': '<SASResponse><Result>PASS</Result></SASResponse>',
  'reply, Result before Version': '<SASResponse><Result>PASS</Result><Version>3.6</Version></SASResponse>',
  'reply, Error before Result': response('<Error>PROVISION_FAILURE</Error><Result>FAIL</Result>'),
  'reply, RequestID after Result': response('<Result>PASS</Result><RequestID>1</RequestID>'),
  'reply, Result OK': response('<Result>OK</Result>'),
  'reply, an Error outside the catalogue': response('<Result>FAIL</Result><Error>AGENT_ERROR_SOMETHING</Error>'),
  'reply, upper-case Id': response(`<Result>PASS</Result><Id>${'0123456789ABCDEF'.repeat(2)}</Id>`),
  'reply, 31-digit Id': response(`<Result>PASS</Result><Id>${'0123456789abcdef'.repeat(2).slice(1)}</Id>`),
  'reply, 99 strings': response(`<Result>PASS</Result><SecurityStrings>${strings(99)}</SecurityStrings>`),
  'reply, 101 strings': response(`<Result>PASS</Result><SecurityStrings>${strings(101)}</SecurityStrings>`),
  'reply, an empty filler field 0': response(`<Result>PASS</Result><SecurityStrings>;${strings(100).slice(11)}</SecurityStrings>`),
  'reply, an 11-character string': response(`<Result>PASS</Result><SecurityStrings>${strings(100, (n) => (n === 50 ? '01234567890' : field(n)))}</SecurityStrings>`),
  'reply, a trailing separator': response(`<Result>PASS</Result><SecurityStrings>${strings(100)};</SecurityStrings>`),
  'reply, Policies before SecurityStrings': response(`<Result>PASS</Result><Policies/><SecurityStrings>${strings(100)}</SecurityStrings>`),
  'reply, a Policy without id': response('<Result>PASS</Result><Policies><Policy section="s" show="true">1</Policy></Policies>'),
  'reply, a Policy with a child': response('<Result>PASS</Result><Policies><Policy id="i" section="s" show="true"><v/></Policy></Policies>'),
  'site lookup, usingSSL yes': details({ usingSSL: 'yes' }),
  'site lookup, port 70000': details({ port: '70000' }),
  'site lookup, responseCode 2': '<getServerDetailsResponse><responseCode>2</responseCode></getServerDetailsResponse>',
  'an unknown root': '<Reply/>',
}

t.test('the schema accepts what the spec allows', async (t) => {
  const errors = await validateAll(Object.entries(valid).map(([name, xml]) => ({ name: slug(name), xml })))
  for (const name of Object.keys(valid)) t.same(errors.get(slug(name)), [], name)
})

t.test('the schema refuses what the spec does not allow', async (t) => {
  const errors = await validateAll(Object.entries(invalid).map(([name, xml]) => ({ name: slug(name), xml })))
  for (const name of Object.keys(invalid)) t.not(errors.get(slug(name))?.length ?? 0, 0, name)
})

function slug(name: string) {
  return name.replace(/[^A-Za-z0-9]+/g, '-')
}
