/** Hits per key in the window that ends at `reset_at` (ms), shared by every node. */
export interface RateLimitsTable {
  key: string
  hits: number
  reset_at: number
}
