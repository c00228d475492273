import type pg from 'pg'
import type { NewAuditEntry, User } from '../schema/index.js'
import { userOf } from '../user-row.js'
import type { Limit, LoginView, Settings, Store } from '../store.js'
import { literal, sql } from './literal.js'
import { type SettingsSource, settingsSource } from './settings.js'

type Rows = readonly pg.QueryResult[]

/**
 * The hot-path units on PostgreSQL (see store.ts): one short READ COMMITTED transaction per
 * unit, in two round trips. The first is `BEGIN`, the lock on the user's row (always first, and
 * the only row lock a unit takes, so units cannot deadlock), then the reads, each a statement
 * of its own so that it sees what was committed before the lock was granted; the second is the
 * unit's writes and `COMMIT`. A provision's attempt counts go before, in a transaction of their
 * own at the start of the first round trip. A node that stops between the two holds the row
 * until the server's idle-in-transaction timeout ends its session (open.ts).
 */
export function postgresStore(pool: pg.Pool, options: { close: () => Promise<void>; onError: (err: unknown) => void }): Store {
  const settings: SettingsSource = settingsSource(pool, options.onError)

  /**
   * `counted` statements run first, in a transaction of their own committed in the same round
   * trip: a counter every request shares (one address's provision attempts) is then locked for
   * its own upsert only, not for the whole unit, and requests do not queue behind each other.
   */
  async function unit<T>(reads: string, decide: (results: Rows, settings: Settings, writes: string[]) => T, counted: readonly string[] = []): Promise<T> {
    const client = await pool.connect()
    let healthy = true
    try {
      const first = counted.length > 0 ? `BEGIN; ${counted.join(';\n')}; COMMIT; ` : ''
      const results = (await client.query(`${first}BEGIN; ${reads}; SELECT version FROM settings_version`)) as unknown as Rows
      const version = Number(results.at(-1)?.rows[0]?.version ?? 0)
      const current = await settings.at(version, client)
      const writes: string[] = []
      // the counts, then the unit's reads: the BEGINs, the counts' COMMIT and the version left out
      const reading = counted.length > 0 ? counted.length + 3 : 1
      const value = decide([...results.slice(1, 1 + counted.length), ...results.slice(reading, -1)], current, writes)
      writes.push('COMMIT')
      await client.query(writes.join(';\n'))
      return value
    } catch (err) {
      healthy = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      )
      throw err
    } finally {
      // a connection whose state is unknown is closed, not handed to the next request
      client.release(!healthy)
    }
  }

  const lockUser = (nameKey: string) => sql`SELECT id FROM users WHERE name_key = ${nameKey} FOR UPDATE`

  return {
    engine: 'postgres',

    provision: (nameKey, limits, decide) =>
      unit(
        // the user's row, the one row lock of the unit (the counts are committed before it)
        [
          lockUser(nameKey),
          sql`SELECT users.id, users.name, users.mobile, provision_codes.code_hash, provision_codes.expires_at
            FROM users LEFT JOIN provision_codes ON provision_codes.user_id = users.id WHERE users.name_key = ${nameKey}`,
        ].join(';\n'),
        (results, current, writes) => {
          const hits = results.slice(0, limits.length).map((result) => Number(result.rows[0]?.hits ?? 0))
          const read = results[limits.length + 1]
          const row = read?.rows[0] as { id: number; name: string; mobile: number; code_hash: Buffer | null; expires_at: number | null } | undefined
          const user = row && { id: row.id, name: row.name, mobile: row.mobile }
          const pending = row?.code_hash ? { code_hash: row.code_hash, expires_at: row.expires_at ?? 0 } : undefined
          return decide(
            { settings: current, hits, user, pending },
            {
              consumeCode: (userId) => void writes.push(sql`DELETE FROM provision_codes WHERE user_id = ${userId}`),
              bindDevice(device) {
                writes.push(sql`DELETE FROM devices WHERE user_id = ${device.userId}`)
                writes.push(sql`INSERT INTO devices (user_id, id_hash, device_os, push_id, created_at)
                  VALUES (${device.userId}, ${device.idHash}, ${device.deviceOs}, ${device.pushId}, ${device.now})`)
              },
            },
          )
        },
        limits.map(hit),
      ),

    download: (idHash, decide) =>
      unit(
        // the device names the user to lock; read again once locked, it may have been replaced meanwhile
        `${sql`SELECT id FROM users WHERE id = (SELECT user_id FROM devices WHERE id_hash = ${idHash}) FOR UPDATE`};
        ${sql`SELECT devices.id, users.name AS "userName" FROM devices JOIN users ON users.id = devices.user_id WHERE devices.id_hash = ${idHash}`}`,
        ([, read], current, writes) => {
          const device = read?.rows[0] as { id: number; userName: string } | undefined
          return decide(
            { settings: current, device },
            {
              replaceBatch(deviceId, sealed, now) {
                writes.push(sql`INSERT INTO string_batches (device_id, strings, created_at) VALUES (${deviceId}, ${sealed}, ${now})
                  ON CONFLICT (device_id) DO UPDATE SET strings = excluded.strings, created_at = excluded.created_at`)
                writes.push(sql`DELETE FROM used_strings WHERE batch_id = (SELECT id FROM string_batches WHERE device_id = ${deviceId})`)
              },
            },
          )
        },
      ),

    login: (nameKey, decide) =>
      unit(
        `${lockUser(nameKey)}; ${sql`SELECT users.*, devices.id AS device_id, string_batches.id AS batch_id, string_batches.strings AS batch_strings,
            (SELECT array_agg(idx) FROM used_strings WHERE used_strings.batch_id = string_batches.id) AS used
          FROM users
          LEFT JOIN devices ON devices.user_id = users.id
          LEFT JOIN string_batches ON string_batches.device_id = devices.id
          WHERE users.name_key = ${nameKey}`}`,
        ([, read], current, writes) =>
          decide(loginView(current, read?.rows[0] as LoginRow | undefined), {
            burn: (batchId, index, now) =>
              void writes.push(sql`INSERT INTO used_strings (batch_id, idx, used_at) SELECT id, ${index}, ${now} FROM string_batches WHERE id = ${batchId}
                ON CONFLICT DO NOTHING`),
            setFailures: (userId, failedLogins, lockedAt) =>
              void writes.push(sql`UPDATE users SET failed_logins = ${failedLogins}, locked_at = ${lockedAt} WHERE id = ${userId}`),
            setPin(userId, pin) {
              writes.push(sql`UPDATE users SET pin = ${pin.pin}, pin_set_at = ${pin.pin_set_at}, pin_history = ${pin.pin_history}, pin_reminded_at = NULL WHERE id = ${userId}`)
              // a message with an older PIN still queued is withdrawn (transports/queue.ts withdrawQueued)
              writes.push(sql`UPDATE messages SET status = 'failed', body = NULL, claimed_until = NULL, last_error = 'superseded by a newer PIN'
                WHERE user_name = (SELECT name FROM users WHERE id = ${userId}) AND status = 'queued' AND kind = 'pin'`)
            },
            audit: (entry) => void writes.push(auditInsert([entry])),
          }),
      ),

    async tokenIndex(nameKey) {
      const { rows } = await pool.query<{ highest: number | null }>(
        `SELECT (SELECT max(idx) FROM used_strings WHERE used_strings.batch_id = string_batches.id) AS highest
        FROM users JOIN devices ON devices.user_id = users.id JOIN string_batches ON string_batches.device_id = devices.id
        WHERE users.name_key = $1`,
        [nameKey],
      )
      return rows[0]
    },

    async insertAudit(entries) {
      for (let start = 0; start < entries.length; start += 500) await insertAuditRows(pool, entries.slice(start, start + 500))
    },

    async deleteAuditBefore(time, limit) {
      const result = await pool.query('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE time < $1 ORDER BY time LIMIT $2)', [time, limit])
      return result.rowCount ?? 0
    },

    settings: () => settings.now(),

    async exclusively(name, work) {
      const client = await pool.connect()
      try {
        const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockSpace}, hashtext($1)) AS ok`, [name])
        if (!rows[0]?.ok) return false
        try {
          await work()
        } finally {
          await client.query(`SELECT pg_advisory_unlock(${lockSpace}, hashtext($1))`, [name])
        }
        return true
      } finally {
        client.release()
      }
    },

    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        await Promise.race([pool.query('SELECT 1'), timeout])
      } finally {
        clearTimeout(timer)
      }
    },

    async close() {
      await settings.close()
      await options.close()
    },
  }
}

/** One hit on a rate limit, its count returned (repositories/rate-limits.ts has the same upsert). */
const hit = (limit: Limit) =>
  sql`INSERT INTO rate_limits (key, hits, reset_at) VALUES (${limit.key}, 1, ${limit.now + limit.windowMs}) ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limits.reset_at <= ${limit.now} THEN 1 ELSE rate_limits.hits + 1 END,
    reset_at = CASE WHEN rate_limits.reset_at <= ${limit.now} THEN excluded.reset_at ELSE rate_limits.reset_at END
    RETURNING hits`

/** The first key of agentxml's advisory locks ('axml'); the second is the chore's name, hashed. */
const lockSpace = 0x61786d6c

type LoginRow = User & { device_id: number | null; batch_id: number | null; batch_strings: Buffer | null; used: number[] | null }

function loginView(settings: Settings, row: LoginRow | undefined): LoginView {
  if (!row) return { settings, user: undefined, deviceId: null, batch: null }
  const { device_id, batch_id, batch_strings, used } = row
  const user = userOf(row)
  const burnt = new Set(used ?? [])
  const batch = batch_id === null || batch_strings === null ? null : { id: batch_id, sealed: batch_strings, usedCount: () => burnt.size, isUsed: (index: number) => burnt.has(index) }
  return { settings, user, deviceId: device_id, batch }
}

const auditColumns = ['time', 'event', 'message', 'user_name', 'actor', 'actor_type', 'source', 'outcome', 'detail', 'node'] as const

async function insertAuditRows(pool: pg.Pool, entries: readonly NewAuditEntry[]): Promise<void> {
  const values: unknown[] = []
  const tuples = entries.map((entry) => {
    const start = values.length
    for (const column of auditColumns) values.push(entry[column] ?? null)
    return `(${auditColumns.map((_, n) => `$${start + n + 1}`).join(', ')})`
  })
  await pool.query(`INSERT INTO audit_log (${auditColumns.join(', ')}) VALUES ${tuples.join(', ')}`, values)
}

/** The same insert with its values written in, for a unit's second round trip (literal.ts). */
function auditInsert(entries: readonly NewAuditEntry[]): string {
  const tuples = entries.map((entry) => `(${auditColumns.map((column) => literal(entry[column] ?? null)).join(', ')})`)
  return `INSERT INTO audit_log (${auditColumns.join(', ')}) VALUES ${tuples.join(', ')}`
}

