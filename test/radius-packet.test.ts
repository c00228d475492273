import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import t from 'tap'
import { lines, radiusSkip, radiusToolsAvailable, requireRadius, runRadclient } from './helpers/radius.js'
import {
  AcctStatusType,
  type Attribute,
  Attr,
  attribute,
  attributes,
  checkMessageAuthenticator,
  checkRequestAuthenticator,
  Code,
  decodePacket,
  decryptUserPassword,
  encodeReply,
  encodeRequest,
  encryptUserPassword,
  Microsoft,
  type Packet,
  type PacketProblem,
  Vendor,
  vendorAttribute,
  vendorAttributes,
  verifyReply,
} from '../src/radius/index.js'

// The RADIUS codec: RFC 2865's own example, round trips, hostile datagrams, and FreeRADIUS's
// radclient as the independent other end (it checks what we sign, and signs what we check).

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex')
const text = (value: string): Buffer => Buffer.from(value, 'utf8')
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

function decoded(buf: Buffer): Packet {
  const packet = decodePacket(buf)
  if ('problem' in packet) throw new Error(`not a packet: ${packet.problem}`)
  return packet
}

const problemOf = (buf: Buffer): string | undefined => {
  const packet = decodePacket(buf)
  return 'problem' in packet ? packet.problem : undefined
}

/** Header with a true Length, then `body` as attribute octets. */
function datagram(body: Buffer, code: number = Code.AccessRequest): Buffer {
  const raw = Buffer.concat([Buffer.alloc(20), body])
  raw[0] = code
  raw.writeUInt16BE(raw.length, 2)
  return raw
}

// RFC 2865 §7.1: nemo / arctangent, secret xyzzy5461
const rfcSecret = 'xyzzy5461'
const rfcRequest = hex(`01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d
  93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03`)
const rfcAccept = hex('02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03')

t.test('RFC 2865 §7.1: the example request and its Access-Accept', async (t) => {
  const request = decoded(rfcRequest)
  t.match(request, { code: Code.AccessRequest, identifier: 0 })
  t.same(request.attributes.map((a) => a.type), [Attr.UserName, Attr.UserPassword, Attr.NasIpAddress, Attr.NasPort])
  t.equal(attribute(request, Attr.UserName)?.toString(), 'nemo')
  const password = attribute(request, Attr.UserPassword)
  t.equal(password && decryptUserPassword(password, rfcSecret, request.authenticator)?.toString(), 'arctangent', 'User-Password revealed')
  t.equal(checkMessageAuthenticator(request, rfcSecret), 'absent')
  const rebuilt = encodeRequest({
    code: Code.AccessRequest,
    identifier: 0,
    secret: rfcSecret,
    authenticator: request.authenticator,
    messageAuthenticator: false,
    attributes: [
      { type: Attr.UserName, value: text('nemo') },
      { type: Attr.UserPassword, value: text('arctangent') },
      { type: Attr.NasIpAddress, value: hex('c0a80110') },
      { type: Attr.NasPort, value: u32(3) },
    ],
  })
  t.same(rebuilt, rfcRequest, 'encodeRequest makes the example octet for octet')
  const accept = decoded(rfcAccept)
  t.equal(verifyReply(accept, request, rfcSecret), 'valid', 'its Response Authenticator checks')
  t.equal(verifyReply(accept, request, 'xyzzy5462'), 'wrong Response Authenticator', 'not with another secret')
  const tampered = Buffer.from(rfcAccept)
  tampered[25]! ^= 1
  t.equal(verifyReply(decoded(tampered), request, rfcSecret), 'wrong Response Authenticator', 'nor once an attribute changed')
})

t.test('User-Password: every length from 0 to 128 octets, and what cannot be one', async (t) => {
  const secret = 'a shared secret'
  for (let n = 0; n <= 128; n++) {
    const password = Buffer.from(randomBytes(n).map((b) => b || 1))
    const authenticator = randomBytes(16)
    const hidden = encryptUserPassword(password, secret, authenticator)
    t.equal(hidden.length, Math.max(16, Math.ceil(n / 16) * 16))
    t.same(decryptUserPassword(hidden, secret, authenticator), password)
  }
  t.same(decryptUserPassword(encryptUserPassword('a\0b', secret, Buffer.alloc(16)), secret, Buffer.alloc(16)), text('a\0b'), 'a NUL inside stays')
  t.throws(() => encryptUserPassword(Buffer.alloc(129, 1), secret, Buffer.alloc(16)), RangeError)
  for (const n of [0, 1, 15, 17, 127, 144]) t.equal(decryptUserPassword(Buffer.alloc(n), secret, Buffer.alloc(16)), undefined, `${n} octets`)
  const hidden = encryptUserPassword('593801', secret, Buffer.alloc(16, 7))
  t.not(decryptUserPassword(hidden, 'another secret', Buffer.alloc(16, 7))?.toString(), '593801')
})

t.test('Access-Request and Status-Server round trips, Message-Authenticator first', async (t) => {
  const secret = 'sekrit'
  for (const code of [Code.AccessRequest, Code.StatusServer]) {
    const raw = encodeRequest({ code, identifier: 200, secret, attributes: [{ type: Attr.UserName, value: text('alice') }, { type: Attr.UserPassword, value: text('593801') }] })
    const packet = decoded(raw)
    t.match(packet, { code, identifier: 200 })
    t.equal(packet.attributes[0]?.type, Attr.MessageAuthenticator)
    t.equal(checkMessageAuthenticator(packet, secret), 'valid')
    t.equal(checkMessageAuthenticator(packet, 'sekriT'), 'invalid', 'another secret')
    // RFC 3579 §3.2, computed here without the codec
    const zeroed = Buffer.from(raw)
    zeroed.fill(0, 22, 38)
    t.same(packet.attributes[0]?.value, createHmac('md5', secret).update(zeroed).digest())
    t.equal(decryptUserPassword(attribute(packet, Attr.UserPassword)!, secret, packet.authenticator)?.toString(), '593801')
    for (let i = 0; i < raw.length; i++) {
      if (i >= 2 && i < 4) continue // a changed Length is another packet shape, tested below
      const flipped = Buffer.from(raw)
      flipped[i]! ^= 0x40
      const again = decodePacket(flipped)
      if (!('problem' in again)) t.not(checkMessageAuthenticator(again, secret), 'valid', `octet ${i} changed`)
    }
  }
  const unsigned = decoded(encodeRequest({ code: Code.AccessRequest, identifier: 1, secret, messageAuthenticator: false, attributes: [{ type: Attr.UserName, value: text('a') }] }))
  t.equal(checkMessageAuthenticator(unsigned, secret), 'absent')
  const authenticatorOf = () => encodeRequest({ code: Code.AccessRequest, identifier: 1, secret }).subarray(4, 20).toString('hex')
  t.not(authenticatorOf(), authenticatorOf(), 'a random authenticator each time')
  t.throws(() => encodeRequest({ code: Code.AccessAccept, identifier: 1, secret }), RangeError)
})

t.test('Accounting-Request: the Request Authenticator of RFC 2866 §3, with and without Message-Authenticator', async (t) => {
  const secret = 'acct secret'
  const attrs: Attribute[] = [{ type: Attr.AcctStatusType, value: u32(AcctStatusType.Start) }, { type: Attr.AcctSessionId, value: text('s-1') }]
  for (const messageAuthenticator of [false, true]) {
    const raw = encodeRequest({ code: Code.AccountingRequest, identifier: 9, secret, attributes: attrs, messageAuthenticator })
    const packet = decoded(raw)
    const zeroed = Buffer.from(raw)
    zeroed.fill(0, 4, 20)
    t.same(packet.authenticator, createHash('md5').update(zeroed).update(secret).digest(), 'MD5 over the zeroed header and the secret')
    t.ok(checkRequestAuthenticator(packet, secret))
    t.notOk(checkRequestAuthenticator(packet, 'acct secreT'))
    t.equal(checkMessageAuthenticator(packet, secret), messageAuthenticator ? 'valid' : 'absent')
    const flipped = Buffer.from(raw)
    flipped[raw.length - 1]! ^= 1
    t.notOk(checkRequestAuthenticator(decoded(flipped), secret), 'a changed attribute')
  }
  t.throws(() => encodeRequest({ code: Code.AccountingRequest, identifier: 1, secret, attributes: [{ type: Attr.UserPassword, value: text('x') }] }), RangeError)
})

t.test('encodeReply: Message-Authenticator first, Proxy-State last and in order, both authenticators', async (t) => {
  const secret = 'reply secret'
  const request = decoded(encodeRequest({ code: Code.AccessRequest, identifier: 77, secret, attributes: [{ type: Attr.UserName, value: text('bob') }] }))
  const proxyStates = [hex('01'), hex('0203'), hex('01')]
  for (const code of [Code.AccessAccept, Code.AccessReject, Code.AccessChallenge]) {
    const raw = encodeReply({ code, identifier: 77, requestAuthenticator: request.authenticator, secret, attributes: [{ type: Attr.ReplyMessage, value: text('hello') }], proxyStates })
    const reply = decoded(raw)
    t.same(reply.attributes.map((a) => a.type), [Attr.MessageAuthenticator, Attr.ReplyMessage, Attr.ProxyState, Attr.ProxyState, Attr.ProxyState])
    t.same(attributes(reply, Attr.ProxyState), proxyStates)
    t.equal(verifyReply(reply, request, secret), 'valid')
    t.equal(checkMessageAuthenticator(reply, secret, request.authenticator), 'valid')
    t.equal(checkMessageAuthenticator(reply, secret), 'invalid', 'not with its own authenticator in the field')
    t.equal(verifyReply(reply, { ...request, identifier: 78 }, secret), 'wrong Identifier')
    t.equal(verifyReply(reply, { ...request, authenticator: randomBytes(16) }, secret), 'wrong Response Authenticator')
  }
  const acct = decoded(encodeRequest({ code: Code.AccountingRequest, identifier: 3, secret, attributes: [{ type: Attr.AcctStatusType, value: u32(1) }] }))
  const response = decoded(encodeReply({ code: Code.AccountingResponse, identifier: 3, requestAuthenticator: acct.authenticator, secret, requestCode: Code.AccountingRequest }))
  t.same(response.attributes, [], 'an Accounting-Response to accounting is not signed')
  t.equal(verifyReply(response, acct, secret), 'valid')
  const status = decoded(encodeRequest({ code: Code.StatusServer, identifier: 4, secret }))
  const toStatus = decoded(encodeReply({ code: Code.AccountingResponse, identifier: 4, requestAuthenticator: status.authenticator, secret, requestCode: Code.StatusServer }))
  t.equal(checkMessageAuthenticator(toStatus, secret, status.authenticator), 'valid', 'one to Status-Server is (RFC 5997 §3)')
  t.equal(verifyReply(toStatus, status, secret), 'valid')
})

t.test('encodeReply refuses what a packet cannot hold', async (t) => {
  const base = { code: Code.AccessAccept, identifier: 1, requestAuthenticator: Buffer.alloc(16), secret: 's' }
  t.ok(encodeReply({ ...base, attributes: [{ type: Attr.ReplyMessage, value: Buffer.alloc(253, 0x41) }] }))
  t.throws(() => encodeReply({ ...base, attributes: [{ type: Attr.ReplyMessage, value: Buffer.alloc(254, 0x41) }] }), RangeError, '254 octets')
  t.throws(() => encodeReply({ ...base, attributes: [{ type: Attr.ReplyMessage, value: Buffer.alloc(0) }] }), RangeError, 'empty')
  t.throws(() => encodeReply({ ...base, proxyStates: [Buffer.alloc(254)] }), RangeError, 'a Proxy-State too long')
  // 20 + 18 (Message-Authenticator) + 15 × 255 + 233 = 4096
  const fill = [...Array.from({ length: 15 }, () => ({ type: Attr.Class, value: Buffer.alloc(253, 1) })), { type: Attr.Class, value: Buffer.alloc(231, 1) }]
  t.equal(encodeReply({ ...base, attributes: fill }).length, 4096, 'exactly 4096 octets')
  t.throws(() => encodeReply({ ...base, attributes: [...fill, { type: Attr.Class, value: Buffer.alloc(1) }] }), RangeError, 'one more is too many')
  t.throws(() => encodeReply({ ...base, attributes: [{ type: Attr.MessageAuthenticator, value: Buffer.alloc(16) }] }), RangeError)
  t.throws(() => encodeReply({ ...base, attributes: [{ type: Attr.ProxyState, value: Buffer.alloc(1) }] }), RangeError)
  t.throws(() => encodeReply({ ...base, identifier: 256 }), RangeError)
  t.throws(() => encodeReply({ ...base, requestAuthenticator: Buffer.alloc(15) }), RangeError)
})

t.test('Message-Authenticator: two of them, or one not 16 octets, is invalid', async (t) => {
  const secret = 's'
  const one = { type: Attr.MessageAuthenticator, value: Buffer.alloc(16) }
  const twice = decoded(encodeRequest({ code: Code.AccessRequest, identifier: 1, secret, attributes: [one] }))
  t.equal(checkMessageAuthenticator(twice, secret), 'invalid')
  for (const n of [1, 15, 17]) {
    const attributes = [{ type: Attr.MessageAuthenticator, value: Buffer.alloc(n) }]
    const short = decoded(encodeRequest({ code: Code.AccessRequest, identifier: 1, secret, messageAuthenticator: false, attributes }))
    t.equal(checkMessageAuthenticator(short, secret), 'invalid', `${n} octets`)
  }
})

t.test('Vendor-Specific: sub-attributes of one vendor, a malformed one skipped', async (t) => {
  const ms = (type: number, value: string) => Buffer.concat([Buffer.from([type, value.length + 2]), text(value)])
  const vsa = (vendor: number, ...subs: Buffer[]) => ({ type: Attr.VendorSpecific, value: Buffer.concat([u32(vendor), ...subs]) })
  const packet = decoded(
    encodeRequest({
      code: Code.AccessRequest,
      identifier: 1,
      secret: 's',
      attributes: [
        vsa(Vendor.Microsoft, ms(Microsoft.MsChapChallenge, 'challenge'), ms(Microsoft.MsChap2Response, 'response')),
        vsa(Vendor.Fortinet, ms(1, 'admins')),
        vsa(Vendor.Microsoft, Buffer.from([Microsoft.MsChapError, 9, 0x41])), // says 9, holds 3
        vsa(Vendor.Microsoft, Buffer.from([Microsoft.MsChapError, 2])), // empty
        { type: Attr.VendorSpecific, value: hex('0000') }, // no room for a Vendor-Id
        vendorAttribute(Vendor.Microsoft, Microsoft.MsChap2Success, text('S=0123')),
      ],
    }),
  )
  t.same(
    vendorAttributes(packet, Vendor.Microsoft).map((a) => [a.vendorType, a.value.toString()]),
    [
      [Microsoft.MsChapChallenge, 'challenge'],
      [Microsoft.MsChap2Response, 'response'],
      [Microsoft.MsChap2Success, 'S=0123'],
    ],
  )
  t.same(vendorAttributes(packet, Vendor.Fortinet).map((a) => a.value.toString()), ['admins'])
  t.same(vendorAttributes(packet, 9), [])
  t.throws(() => vendorAttribute(Vendor.Fortinet, 1, Buffer.alloc(248)), RangeError)
})

t.test('hostile datagrams are refused with a reason, never a throw', async (t) => {
  const good = encodeRequest({ code: Code.AccessRequest, identifier: 5, secret: 's', attributes: [{ type: Attr.UserName, value: text('alice') }] })
  for (let n = 0; n < 20; n++) t.match(problemOf(good.subarray(0, n)), /shorter than a header/, `${n} octets`)
  for (let n = 21; n < good.length; n++) t.ok(problemOf(good.subarray(0, n)), `cut to ${n} octets`)
  const withLength = (length: number, body = good) => {
    const copy = Buffer.from(body)
    copy.writeUInt16BE(length, 2)
    return copy
  }
  t.match(problemOf(withLength(19)), /Length 19 is shorter/)
  t.match(problemOf(withLength(good.length + 1)), /beyond the datagram/)
  t.match(problemOf(withLength(good.length - 1)), /cut short|runs past|empty|Length/, 'a Length that splits an attribute')
  const padded = decoded(Buffer.concat([good, Buffer.alloc(30, 0xff)]))
  t.same(padded.raw, good, 'octets past Length are padding (RFC 2865 §3)')
  t.equal(checkMessageAuthenticator(padded, 's'), 'valid')
  t.equal(decoded(withLength(20, good.subarray(0, 20))).attributes.length, 0, 'a bare header')
  t.match(problemOf(datagram(hex('0100'))), /has Length 0/)
  t.match(problemOf(datagram(hex('0101'))), /has Length 1/)
  t.match(problemOf(datagram(hex('0102'))), /is empty/)
  t.match(problemOf(datagram(hex('0105 6162'))), /runs past/)
  t.match(problemOf(datagram(hex('0103 61 01'))), /cut short/)
  t.match(problemOf(datagram(hex('01ff 61'))), /runs past/)
  const many = (n: number) => datagram(Buffer.concat(Array.from({ length: n }, () => hex('180361'))))
  t.equal(decoded(many(200)).attributes.length, 200)
  t.match(problemOf(many(201)), /too many attributes/)
  t.match(problemOf(many(5000)), /longer than 4096/)
  t.match(problemOf(Buffer.alloc(4097)), /longer than 4096/)
  const classes = Array.from({ length: 16 }, (_, i) => ({ type: Attr.Class, value: Buffer.alloc(i === 15 ? 231 : 253, 1) }))
  const largest = encodeReply({ code: Code.AccessAccept, identifier: 1, requestAuthenticator: Buffer.alloc(16), secret: 's', attributes: classes })
  t.equal(decoded(largest).attributes.length, 17, 'a packet of 4096 octets')
  for (const problem of [problemOf(datagram(hex('01 08 736563726574'))), problemOf(many(201))]) t.notMatch(problem, /secret|736563/, 'no contents in a problem')
})

t.test('2000 random datagrams and 2000 mutated packets: decodePacket never throws', async (t) => {
  const seed = encodeRequest({
    code: Code.AccessRequest,
    identifier: 1,
    secret: 's',
    attributes: [
      { type: Attr.UserName, value: text('alice') },
      { type: Attr.UserPassword, value: text('593801') },
      vendorAttribute(Vendor.Microsoft, Microsoft.MsChap2Response, randomBytes(50)),
      { type: Attr.ProxyState, value: hex('01') },
    ],
  })
  let packets = 0
  let problems = 0
  const exercise = (buf: Buffer) => {
    const result: Packet | PacketProblem = decodePacket(buf)
    if ('problem' in result) {
      if (typeof result.problem === 'string' && result.problem !== '') problems++
      return
    }
    packets++
    checkMessageAuthenticator(result, 's')
    checkRequestAuthenticator(result, 's')
    vendorAttributes(result, Vendor.Microsoft)
    const password = attribute(result, Attr.UserPassword)
    if (password) decryptUserPassword(password, 's', result.authenticator)
  }
  t.doesNotThrow(() => {
    for (let i = 0; i < 2000; i++) {
      const length = [0, 1, 19, 20, 21, 4096, 4097][i % 7] ?? 0
      const buf = randomBytes(i % 3 === 0 ? length : Math.floor(Math.random() * 300))
      // half with a believable Length, so the attribute walk is reached
      if (buf.length >= 20 && i % 2 === 0) buf.writeUInt16BE(buf.length, 2)
      exercise(buf)
    }
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(seed)
      for (let k = 0; k < 1 + (i % 4); k++) buf[Math.floor(Math.random() * buf.length)] = Math.floor(Math.random() * 256)
      exercise(i % 5 === 0 ? buf.subarray(0, Math.floor(Math.random() * buf.length)) : buf)
    }
  })
  t.equal(packets + problems, 4000, 'each a packet or a problem with a reason')
  t.ok(packets > 0 && problems > 0, `${packets} decoded, ${problems} refused`)
})

// radclient from Debian's freeradius-utils: the independent other end
const radclientSkip = radiusSkip

t.test('a missing radclient is a failure when AGENTXML_REQUIRE_RADIUS=1', { skip: !requireRadius && 'AGENTXML_REQUIRE_RADIUS is not set' }, async (t) => {
  t.ok(radiusToolsAvailable, 'radclient and radtest must be on PATH in CI')
})

interface Seen {
  readonly packet: Packet
  readonly messageAuthenticator: 'absent' | 'valid' | 'invalid'
}

/** A UDP server answering with `answer` (undefined: no reply); what it received is kept in order. */
async function udpServer(t: { teardown(fn: () => void): void; fail(message: string): void }, secret: string, answer: (packet: Packet) => Buffer | undefined) {
  const socket = createSocket('udp4')
  const seen: Seen[] = []
  socket.on('message', (message, from) => {
    const packet = decodePacket(message)
    if ('problem' in packet) return void t.fail(`radclient sent what we refuse: ${packet.problem}`)
    seen.push({ packet, messageAuthenticator: checkMessageAuthenticator(packet, secret) })
    const reply = answer(packet)
    if (reply) socket.send(reply, from.port, from.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  t.teardown(() => socket.close())
  return { port: socket.address().port, seen }
}

/** radclient with `input` on stdin: its exit code and what it printed. */
t.test('radclient: Access-Request, Access-Accept and Access-Reject', { skip: radclientSkip }, async (t) => {
  const secret = 'radclient-secret'
  const { port, seen } = await udpServer(t, secret, (request) => {
    const hidden = attribute(request, Attr.UserPassword)
    const password = hidden && decryptUserPassword(hidden, secret, request.authenticator)?.toString()
    const ok = checkMessageAuthenticator(request, secret) === 'valid' && password === '593801'
    return encodeReply({
      code: ok ? Code.AccessAccept : Code.AccessReject,
      identifier: request.identifier,
      requestAuthenticator: request.authenticator,
      secret,
      attributes: [{ type: Attr.ReplyMessage, value: text(ok ? 'welcome alice' : 'no') }, vendorAttribute(Vendor.Fortinet, 1, text('admins'))],
      proxyStates: attributes(request, Attr.ProxyState),
    })
  })
  const accepted = await runRadclient(
    [`127.0.0.1:${port}`, 'auth', secret],
    lines('User-Name = "alice"', 'User-Password = "593801"', 'Message-Authenticator = 0x00', 'Proxy-State = 0x0a0b', 'Proxy-State = 0x0c'),
  )
  t.equal(accepted.code, 0, 'radclient took the reply')
  t.match(accepted.out, /Received Access-Accept/)
  t.match(accepted.out, /Reply-Message = "welcome alice"/)
  t.match(accepted.out, /Fortinet-Group-Name = "admins"/)
  t.match(accepted.out, /Proxy-State = 0x0a0b[\s\S]*Proxy-State = 0x0c/, 'Proxy-State echoed in order')
  t.equal(seen[0]?.messageAuthenticator, 'valid', "radclient's Message-Authenticator checks")
  t.equal(attribute(seen[0]!.packet, Attr.UserName)?.toString(), 'alice')

  const rejected = await runRadclient([`127.0.0.1:${port}`, 'auth', secret], lines('User-Name = "alice"', 'User-Password = "wrong-password-of-some-length-past-16"', 'Message-Authenticator = 0x00'))
  t.match(rejected.out, /Received Access-Reject/, 'radclient took the reject as authentic')
  t.notMatch(rejected.out, /invalid|[Ff]ailed/)

  // another secret at radclient's end: our check refuses it; without a reply radclient gives up
  const before = seen.length
  const wrong = await runRadclient(['-t', '1', '-r', '1', `127.0.0.1:${port}`, 'auth', 'not-the-secret'], lines('User-Name = "alice"', 'User-Password = "593801"', 'Message-Authenticator = 0x00'))
  t.equal(seen[before]?.messageAuthenticator, 'invalid')
  t.not(wrong.code, 0)
})

t.test('radclient refuses a reply signed with another secret, or with a wrong Message-Authenticator', { skip: radclientSkip }, async (t) => {
  const { port } = await udpServer(t, 'the-secret', (request) =>
    encodeReply({ code: Code.AccessAccept, identifier: request.identifier, requestAuthenticator: request.authenticator, secret: 'another-secret' }),
  )
  const result = await runRadclient(['-t', '1', `127.0.0.1:${port}`, 'auth', 'the-secret'], lines('User-Name = "alice"', 'User-Password = "593801"'))
  t.not(result.code, 0)
  t.notMatch(result.out, /Received Access-Accept/)

  // a wrong Message-Authenticator under a right Response Authenticator: radclient does check it,
  // so the accepts above prove how encodeReply makes it
  const { port: other } = await udpServer(t, 'the-secret', (request) => {
    const reply = encodeReply({ code: Code.AccessAccept, identifier: request.identifier, requestAuthenticator: request.authenticator, secret: 'the-secret' })
    reply[22]! ^= 1
    request.authenticator.copy(reply, 4)
    createHash('md5').update(reply).update('the-secret').digest().copy(reply, 4)
    return reply
  })
  const forged = await runRadclient(['-t', '1', `127.0.0.1:${other}`, 'auth', 'the-secret'], lines('User-Name = "alice"', 'User-Password = "593801"'))
  t.match(forged.out, /invalid Message-Authenticator/)
  t.notMatch(forged.out, /Received Access-Accept/)
})

t.test('radclient: Accounting-Request and Accounting-Response', { skip: radclientSkip }, async (t) => {
  const secret = 'acct-secret'
  const { port, seen } = await udpServer(t, secret, (request) =>
    checkRequestAuthenticator(request, secret)
      ? encodeReply({ code: Code.AccountingResponse, identifier: request.identifier, requestAuthenticator: request.authenticator, secret, requestCode: request.code })
      : undefined,
  )
  const plain = await runRadclient([`127.0.0.1:${port}`, 'acct', secret], lines('User-Name = "alice"', 'Acct-Status-Type = Start', 'Acct-Session-Id = "s-1"'))
  t.equal(plain.code, 0)
  t.match(plain.out, /Received Accounting-Response/)
  t.ok(checkRequestAuthenticator(seen[0]!.packet, secret))
  t.same(attribute(seen[0]!.packet, Attr.AcctStatusType), u32(AcctStatusType.Start))
  t.equal(seen[0]?.messageAuthenticator, 'absent')
  const signed = await runRadclient([`127.0.0.1:${port}`, 'acct', secret], lines('Acct-Status-Type = Stop', 'Acct-Session-Id = "s-1"', 'Message-Authenticator = 0x00'))
  t.equal(signed.code, 0)
  t.equal(seen[1]?.messageAuthenticator, 'valid', 'an Accounting-Request is signed over a zeroed authenticator field')
  t.ok(checkRequestAuthenticator(seen[1]!.packet, secret))
})

t.test('radclient: Status-Server, answered by Access-Accept and by Accounting-Response', { skip: radclientSkip }, async (t) => {
  const secret = 'status-secret'
  for (const code of [Code.AccessAccept, Code.AccountingResponse]) {
    const { port, seen } = await udpServer(t, secret, (request) =>
      encodeReply({ code, identifier: request.identifier, requestAuthenticator: request.authenticator, secret, requestCode: request.code }),
    )
    const result = await runRadclient([`127.0.0.1:${port}`, 'status', secret], lines('Message-Authenticator = 0x00'))
    t.equal(seen[0]?.packet.code, Code.StatusServer)
    t.equal(seen[0]?.messageAuthenticator, 'valid')
    t.equal(result.code, 0, `radclient took the ${code === Code.AccessAccept ? 'Access-Accept' : 'Accounting-Response'}`)
    t.match(result.out, code === Code.AccessAccept ? /Received Access-Accept/ : /Received Accounting-Response/)
  }
})
