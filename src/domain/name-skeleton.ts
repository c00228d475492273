import unhomoglyph from 'unhomoglyph'
import { nameKey } from './user-names.js'

/**
 * Look-alike names (Unicode TR39, "Confusable Detection"). Two names whose skeletons are equal
 * look the same to a person: `alıce` (a dotless i) and `alice`, `Ꭺlice` (Cherokee) and `alice`.
 * The skeleton is TR39's, NFD, each character mapped by confusables.txt (through unhomoglyph),
 * NFD again, of the name's matching key (lower case), lower-cased once more, since the mapping
 * gives some characters their capital's likeness. (The data is Unicode 13's: a letter added
 * since has no likeness yet, and is compared as itself.)
 *
 * Two names of plain ASCII are never look-alikes here, although `rn` and `m`, or `l` and `1`, have
 * one skeleton: directories have held such pairs for decades, and refusing them would refuse
 * real accounts at a sync. What is refused is a name that needs a character beyond ASCII to
 * look like another.
 */
const ascii = /^[\x00-\x7f]*$/

export function nameSkeleton(name: string): string {
  const key = nameKey(name)
  let mapped = ''
  // an ASCII name is its own NFD, and ASCII likenesses are ASCII: no normalisation to do
  if (ascii.test(key)) {
    for (const character of key) mapped += likeness(character)
    return mapped.toLowerCase()
  }
  for (const character of key.normalize('NFD')) mapped += likeness(character)
  return mapped.normalize('NFD').toLowerCase()
}

/**
 * What a character is taken for: its own likeness when that is ASCII, else its capital's when
 * that is. A lower-case letter beyond ASCII may look like what its capital looks like (the name's
 * key lower-cases Cherokee `Ꭺ` to `ꭺ`, which confusables.txt takes for a small capital); an
 * ASCII letter's own likeness is always ASCII, so `i` is never taken for `I`, which looks like `l`.
 */
function likeness(character: string): string {
  let seen = likenesses.get(character)
  if (seen === undefined) {
    const own = unhomoglyph(character)
    const capital = ascii.test(own) ? own : unhomoglyph(character.toUpperCase())
    seen = ascii.test(capital) ? capital : own
    // a name has few distinct characters, and a directory few between its names: one look-up each
    if (likenesses.size < 65_536) likenesses.set(character, seen)
  }
  return seen
}

const likenesses = new Map<string, string>()

/** Whether `a` and `b` are two names (not one user's) that a person cannot tell apart. */
export function lookAlike(a: string, b: string): boolean {
  return differ(a, b) && nameSkeleton(a) === nameSkeleton(b)
}

/** Two users' names, not both ASCII: the pairs whose skeletons are compared. */
const differ = (a: string, b: string) => nameKey(a) !== nameKey(b) && !(ascii.test(a) && ascii.test(b))

/** Names by skeleton, for the paths that add many users at once (an import, a sync). */
export class LookAlikes {
  readonly #bySkeleton = new Map<string, string[]>()

  constructor(names: Iterable<string> = []) {
    for (const name of names) this.claim(name)
  }

  /** The name already here that `name` looks like; else undefined, and `name` is here from now on. */
  claim(name: string): string | undefined {
    const skeleton = nameSkeleton(name)
    const names = this.#bySkeleton.get(skeleton)
    const other = names?.find((existing) => differ(name, existing))
    if (other !== undefined) return other
    if (names) names.push(name)
    else this.#bySkeleton.set(skeleton, [name])
    return undefined
  }
}

/** The reason a look-alike name is refused (an error, a sync's conflict, an import's problem). */
export const looksLikeReason = (other: string) => `it looks like the user ${JSON.stringify(other)}`
