import { InvalidInput } from './errors.js'
import { holdsNul, nulReason } from './nul.js'
import { characterCount, longerThan, shownText } from './shown-text.js'

/**
 * The rules of user names. Two names a person cannot tell apart must not be two users: the
 * console, the logs and the agents would show one name for two accounts. So a new name is made
 * canonical (trimmed, NFC) and refused when it holds what cannot be seen or shown (controls,
 * format and bidi characters, separators), a compatibility form of another character (fullwidth
 * letters, ligatures: NFKC changes them), or letters of more than one script (a Cyrillic `а`
 * among Latin letters). Users are matched regardless of case, as directory logins are: `nameKey`.
 */

export const maxUserNameLength = 128

/** Longer than any user can be: such a name is refused before it is looked up or logged whole. */
export const tooLongForAUser = (name: string): boolean => longerThan(name, maxUserNameLength)

/** Why a name longer than any user's was refused (the log's `reason`). */
export const tooLongReason = `user name longer than ${maxUserNameLength} characters`

/**
 * Why `name` cannot be any user's (the log's `reason`), or undefined when it could be: longer
 * than any user name, or holding U+0000 (nul.ts). Such a name is answered as an unknown user's
 * without being looked up.
 */
export function notAUserName(name: string): string | undefined {
  if (tooLongForAUser(name)) return tooLongReason
  if (holdsNul(name)) return nulReason
  return undefined
}

/** A name as a log line or a message quotes it: whole when it could be a user's, else its first 64 characters and its length. */
export const shownName = (name: string): string => shownText(name, maxUserNameLength)

/**
 * The key users are matched by, stored beside the name (users.name_key): `Alice`, ` ALICE ` and
 * `alice` are one user, and so are a composed and a decomposed `josé`. Migration 005 gave the
 * users already there theirs by this same rule.
 */
export const nameKey = (name: string): string => name.trim().normalize('NFC').toLowerCase()

// controls, format (zero-width, bidi), surrogates, private use, unassigned, line and paragraph separators, spaces other than U+0020
const invisible = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u

// Phonetic Extensions and their Supplement: small capitals (`ᴀ`) and phonetic letters, outside
// every language's alphabet (TR39 restricts them in identifiers) and absent from its confusables
const phonetic = /[\u1D00-\u1DBF]/u

const codePoint = (character: string) => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`

/** The name as it will be stored, or an InvalidInput saying what is wrong with it. */
export function checkUserName(raw: string): string {
  const name = raw.trim().normalize('NFC')
  if (name === '') throw new InvalidInput('a user name cannot be empty')
  const count = characterCount(name)
  if (count > maxUserNameLength) throw new InvalidInput(`a user name has at most ${maxUserNameLength} characters (this one has ${count})`)
  const shown = JSON.stringify(name)
  if (name.includes('"')) throw new InvalidInput(`user name ${shown} is not allowed: no double quotes`)
  for (const character of name) {
    if (character !== ' ' && invisible.test(character)) {
      throw new InvalidInput(`user name ${shown} is not allowed: ${codePoint(character)} is a control, format, separator, private-use or unassigned character`)
    }
    const compatible = character.normalize('NFKC')
    if (compatible !== character) {
      throw new InvalidInput(`user name ${shown} is not allowed: ${codePoint(character)} is a compatibility form of ${JSON.stringify(compatible)}`)
    }
    if (phonetic.test(character)) {
      throw new InvalidInput(`user name ${shown} is not allowed: ${codePoint(character)} is a phonetic symbol (a small capital or phonetic letter), not a letter of an alphabet`)
    }
  }
  if (name.normalize('NFKC') !== name) throw new InvalidInput(`user name ${shown} is not allowed: it changes under NFKC normalisation`)
  const mixed = mixedScripts(name)
  if (mixed) throw new InvalidInput(`user name ${shown} is not allowed: it mixes scripts (${mixed.join(' and ')})`)
  return name
}

/**
 * ISO 15924 codes of the scripts of Unicode 17, the common ones first (a name's letters are
 * looked up one by one). Common (digits, punctuation, `@`) and Inherited (combining marks) are
 * not here: they go with any script. A node with older Unicode data knows fewer of them.
 */
const scriptCodes = (
  'Latn Cyrl Grek Arab Hebr Hani Hira Kana Hang Bopo Deva Beng Thai Armn Geor Ethi Taml Telu Knda Mlym Gujr Guru Orya Sinh Khmr Laoo Mymr Tibt ' +
  'Adlm Aghb Ahom Armi Avst Bali Bamu Bass Batk Berf Bhks Brah Brai Bugi Buhd Cakm Cans Cari Cham Cher Chrs Copt Cpmn Cprt Diak Dogr Dsrt ' +
  'Dupl Egyp Elba Elym Gara Glag Gong Gonm Goth Gran Gukh Hano Hatr Hluw Hmng Hmnp Hung Ital Java Kali Kawi Khar Khoj Kits Krai Kthi Lana ' +
  'Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Miao Modi Mong Mroo Mtei Mult Nagm Nand Narb Nbat Newa ' +
  'Nkoo Nshu Ogam Olck Onao Orkh Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd ' +
  'Sidd Sidt Sind Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Tang Tavt Tayo Tfng Tglg Thaa Tirh Tnsa Todr Tols Toto Tutg ' +
  'Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb'
).split(' ')

let scripts: readonly (readonly [string, RegExp])[] | undefined
function knownScripts() {
  return (scripts ??= scriptCodes.flatMap((code) => {
    try {
      return [[code, new RegExp(`^\\p{Script=${code}}$`, 'u')] as const]
    } catch {
      return [] // not in this node's Unicode data
    }
  }))
}

const neutral = /^[\p{Script=Common}\p{Script=Inherited}]$/u

/** Scripts that are written together (UTS #39, "highly restrictive"): Japanese, Chinese with Bopomofo, Korean, each with Latin. */
const togetherScripts = [new Set(['Latn', 'Hani', 'Hira', 'Kana']), new Set(['Latn', 'Hani', 'Bopo']), new Set(['Latn', 'Hani', 'Hang'])]

const scriptName = (code: string) => (code === '?' ? 'an unknown script' : (new Intl.DisplayNames(['en'], { type: 'script' }).of(code) ?? code))

/** The names of the scripts a name mixes, or undefined when it keeps to one (or to one of the usual combinations). */
function mixedScripts(name: string): string[] | undefined {
  const found = new Set<string>()
  for (const character of name) {
    if (neutral.test(character)) continue
    found.add(knownScripts().find(([, pattern]) => pattern.test(character))?.[0] ?? '?')
  }
  if (found.size <= 1 || togetherScripts.some((set) => [...found].every((code) => set.has(code)))) return undefined
  return [...found].map(scriptName).sort()
}
