import type { EntityDecoderOptions } from 'fast-xml-parser'
import { GeneralError } from '../protocol/errors.js'

/** Whether a code point may appear in an XML 1.0 document at all (the Char production). */
export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  )
}

// C0 controls other than tab, CR, LF, and the two non-characters U+FFFE, U+FFFF
const forbiddenCharacter = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/

/** Markup whose `&` is literal text: comments, CDATA sections, processing instructions. */
const literalSections = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g
const reference = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&/g

/**
 * The well-formedness rules about characters that the parser lets through: a character XML
 * cannot carry, a reference to an entity that is not one of the five predefined ones (with no
 * DOCTYPE nothing else is declared), a bare `&`, a character reference to a forbidden code
 * point. Each makes the document not well-formed (docs/protocol.md §1: AGENT_ERROR_GENERAL).
 */
export function assertXmlCharacters(text: string): void {
  if (forbiddenCharacter.test(text)) throw new GeneralError('request holds a character XML does not allow')
  if (!text.includes('&')) return
  for (const match of text.replace(literalSections, '').matchAll(reference)) {
    if (match[1]) continue
    const code = match[2] ? parseInt(match[2], 10) : match[3] ? parseInt(match[3], 16) : undefined
    if (code === undefined) throw new GeneralError('request refers to an undeclared entity or holds a bare "&"')
    if (!isXmlChar(code)) throw new GeneralError('request holds a character reference XML does not allow')
  }
}

const predefined: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/**
 * Text and attribute values decoded in one pass: the five predefined entities and character
 * references. One pass matters: `&amp;#65;` is the text `&#65;`, not `A`. CDATA sections are
 * never given to it (their `&` is literal).
 */
export function decodeReferences(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g, (whole, name?: string, dec?: string, hex?: string) => {
    if (name) return predefined[name] ?? whole
    const code = dec ? parseInt(dec, 10) : parseInt(hex ?? '', 16)
    return isXmlChar(code) ? String.fromCodePoint(code) : whole
  })
}

/** The parser's decoder: ours, and entities declared by a DOCTYPE are ignored (a DOCTYPE is refused anyway). */
export const entityDecoder: EntityDecoderOptions = {
  decode: decodeReferences,
  setExternalEntities: () => {},
  addInputEntities: () => {},
  reset: () => {},
  setXmlVersion: () => {},
}
