import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import { stringTypes } from '../src/domain/policy.js'
import { newBatch, openBatch, openBatchString, sealBatch } from '../src/domain/security-strings.js'
import type { Services } from '../src/domain/services.js'
import { deriveKeys } from '../src/secrets.js'

const services = { keys: deriveKeys(randomBytes(32)) } as Services

t.test('a login’s one string of a sealed batch is the one the whole batch has at that index', async (t) => {
  for (const type of stringTypes) {
    const strings = newBatch(type)
    const sealed = sealBatch(services, 7, strings)
    for (let index = 0; index <= 101; index++) t.equal(openBatchString(services, 7, sealed, index), strings[index] ?? '', `${type} ${index}`)
  }
  // any batch, whatever its strings hold (none holds a ";", but the reading must not depend on lengths)
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '7', 'é', '😀', ' ') }), { maxLength: 120 }), fc.nat(130), (strings, index) => {
      const sealed = sealBatch(services, 3, strings)
      return openBatchString(services, 3, sealed, index) === (openBatch(services, 3, sealed)[index] ?? '')
    }),
    { numRuns: 500 },
  )
})

t.test('a batch sealed for one device does not open as another’s', async (t) => {
  const sealed = sealBatch(services, 1, newBatch('numbers'))
  t.throws(() => openBatchString(services, 2, sealed, 1))
})
