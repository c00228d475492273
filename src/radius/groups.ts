import type { GroupFormat, NasClient } from '../db/index.js'
import { Attr, Fortinet, Vendor } from './attributes.js'
import { type Attribute, maxValueLength, vendorAttribute } from './packet.js'

/**
 * The user's directory groups in an Access-Accept, for a NAS with `--groups KEYWORD`: those whose
 * names contain the keyword (any case), as the NAS's vendor reads them (PINsafe's "Group
 * keyword" and "Group format"):
 *
 * - cisco: one `Class` (25), `OU=g1;g2` (Cisco ASA's group-policy form);
 * - fortinet: a `Fortinet-Group-Name` (vendor 12356, type 1) for each group;
 * - watchguard: a `Filter-Id` (11) for each group.
 *
 * A group that would not fit in its attribute (253 octets) is left out; none matching: no
 * attribute, the Accept is plain.
 */
export function groupAttributes(nas: Pick<NasClient, 'groups_keyword' | 'group_format'>, groups: readonly string[] = []): Attribute[] {
  const keyword = nas.groups_keyword?.toLowerCase()
  if (!keyword || !nas.group_format) return []
  const matching = groups.filter((group) => group.toLowerCase().includes(keyword))
  if (matching.length === 0) return []
  return formats[nas.group_format](matching)
}

const fits = (limit: number) => (group: string) => Buffer.byteLength(group) <= limit

const formats: Record<GroupFormat, (groups: readonly string[]) => Attribute[]> = {
  cisco(groups) {
    let value = 'OU='
    for (const group of groups) {
      const next = value === 'OU=' ? value + group : `${value};${group}`
      if (Buffer.byteLength(next) <= maxValueLength) value = next
    }
    return value === 'OU=' ? [] : [{ type: Attr.Class, value: Buffer.from(value) }]
  },
  fortinet: (groups) => groups.filter(fits(maxValueLength - 6)).map((group) => vendorAttribute(Vendor.Fortinet, Fortinet.GroupName, Buffer.from(group))),
  watchguard: (groups) => groups.filter(fits(maxValueLength)).map((group) => ({ type: Attr.FilterId, value: Buffer.from(group) })),
}
