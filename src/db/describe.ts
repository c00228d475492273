/** The address for messages: never the password. */
export function describeTarget(url: string): string {
  try {
    const { hostname, port, pathname } = new URL(url)
    return `PostgreSQL at ${hostname}:${port || 5432}${pathname}`
  } catch {
    return 'PostgreSQL (the address does not parse)'
  }
}
