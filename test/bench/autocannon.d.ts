// autocannon ships no types; the bench uses a few of its fields only
declare module 'autocannon' {
  interface Result {
    requests: { total: number }
    latency: { p50: number; p99: number }
    non2xx: number
    errors: number
    mismatches?: number
  }
  interface Instance extends Promise<Result> {
    stop(): void
  }
  export default function autocannon(options: Record<string, unknown>): Instance
}
