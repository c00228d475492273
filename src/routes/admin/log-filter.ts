import { auditEventChoices, auditEventId, auditEventName } from '../../domain/audit-events.js'
import { capitalise, formValue, selectField, textField } from './components.js'
import { type Html, html } from './html.js'

/** The Log page's filter, as query parameters named like the flags of `agentxml log`. */
export const filterKeys = ['user', 'event', 'outcome', 'source', 'since', 'until'] as const

export type FilterValues = Readonly<Record<(typeof filterKeys)[number], string>>

export function filterValues(query: unknown): FilterValues {
  const values = Object.fromEntries(filterKeys.map((key) => [key, formValue(query, key).trim()])) as Record<(typeof filterKeys)[number], string>
  // a typed name ("Login failed") is kept as its id, so the select shows it chosen
  if (values.event) values.event = auditEventId(values.event)
  return values
}

export const isFiltered = (values: FilterValues) => filterKeys.some((key) => values[key] !== '')

const outcomes = [
  ['', 'Any outcome'],
  ['success', 'Success'],
  ['failure', 'Failure'],
] as const

/** At a field, the problem without the list of forms (the summary above and the hint below have it). */
const short = (problem: string | undefined) => problem && capitalise(problem.split(': use ')[0] ?? problem)

/** The filter form; `problems` are shown at the fields they concern. */
export function filterForm(values: FilterValues, problems: ReadonlyMap<string, string>, exportLink: string | undefined): Html {
  const known = auditEventChoices()
  // an event this version has no name for can still be filtered on (it came in the URL)
  const unknown = values.event && !known.some(([id]) => id === values.event) ? [[values.event, auditEventName(values.event)] as const] : []
  return html`<form method="get" action="/admin/log" class="filters panel" role="search" aria-label="Filter the log">
<div class="filter-fields">
${textField({ name: 'user', label: 'User or admin', value: values.user, type: 'search', error: short(problems.get('user')) })}
${selectField({ name: 'event', label: 'Event', value: values.event, options: [['', 'All events'], ...known, ...unknown] })}
${selectField({ name: 'outcome', label: 'Outcome', value: values.outcome, options: outcomes, error: short(problems.get('outcome')) })}
${textField({ name: 'source', label: 'Source address', value: values.source, type: 'search', error: short(problems.get('source')) })}
${textField({ name: 'since', label: 'From', value: values.since, error: short(problems.get('since')), autocomplete: 'off' })}
${textField({ name: 'until', label: 'Until', value: values.until, error: short(problems.get('until')), autocomplete: 'off' })}
</div>
<p class="hint">From and Until take a date (2026-11-28), a UTC time (2026-11-28 14:30) or a time ago (30m, 24h, 7d). Until a date includes that whole day.</p>
<div class="actions"><button type="submit">Filter</button>${isFiltered(values) ? html`<a class="button secondary" href="/admin/log">Clear</a>` : ''}
${exportLink ? html`<a class="button secondary" href="${exportLink}" download>Export CSV</a>` : ''}</div></form>`
}
