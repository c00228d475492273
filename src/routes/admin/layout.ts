import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { Html, html } from './html.js'
import { css } from './style.js'

export type Section = 'users' | 'repositories' | 'policy' | 'settings' | 'agents' | 'radius' | 'queue' | 'log' | 'admins'

const sections: readonly [Section, string, string][] = [
  ['users', 'User Management', '/admin/users'],
  ['repositories', 'Repositories', '/admin/repositories'],
  ['policy', 'Policy', '/admin/policy'],
  ['settings', 'Settings', '/admin/settings'],
  ['agents', 'Agents', '/admin/agents'],
  ['radius', 'RADIUS', '/admin/radius'],
  ['queue', 'Queue', '/admin/queue'],
  ['log', 'Log', '/admin/log'],
  ['admins', 'Administrators', '/admin/admins'],
]

export const productName = 'agentxml'

/** Verbatim: its bytes must match the hash the CSP allows. */
const stylesheet = new Html(css)

export interface PageOptions {
  readonly title: string
  readonly body: Html
  /** Signed in: the header shows who, the menu and sign-out. */
  readonly session?: ConsoleSession | undefined
  readonly section?: Section
  /** Use the whole width of the window (the log's many columns), not the reading width. */
  readonly wide?: boolean
}

/** The whole document around a page's body: header, left menu, content. */
export function page({ title, body, session, section, wide }: PageOptions): string {
  const nav = session
    ? html`<nav aria-label="Main menu">${sections.map(
        ([key, label, href]) => html`<a href="${href}"${key === section ? html` aria-current="page"` : ''}>${label}</a>`,
      )}</nav>`
    : ''
  const who = session
    ? html`<div class="who"><span>Signed in as <strong>${session.adminName}</strong></span>
        <form method="post" action="/admin/sign-out"><input type="hidden" name="csrf" value="${session.csrfToken}">
        <button type="submit">Sign out</button></form></div>`
    : ''
  const main = html`<main id="main"${wide ? html` class="wide"` : ''}>${body}</main>`
  const content = session ? html`<div class="shell">${nav}${main}</div>` : main
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${productName} administration</title>
<link rel="icon" href="data:,">
<style>${stylesheet}</style></head>
<body><header><div class="product">${productName}<span>PINsafe AgentXML administration</span></div>${who}</header>
${content}</body></html>`}\n`
}
