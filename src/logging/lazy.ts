import type { Level, Logger } from 'pino'

const levels = new Set<string | symbol>(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] satisfies Level[])

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * A child logger that is only made when it is needed. Most requests (a ping, a successful login)
 * log one line or none, and making a pino child for every request is a measurable part of a
 * small request's cost: a line logged with a message or a plain object goes to the parent with
 * the bindings in front of its own fields, which is the line the child would have written. Any
 * other use (an Error as the first argument, `bindings()`, a property) makes the child, once. A
 * lazy child of a lazy child asks the first, which asks its parent: none is made.
 */
export function lazyChild(parent: Logger, bindings: () => Record<string, unknown>): Logger {
  let child: Logger | undefined
  const real = () => (child ??= parent.child(bindings()))
  return new Proxy({} as Logger, {
    get(_target, property) {
      if (!child && levels.has(property)) return lineThroughParent(parent, property as Level, bindings, real)
      if (property === 'isLevelEnabled' && !child) return (level: string) => parent.isLevelEnabled(level)
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

function lineThroughParent(parent: Logger, level: Level, bindings: () => Record<string, unknown>, real: () => Logger) {
  return (first: unknown, ...rest: unknown[]) => {
    if (!parent.isLevelEnabled(level)) return
    if (typeof first === 'string') return parent[level](bindings(), first, ...rest)
    if (isPlainObject(first)) return parent[level]({ ...bindings(), ...first }, ...(rest as [string]))
    return (real()[level] as (...args: unknown[]) => void)(first, ...rest)
  }
}
