import type { Level, Logger } from 'pino'

type Bindings = () => Record<string, unknown>

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
 * lazy child of a lazy child is one lazy child of the first one's parent, with both sets of
 * fields: no pino child is made, and a line takes one step to the parent.
 */
export const lazyChild = (parent: Logger, bindings: Bindings): Logger => LazyLogger.of(parent, bindings) as unknown as Logger

type Write = (...args: unknown[]) => void

class LazyLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  #child: Logger | undefined

  private constructor(parent: Logger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  static of(parent: Logger | LazyLogger, bindings: Bindings): LazyLogger {
    if (!(parent instanceof LazyLogger)) return new LazyLogger(parent, bindings)
    // a child of one whose child is made is a lazy child of that child
    if (parent.#child) return new LazyLogger(parent.#child, bindings)
    const outer = parent.#bindings
    return new LazyLogger(parent.#parent, () => ({ ...outer(), ...bindings() }))
  }

  /** The pino child, made on first need. */
  real(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings()))
  }

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level)
  }

  child(more: Record<string, unknown>): Logger {
    return LazyLogger.of(this, () => more) as unknown as Logger
  }

  #line(level: Level, first: unknown, rest: unknown[]): void {
    const made = this.#child
    if (made) return (made[level] as Write)(first, ...rest)
    const parent = this.#parent
    if (!parent.isLevelEnabled(level)) return
    if (typeof first === 'string') return (parent[level] as Write)(this.#bindings(), first, ...rest)
    if (isPlainObject(first)) return (parent[level] as Write)({ ...this.#bindings(), ...first }, ...rest)
    return (this.real()[level] as Write)(first, ...rest)
  }

  trace(first: unknown, ...rest: unknown[]) {
    this.#line('trace', first, rest)
  }
  debug(first: unknown, ...rest: unknown[]) {
    this.#line('debug', first, rest)
  }
  info(first: unknown, ...rest: unknown[]) {
    this.#line('info', first, rest)
  }
  warn(first: unknown, ...rest: unknown[]) {
    this.#line('warn', first, rest)
  }
  error(first: unknown, ...rest: unknown[]) {
    this.#line('error', first, rest)
  }
  fatal(first: unknown, ...rest: unknown[]) {
    this.#line('fatal', first, rest)
  }
}

/**
 * Everything else a Logger has (`level`, `bindings()`, `flush()`…) is the real child's: looked up
 * past the methods above, through a proxy at the end of the prototype chain.
 */
Object.setPrototypeOf(
  LazyLogger.prototype,
  new Proxy(Object.create(null) as object, {
    get(_target, property, receiver: LazyLogger) {
      const real = receiver.real()
      const value: unknown = Reflect.get(real, property)
      return typeof value === 'function' ? value.bind(real) : value
    },
    set(_target, property, value, receiver: LazyLogger) {
      return Reflect.set(receiver.real(), property, value)
    },
  }),
)
