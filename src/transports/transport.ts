/** A message as a transport receives it, opened. */
export interface Delivery {
  readonly user: string
  readonly transport: string
  readonly destination: string
  readonly subject: string
  readonly body: string
}

/** Sends one message or throws; the worker retries what throws. */
export interface Transport {
  send(delivery: Delivery): Promise<void>
}
