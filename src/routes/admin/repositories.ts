import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Repository, SyncRun } from '../../db/schema/index.js'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { countsOf, syncRepository } from '../../domain/directory-sync.js'
import { DomainError } from '../../domain/errors.js'
import {
  addRepository,
  BindPasswordNeeded,
  changeRepository,
  describeRepository,
  plainLdapOf,
  PlainLdapRefused,
  RepositoryNotFound,
  repositoryList,
  type RepositoryView,
} from '../../domain/repositories.js'
import type { Services } from '../../domain/services.js'
import { badge, capitalise, csrfField, errorBox, formValue, notice, withQuery } from './components.js'
import { formatTime, type Html, html } from './html.js'
import { page } from './layout.js'
import { type FormValues, formValues, repositoryFields, settingsFrom, valuesOf } from './repository-form.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

const statusBadge = (run: SyncRun | undefined) =>
  !run ? badge('muted', 'never synchronised')
  // an ok run's error is a warning (a sync that found no entries)
  : run.status === 'ok' && run.error ? badge('bad', run.dry_run ? 'warning (dry run)' : 'warning')
  : run.status === 'ok' ? badge('ok', run.dry_run ? 'ok (dry run)' : 'ok')
  : run.status === 'running' ? badge('muted', 'running')
  : badge('bad', run.status)

const counts = (run: SyncRun) =>
  `${run.entries} entries, ${run.added} added, ${run.updated} updated, ${run.removed} marked removed, ${run.restored} restored, ${run.deleted} deleted, ${run.conflicts} not synchronised`

function syncButtons(session: ConsoleSession, name: string, back: string): Html {
  const csrf = csrfField(session)
  const form = (label: string, dry: boolean, kind: string) =>
    html`<form method="post" action="/admin/repositories/sync">${csrf}<input type="hidden" name="name" value="${name}"><input type="hidden" name="back" value="${back}">${dry ? html`<input type="hidden" name="dryRun" value="yes">` : ''}<button type="submit"${kind ? html` class="${kind}"` : ''}>${label}</button></form>`
  return html`<div class="actions">${form('Sync now', false, '')}${form('Dry run', true, 'secondary')}</div>`
}

function row(session: ConsoleSession, { repository: r, users, runs }: RepositoryView): Html {
  const last = runs[0]
  return html`<tr><td><a href="${withQuery('/admin/repository', { name: r.name })}">${r.name}</a></td><td>${r.url}${plainBadge(r)}</td>
<td>${users.total}${users.removed ? html` <span class="muted">(${users.removed} marked removed)</span>` : ''}</td>
<td>${statusBadge(last)} ${last ? formatTime(last.started_at) : ''}${last ? html`<div class="muted">${counts(last)}</div>` : ''}${last?.error ? html`<div class="field-error">${last.error}</div>` : ''}</td>
<td>${r.interval_minutes ? `every ${r.interval_minutes} min` : 'on demand'}</td><td>${syncButtons(session, r.name, 'list')}</td></tr>`
}

async function listPage(services: Services, session: ConsoleSession, top: Html | '', form: FormValues = {}, problem?: Problem) {
  const views = await repositoryList(services)
  const body = html`<h1>User repositories</h1>${top}
<p class="muted">Users synchronised from Active Directory or another LDAP directory. An entry that disappears is marked removed and deleted only after the grace period; a sync that would remove too many users stops.</p>
<table><thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Users</th><th scope="col">Last sync</th><th scope="col">Schedule</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${views.length ? views.map((view) => row(session, view)) : html`<tr><td colspan="6" class="muted">No user repositories yet: every user is local.</td></tr>`}</tbody></table>
<h2 id="add">Add repository</h2>${errorBox(problem?.message)}
<form method="post" action="/admin/repositories" class="panel">${csrfField(session)}${repositoryFields(form, false)}
<div class="actions"><button type="submit">Add repository</button></div></form>`
  return page({ title: 'User repositories', session, section: 'repositories', body })
}

function runsTable(runs: readonly SyncRun[]): Html {
  return html`<table><thead><tr><th scope="col">Started</th><th scope="col">By</th><th scope="col">Result</th><th scope="col">Counts</th></tr></thead>
<tbody>${runs.length ? runs.map((run) => html`<tr><td>${formatTime(run.started_at)}</td><td>${run.trigger}</td><td>${statusBadge(run)}${run.error ? html`<div class="field-error">${run.error}</div>` : ''}</td><td>${counts(run)}</td></tr>`) : html`<tr><td colspan="4" class="muted">Never synchronised.</td></tr>`}</tbody></table>`
}

/** Why a change was refused: the message, and the password field's own error when it is about the password. */
interface Problem {
  readonly message: string
  readonly password?: string
}

/** The domain's refusal in the console's words (its fields, not the command's options). */
function problemOf(err: DomainError): Problem {
  const message = capitalise(err.message)
  if (err instanceof BindPasswordNeeded) return { message: `Nothing was changed: ${err.message}.`, password: `${message}.` }
  if (err instanceof PlainLdapRefused) return { message: `${message}: use an ldaps:// URL or StartTLS, or tick "Allow plain LDAP".` }
  return { message }
}

const plainBadge = (r: Repository) => {
  const plain = plainLdapOf(r)
  return plain === 'allowed' ? html` ${badge('bad', 'plain LDAP: passwords in clear')}` : plain === 'refused' ? html` ${badge('bad', 'plain LDAP not allowed: not used')}` : ''
}

function detailPage(session: ConsoleSession, view: RepositoryView, top: Html | '', form?: FormValues, problem?: Problem) {
  const { repository: r, users } = view
  const body = html`<p><a href="/admin/repositories">← User repositories</a></p><h1>Repository ${r.name}</h1>${top}
<section class="panel"><dl class="details"><dt>URL</dt><dd>${r.url}${r.start_tls ? ' with StartTLS' : ''}${plainBadge(r)}</dd><dt>Base DN</dt><dd>${r.base_dn}</dd>
<dt>Filter</dt><dd><code>${r.filter}</code></dd><dt>Users</dt><dd>${users.total}${users.removed ? ` (${users.removed} marked removed)` : ''}</dd></dl>
${syncButtons(session, r.name, 'detail')}</section>
<h2>Recent synchronisations</h2>${runsTable(view.runs)}
<h2 id="edit">Settings</h2>${errorBox(problem?.message)}
<form method="post" action="/admin/repository" class="panel">${csrfField(session)}${repositoryFields(form ?? valuesOf(r), true, problem?.password)}
<div class="actions"><button type="submit">Save settings</button></div></form>`
  return page({ title: `Repository ${r.name}`, session, section: 'repositories', body })
}

/** The Repositories pages: list with last sync, counts and errors; Sync now; add; each one's runs and settings. */
export async function repositoryRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const showDetail = async (request: FastifyRequest, reply: FastifyReply, name: string, status: number, top: Html | '', form?: FormValues, problem?: Problem) => {
    const session = requireSession(request)
    try {
      return send(reply, status, detailPage(session, await describeRepository(services, name), top, form, problem))
    } catch (err) {
      if (!(err instanceof RepositoryNotFound)) throw err
      return send(reply, 404, page({ title: 'Not found', session, section: 'repositories', body: html`<h1>Repository not found</h1><p>There is no repository "${name}".</p>` }))
    }
  }

  app.get('/repositories', async (request, reply) => {
    const added = formValue(request.query, 'added')
    return send(reply, 200, await listPage(services, requireSession(request), notice(added ? `Repository "${added}" added. Sync now to read its users.` : undefined)))
  })

  app.post('/repositories', async (request, reply) => {
    const values = formValues(request.body)
    const settings = settingsFrom(values, false)
    try {
      await addRepository(consoleServices(services, request), { ...settings, name: settings.name ?? '' })
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, await listPage(services, requireSession(request), '', values, problemOf(err)))
    }
    return reply.redirect(withQuery('/admin/repositories', { added: settings.name }), 303)
  })

  app.get('/repository', async (request, reply) => {
    const saved = formValue(request.query, 'saved') === '1'
    return showDetail(request, reply, formValue(request.query, 'name'), 200, notice(saved ? 'Settings saved.' : undefined))
  })

  app.post('/repository', async (request, reply) => {
    const original = formValue(request.body, 'original')
    const values = formValues(request.body)
    try {
      await changeRepository(consoleServices(services, request), original, settingsFrom(values, true))
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return showDetail(request, reply, original, 400, '', values, problemOf(err))
    }
    return reply.redirect(withQuery('/admin/repository', { name: values.name || original, saved: '1' }), 303)
  })

  // the sync runs while the administrator waits: its outcome is the page they come back to
  app.post('/repositories/sync', async (request, reply) => {
    const name = formValue(request.body, 'name')
    const dryRun = formValue(request.body, 'dryRun') === 'yes'
    let top: Html | ''
    try {
      const report = await syncRepository(consoleServices(services, request), name, { trigger: 'console', dryRun })
      top = report.status === 'ok' && report.warning
        ? errorBox(`${dryRun ? 'Dry run, nothing was changed' : 'Synchronised'}: ${countsOf(report)}. ${report.warning}.`)
        : report.status === 'ok'
        ? notice(`${dryRun ? 'Dry run, nothing was changed' : 'Synchronised'}: ${countsOf(report)}.`)
        : report.status === 'failed' ? errorBox(`Synchronisation failed, nothing was changed: ${report.error ?? 'unknown error'}`)
        : errorBox(report.error ?? 'Synchronisation stopped.')
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      top = errorBox(capitalise(err.message))
    }
    if (formValue(request.body, 'back') === 'detail') return showDetail(request, reply, name, 200, top)
    return send(reply, 200, await listPage(services, requireSession(request), top))
  })
}
