import { deriveOtc, firstIndex, lastIndex, type OtcForm } from './otc.js'

/**
 * A login that proves the code instead of carrying it (RADIUS CHAP and MS-CHAP): whether the
 * request's response was made from this candidate one-time code. It compares in constant time.
 */
export type Proof = (candidateOtc: string) => boolean

/** A user may type either form, as over PAP: the comma of clients before 3.10 too (otc.ts). */
const forms: readonly OtcForm[] = ['modern', 'legacy']

export type ProofVerdict = { readonly index: number } | { readonly reason: 'string already used' | 'no unused string matches' }

/**
 * The string of a batch that a proof names. Every index is tried in both forms, used ones too,
 * and every one is asked whether it is used: the work is the same whichever string matches, and
 * whether any does. A response is of one code, its index included, so at most one index can
 * match; one that is used is the same code again.
 */
export function provenIndex(strings: readonly string[], pin: string, isUsed: (index: number) => boolean, proof: Proof): ProofVerdict {
  const matched: number[] = []
  let usedMatched = false
  for (let index = firstIndex; index <= lastIndex; index++) {
    let matches = false
    for (const form of forms) matches = proof(deriveOtc(strings[index] ?? '', pin, index, form)) || matches
    const used = isUsed(index)
    if (matches && used) usedMatched = true
    if (matches && !used) matched.push(index)
  }
  const [index] = matched
  if (matched.length === 1 && index !== undefined) return { index }
  return { reason: usedMatched ? 'string already used' : 'no unused string matches' }
}
