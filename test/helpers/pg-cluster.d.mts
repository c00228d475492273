// Types of pg-cluster.mjs (plain JavaScript: the test runner imports it before anything is compiled).

export interface Cluster {
  readonly url: string
  readonly port: number
  readonly data: string
  start(): void
  /** `fast` ends sessions cleanly; `immediate` is a crash of the server. */
  stop(mode?: 'smart' | 'fast' | 'immediate'): void
  remove(): void
}

export function findPgBin(): string | undefined
export function freePort(): Promise<number>
export function startCluster(options?: { durable?: boolean }): Promise<Cluster>
