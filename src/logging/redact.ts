/** Field names that must never reach a log line; censored if a call site ever passes one. */
export const redactedFields = ['secret', 'code', 'provisionCode', 'pin', 'otc', 'password', 'provisionId', 'strings', 'body']

/** The same names one level down (`{ request: { otc } }`); `code`, `strings` and `body` are common words there. */
const nestedFields = ['secret', 'provisionCode', 'pin', 'otc', 'password', 'provisionId']

export const censor = '[redacted]'

const topLevel = new Set(redactedFields)

/**
 * `fields` with every value under a secret's name replaced by the censor: the same object when
 * there is none, as on nearly every line. pino's own `redact` does this with a wildcard pass over
 * every value of every line, which cost a login several times what writing its line costs; a
 * look at each key is enough for names known in advance.
 */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue
    const value = fields[key]
    if (value === undefined) continue
    const shown = topLevel.has(key) ? censor : typeof value === 'object' && value !== null ? redactNested(value) : value
    if (shown !== value) (copy ??= { ...fields })[key] = shown
  }
  return copy ?? fields
}

/** `value` itself, or a copy of it (same prototype: an Error stays one) with its secret-named fields censored. */
function redactNested(value: object): object {
  const found = nestedFields.filter((key) => Object.hasOwn(value, key) && (value as Record<string, unknown>)[key] !== undefined)
  if (found.length === 0) return value
  const copy = Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value)) as object
  for (const key of found) Object.defineProperty(copy, key, { value: censor, enumerable: true, writable: true, configurable: true })
  return copy
}
