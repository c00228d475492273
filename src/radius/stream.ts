import { headerLength, maxPacketLength } from './packet.js'

/**
 * RADIUS packets out of a byte stream (RFC 6613 §2.1, which RFC 6614 runs over TLS): back to back,
 * no padding, each as long as its header's Length field says, and a packet may arrive in pieces.
 * A Length outside 20 to 4096 leaves no way to find the next packet: `broken` is called once and
 * nothing more is read (the connection is to be closed, RFC 6613 §2.6.4).
 */
export function packetStream(packet: (raw: Buffer) => void, broken: (problem: string) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0)
  let stopped = false
  return (chunk) => {
    if (stopped) return
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    // the Length field is octets 2 and 3
    while (pending.length >= 4) {
      const length = pending.readUInt16BE(2)
      if (length < headerLength || length > maxPacketLength) {
        stopped = true
        return broken(`Length ${length} is outside ${headerLength} to ${maxPacketLength}`)
      }
      if (pending.length < length) return
      packet(pending.subarray(0, length))
      pending = pending.subarray(length)
    }
  }
}
