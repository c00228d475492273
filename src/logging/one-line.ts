/**
 * What must not reach a log reader raw: every character that ends a line under some convention
 * (LF, CR, VT, FF, FS, GS, RS, NEL, LINE and PARAGRAPH SEPARATOR: Python's `str.splitlines`,
 * Unicode line breaking, many log shippers), the other controls, and the bidi controls that make
 * text read otherwise than it is stored ("Trojan source").
 */
const unsafe = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

/** The same, less C0 controls and the line's own LF: JSON.stringify (and pino) escape those already. */
const unsafeInJson = /[\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const escaped = (character: string) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`

/** Text that stays on one line and reads as stored: each unsafe character shown as `\uXXXX`. */
export const oneLine = (text: string): string => text.replace(unsafe, escaped)

/**
 * A JSON log line with every unsafe character escaped as `\uXXXX`. Raw, they can only be inside
 * strings, where the escape means the same character: the record parses back unchanged.
 */
export const oneJsonLine = (line: string): string => line.replace(unsafeInJson, escaped)
