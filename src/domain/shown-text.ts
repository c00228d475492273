/** Characters, not UTF-16 units: an emoji is one. */
export function characterCount(text: string): number {
  let count = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) count++
  }
  return count
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff

/** More than `max` characters (the UTF-16 length first: most text is not counted at all). */
export const longerThan = (text: string, max: number): boolean => text.length > max && characterCount(text) > max

/**
 * Text a client chose, as a log line, a page or a stored column shows it: whole up to `max`
 * characters, else its first 64 characters and its length, so no client makes a long line.
 */
export function shownText(text: string, max: number): string {
  if (!longerThan(text, max)) return text
  let head = text.slice(0, 64)
  if (isHighSurrogate(head.charCodeAt(head.length - 1))) head = head.slice(0, -1)
  return `${head}… (${characterCount(text)} characters)`
}
