import t from 'tap'
import { matcher } from '../src/domain/networks.js'

t.test('a matcher answers by the networks it was made with, IPv4, IPv6 and IPv4-mapped', async (t) => {
  const inside = matcher(['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32'])
  for (const address of ['10.1.2.3', '::ffff:10.1.2.3', '192.0.2.7', '2001:db8::1', '2001:DB8:0:0:0:0:0:ff']) t.equal(inside(address), true, address)
  for (const address of ['11.0.0.1', '192.0.2.8', '2001:db9::1', '::1', '', 'not an address', '10.0.0.1:80']) t.equal(inside(address), false, address)
})

t.test('its answers stay right when asked again, and after more addresses than it keeps', async (t) => {
  const inside = matcher(['10.0.0.0/24'])
  const address = (n: number) => `10.0.${(n >> 8) & 255}.${n & 255}`
  // three passes over 3 000 addresses: each is first asked, then answered from what was kept,
  // through the matcher starting again every 1 024
  for (let pass = 0; pass < 3; pass++) {
    const wrong = []
    for (let n = 0; n < 3000; n++) if (inside(address(n)) !== n < 256) wrong.push(address(n))
    t.same(wrong, [], `pass ${pass + 1}`)
  }
  const long = `10.0.0.1${' '.repeat(100)}`
  t.equal(inside(long), false, 'text longer than any address is no address, asked once or twice')
  t.equal(inside(long), false)
  t.equal(matcher(['10.0.0.0/24'])('10.0.1.0'), false, 'a second matcher does not share the first one’s answers')
  t.equal(matcher(['10.0.1.0/24'])('10.0.1.0'), true)
})
