import { renderDocument, renderReply } from '../wire/render.js'

export const xmlContentType = 'text/xml; charset=UTF-8'

/** The body of a refused request (413, 400): still XML, never JSON or a stack trace. */
export const refusedBody = () => renderReply({ version: undefined, requestId: undefined, result: 'FAIL', error: 'AGENT_ERROR_GENERAL' })

export const notFoundBody = () => renderDocument({ name: 'Error', text: 'Not Found' })
