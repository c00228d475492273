/**
 * A plain address, `local@domain`, and nothing else. Mail libraries read more than that: a
 * display name (`victim <evil@attacker.test>`), a group (`list: evil@attacker.test;`), a list, a
 * comment, a quoted local part. Any of them and the mail goes elsewhere than the address shown,
 * so a destination is a dot-atom local part, then a domain of labels, at most 254 characters.
 * Letters and digits of any script are allowed (internationalised addresses, RFC 6531).
 */
const atom = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]+"
const label = '[\\p{L}\\p{M}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?'
const plainAddress = new RegExp(`^${atom}(?:\\.${atom})*@${label}(?:\\.${label})+$`, 'u')

export const isPlainEmailAddress = (text: string): boolean => text.length <= 254 && plainAddress.test(text)
