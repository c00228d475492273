/** A message as a transport receives it, opened. */
export interface Delivery {
  readonly user: string
  readonly transport: string
  readonly destination: string
  readonly subject: string
  readonly body: string
}

/**
 * Sends one message or throws; the worker retries what throws. An error's message goes to the
 * log and the queue, so it names the problem, never the message text or a credential.
 */
export interface Transport {
  /** Where it sends, for the start-up log line: no credentials. */
  readonly label: string
  send(delivery: Delivery): Promise<void>
  close?(): void
}
