export * from './attributes.js'
export * from './encode.js'
export * from './packet.js'
export * from './user-password.js'
