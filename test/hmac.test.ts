import { createHmac, randomBytes } from 'node:crypto'
import t from 'tap'
import { hmacMd5 } from '../src/radius/packet.js'
import { deriveKeys, hmac, type HmacDigest, keyedHash } from '../src/secrets.js'

// `hmac` is HMAC made of one-shot digests (RFC 2104); whatever it gives must be what node's
// createHmac gives, or every keyed hash stored before it (agent secrets, codes, provision ids)
// would stop matching, and every RADIUS Message-Authenticator would be wrong

const digests: HmacDigest[] = ['md5', 'sha1', 'sha256']
// keys shorter than, as long as and longer than a block (64 octets: a longer key is hashed first)
const keyLengths = [0, 1, 16, 32, 63, 64, 65, 128, 300]
const dataLengths = [0, 1, 16, 55, 56, 63, 64, 65, 119, 1000, 4096]

t.test('hmac gives the octets createHmac gives, for every digest, key length and data length', async (t) => {
  let compared = 0
  for (const digest of digests) {
    for (const keyLength of keyLengths) {
      for (const dataLength of dataLengths) {
        const key = randomBytes(keyLength)
        const data = randomBytes(dataLength)
        const expected = createHmac(digest, key).update(data).digest()
        if (!hmac(digest, key, data).equals(expected)) t.fail(`${digest}, a ${keyLength}-octet key, ${dataLength} octets of data`)
        compared++
      }
    }
  }
  t.equal(compared, digests.length * keyLengths.length * dataLengths.length)
})

t.test('RFC 2202 test vectors: HMAC-MD5 and HMAC-SHA1', async (t) => {
  t.equal(hmac('md5', Buffer.alloc(16, 0x0b), Buffer.from('Hi There')).toString('hex'), '9294727a3638bb1c13f48ef8158bfc9d')
  t.equal(hmac('md5', Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex'), '750c783e6ab0b503eaa86e310a5db738')
  t.equal(
    hmac('md5', Buffer.alloc(80, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First')).toString('hex'),
    '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
  )
  t.equal(hmac('sha1', Buffer.alloc(20, 0x0b), Buffer.from('Hi There')).toString('hex'), 'b617318655057264e28bc0b6fb378c8ef146be00')
})

t.test('RFC 4231 test vector: HMAC-SHA256', async (t) => {
  t.equal(
    hmac('sha256', Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  )
})

t.test('the data is not changed, and a subarray of a larger buffer is taken as just its octets', async (t) => {
  const whole = randomBytes(100)
  const data = whole.subarray(10, 40)
  const before = Buffer.from(whole)
  const key = randomBytes(16)
  t.same(hmac('md5', key, data), createHmac('md5', key).update(data).digest())
  t.same(whole, before)
})

t.test('keyedHash is the HMAC-SHA256 of purpose, NUL and value it always was, non-ASCII values included', async (t) => {
  const keys = deriveKeys(randomBytes(32))
  for (const value of ['', 'alice', 'Zoë', '名前', 'a\u0000b', '\ud800 lone surrogate']) {
    const expected = createHmac('sha256', keys.hash).update('provision-id').update('\0').update(value).digest()
    t.same(keyedHash(keys, 'provision-id', value), expected, JSON.stringify(value))
  }
})

t.test("RADIUS's HMAC-MD5 takes a secret as text or octets", async (t) => {
  const data = randomBytes(60)
  t.same(hmacMd5('a shared secret of some length', data), createHmac('md5', 'a shared secret of some length').update(data).digest())
  t.same(hmacMd5(Buffer.from('xyz'), data), createHmac('md5', 'xyz').update(data).digest())
})
