import { createHash } from 'node:crypto'

/** What one rendering of the self-service page shows. */
export type PageState =
  | { readonly kind: 'form'; readonly action: string; readonly csrfToken: string; readonly username?: string; readonly fieldError?: string; readonly notice?: string }
  | { readonly kind: 'sent'; readonly action: string; readonly username: string; readonly validity: string }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'problem'; readonly title: string; readonly message: string; readonly action?: string }

const css = `
:root{color-scheme:light dark;--bg:#f4f6f8;--card:#fff;--text:#1b1f24;--muted:#4a5563;--accent:#0b57d0;--accent-text:#fff;--border:#8a94a3;--error:#b3261e;--ok-bg:#e7f4ea;--ok-border:#1e7b34;--warn-bg:#fdf0e6;--warn-border:#9a4b00}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1c2127;--text:#eef1f4;--muted:#b4bcc7;--accent:#8ab4f8;--accent-text:#0b1a33;--border:#7d8794;--error:#f2b8b5;--ok-bg:#15301d;--ok-border:#6dd58c;--warn-bg:#3a2614;--warn-border:#f5b26b}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1.5rem;background:var(--bg);color:var(--text);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:100%;max-width:28rem;background:var(--card);border-radius:12px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.08)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}
p{margin:0 0 1rem;color:var(--muted)}
label{display:block;font-weight:600;margin-bottom:.375rem}
input[type=text],input[type=password]{width:100%;font:inherit;padding:.625rem .75rem;border:2px solid var(--border);border-radius:8px;background:var(--card);color:var(--text)}
input[aria-invalid=true]{border-color:var(--error)}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.field{margin-bottom:1.25rem}
.field-error{color:var(--error);font-weight:600;margin:.375rem 0 0}
button{width:100%;font:inherit;font-weight:600;padding:.75rem 1rem;border:0;border-radius:8px;background:var(--accent);color:var(--accent-text);cursor:pointer}
button:hover{filter:brightness(1.08)}
.notice{border-left:4px solid var(--warn-border);background:var(--warn-bg);padding:.75rem 1rem;border-radius:4px;margin-bottom:1.25rem}
.notice.ok{border-color:var(--ok-border);background:var(--ok-bg)}
.notice p{color:var(--text);margin:0}
.notice p+p{margin-top:.5rem}
a{color:var(--accent)}
`.trim()

/** The page's only style, allowed by its hash: the policy allows nothing else (no scripts at all). */
export const styleHash = `sha256-${createHash('sha256').update(css).digest('base64')}`

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const title = 'Set up the mobile app'

export function renderPage(state: PageState): string {
  return selfServiceDocument(title, state.kind === 'problem' ? state.title : undefined, content(state) + otherPages(state))
}

/** One self-service page: its heading, the problem's name before it in the title when there is one, and its content. */
export function selfServiceDocument(heading: string, problem: string | undefined, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(problem === undefined ? heading : `${problem} - ${heading}`)}</title>
<style>${css}</style>
</head>
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
${body}
</main>
</body>
</html>
`
}

/** The PIN pages beside provisioning, linked from its form (they say themselves when they are off). */
function otherPages(state: PageState): string {
  if (state.kind !== 'form') return ''
  return '<p><a href="/reset/changepin.jsp">Change your PIN</a> · <a href="/reset/resetpin.jsp">Forgot your PIN?</a></p>\n'
}

function content(state: PageState): string {
  switch (state.kind) {
    case 'disabled':
      return notice('warn', 'status', ['Self-provisioning is not enabled on this server.', 'Ask your administrator for a provision code.'])
    case 'sent':
      return (
        notice('ok', 'status', [
          `Request received for <strong>${escapeHtml(state.username)}</strong>.`,
          `If this user may set up the mobile app, a provision code is on its way to the email address or phone number on record. It is valid for ${escapeHtml(state.validity)} and works once.`,
        ]) + `<p><a href="${escapeHtml(state.action)}">Request another code</a></p>`
      )
    case 'problem':
      return notice('warn', 'alert', [escapeHtml(state.message)]) + (state.action ? `<p><a href="${escapeHtml(state.action)}">Back to the form</a></p>` : '')
    case 'form':
      return form(state)
  }
}

export function notice(tone: 'ok' | 'warn', role: 'status' | 'alert', paragraphs: string[]): string {
  return `<div class="notice${tone === 'ok' ? ' ok' : ''}" role="${role}">${paragraphs.map((p) => `<p>${p}</p>`).join('')}</div>\n`
}

function form(state: Extract<PageState, { kind: 'form' }>): string {
  const error = state.fieldError
  // after an error the field has the focus, without a script
  const described = error ? ' aria-invalid="true" aria-describedby="username-error" autofocus' : ' aria-describedby="username-help"'
  return `${state.notice ? notice('warn', 'alert', [escapeHtml(state.notice)]) : ''}<p id="username-help">Enter your user name. If you may set up the mobile app, a provision code is sent to the email address or phone number on record; enter it in the app with your user name.</p>
<form method="post" action="${escapeHtml(state.action)}">
<input type="hidden" name="_csrf" value="${escapeHtml(state.csrfToken)}">
<div class="field">
<label for="username">User name</label>
<input id="username" name="username" type="text" value="${escapeHtml(state.username ?? '')}" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" required maxlength="128"${described}>
${error ? `<p id="username-error" class="field-error">${escapeHtml(error)}</p>\n` : ''}</div>
<button type="submit">Send me a provision code</button>
</form>
`
}
