/**
 * A plain address, `local@domain`, and nothing else. Mail libraries read more than that: a
 * display name (`victim <evil@attacker.test>`), a group (`list: evil@attacker.test;`), a list, a
 * comment, a quoted local part. Any of them and the mail goes elsewhere than the address shown,
 * so a destination is a dot-atom local part, then a domain of ASCII labels (an internationalised
 * domain in its `xn--` form), at most 254 characters.
 */
const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const plainAddress = new RegExp(`^${atom}(?:\\.${atom})*@${label}(?:\\.${label})+$`)

export const isPlainEmailAddress = (text: string): boolean => text.length <= 254 && plainAddress.test(text)
