import { CliError, type Io } from './shared.js'

/**
 * A new password: asked twice with echo off on a terminal, else the first line of standard
 * input (for scripts and tests; docs/operations.md).
 */
export async function readNewPassword(io: Io): Promise<string> {
  if (!io.stdin.isTTY) return firstLine(io.stdin)
  const first = await askHidden(io, 'Password: ')
  const second = await askHidden(io, 'Password again: ')
  if (first !== second) throw new CliError('the passwords do not match')
  return first
}

/** The first line, without its line ending; the rest of the input is not read. */
export async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8')
    if (text.includes('\n') || text.length > 4096) break
  }
  return text.split('\n')[0]?.replace(/\r$/, '') ?? ''
}

type RawInput = NodeJS.ReadableStream & { setRawMode?(mode: boolean): unknown }

/** Read one line from the terminal in raw mode, echoing nothing. */
function askHidden(io: Io, prompt: string): Promise<string> {
  const input = io.stdin as RawInput
  // echo goes off before the prompt shows: what is typed (or pasted) after it is never echoed
  input.setRawMode?.(true)
  io.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let text = ''
    const done = (error?: Error) => {
      input.removeListener('data', onData)
      input.setRawMode?.(false)
      input.pause()
      io.stderr.write('\n')
      if (error) reject(error)
      else resolve(text)
    }
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return done()
        if (char === '\u0003' || char === '\u0004') return done(new CliError('cancelled'))
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1)
        else if (char >= ' ') text += char
      }
    }
    input.resume()
    input.on('data', onData)
  })
}
