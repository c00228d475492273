import type { Action } from './action.js'

export const ping: Action = {
  name: 'ping',
  agentOnly: false,
  run: async () => [],
}
