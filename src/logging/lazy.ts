import type { Logger } from 'pino'

/**
 * A child logger that is only made when something is logged. Most requests (a ping, a
 * successful login) log one line or none, and making a pino child for every request is a
 * measurable part of a small request's cost.
 */
export function lazyChild(parent: Logger, bindings: () => Record<string, unknown>): Logger {
  let child: Logger | undefined
  const real = () => (child ??= parent.child(bindings()))
  return new Proxy({} as Logger, {
    get(_target, property) {
      // a child of a child not yet made is one child with both sets of fields: made once, if at all
      if (property === 'child' && !child) return (more: Record<string, unknown>) => lazyChild(parent, () => ({ ...bindings(), ...more }))
      const value: unknown = Reflect.get(real(), property)
      return typeof value === 'function' ? value.bind(real()) : value
    },
    set(_target, property, value) {
      return Reflect.set(real(), property, value)
    },
  })
}
