import type { Agent, NasClient, NewAuditEntry, User } from '../schema/index.js'
import { userOf } from '../user-row.js'
import type { LoginView, Settings, Store, StoredSetting } from '../store.js'
import type { GroupCommit, SyncDb } from './group-commit.js'

/**
 * The hot-path units on SQLite (see store.ts): every unit runs synchronously inside the group
 * commit, reads and writes alike, so no other writer comes in between and no row lock is
 * needed. Settings are checked against their version in the unit's own transaction.
 */
export function sqliteStore(options: {
  sql: SyncDb
  inWriteBatch: GroupCommit
  /** See Background.readAhead; none for the commands, whose purges are small. */
  readAhead?: (time: number, limit: number) => Promise<void>
  close: () => Promise<void>
}): Store {
  const { sql, inWriteBatch, readAhead } = options
  let cached: Settings | undefined

  const settingsNow = (): Settings => {
    const version = sql.get<{ version: number }>('SELECT version FROM settings_version')?.version ?? 0
    if (cached?.version !== version) {
      const rows = sql.all<{ key: string; value: string }>('SELECT key, value FROM policies')
      cached = Object.freeze({
        version,
        policies: new Map(rows.map((row) => [row.key, row.value])),
        delivery: new Map(sql.all<StoredSetting & { key: string }>('SELECT key, value, sealed FROM delivery_settings').map(({ key, value, sealed }) => [key, { value, sealed }])),
        agents: Object.freeze(sql.all<Agent>('SELECT * FROM agents ORDER BY name')),
        nasClients: Object.freeze(sql.all<NasClient>('SELECT * FROM nas_clients ORDER BY name')),
      })
    }
    return cached
  }

  return {
    engine: 'sqlite',

    provision: (nameKey, limits, decide) =>
      inWriteBatch((sql) => {
        const hits = limits.map((limit) => sql.get<{ hits: number }>(hitStatement, [limit.key, limit.now + limit.windowMs, limit.now, limit.now])?.hits ?? 0)
        const row = sql.get<{ id: number; name: string; mobile: number; code_hash: Buffer | null; expires_at: number | null }>(
          `SELECT users.id, users.name, users.mobile, provision_codes.code_hash, provision_codes.expires_at
          FROM users LEFT JOIN provision_codes ON provision_codes.user_id = users.id WHERE users.name_key = ?`,
          [nameKey],
        )
        const user = row && { id: row.id, name: row.name, mobile: row.mobile }
        const pending = row?.code_hash ? { code_hash: row.code_hash, expires_at: row.expires_at ?? 0 } : undefined
        return decide(
          { settings: settingsNow(), hits, user, pending },
          {
            consumeCode: (userId) => void sql.run('DELETE FROM provision_codes WHERE user_id = ?', [userId]),
            bindDevice(device) {
              sql.run('DELETE FROM devices WHERE user_id = ?', [device.userId])
              sql.run('INSERT INTO devices (user_id, id_hash, device_os, push_id, created_at) VALUES (?, ?, ?, ?, ?)', [
                device.userId,
                device.idHash,
                device.deviceOs,
                device.pushId,
                device.now,
              ])
            },
          },
        )
      }),

    download: (idHash, decide) =>
      inWriteBatch((sql) => {
        const device = sql.get<{ id: number; userName: string }>(
          'SELECT devices.id, users.name AS userName FROM devices JOIN users ON users.id = devices.user_id WHERE devices.id_hash = ?',
          [idHash],
        )
        return decide(
          { settings: settingsNow(), device },
          {
            // in place (a device keeps its batch id): one page written, where a delete and an insert write several
            replaceBatch(deviceId, sealed, now) {
              const updated = sql.get<{ id: number }>('UPDATE string_batches SET strings = ?, created_at = ? WHERE device_id = ? RETURNING id', [sealed, now, deviceId])
              if (updated) sql.run('DELETE FROM used_strings WHERE batch_id = ?', [updated.id])
              else sql.run('INSERT INTO string_batches (device_id, strings, created_at) VALUES (?, ?, ?)', [deviceId, sealed, now])
            },
          },
        )
      }),

    login: (nameKey, decide) =>
      inWriteBatch((sql) => {
        const row = sql.get<LoginRow>(
          `SELECT users.*, devices.id AS device_id, string_batches.id AS batch_id, string_batches.strings AS batch_strings
          FROM users
          LEFT JOIN devices ON devices.user_id = users.id
          LEFT JOIN string_batches ON string_batches.device_id = devices.id
          WHERE users.name_key = ?`,
          [nameKey],
        )
        return decide(loginView(settingsNow(), row, sql), {
          // the SELECT makes a batch id no row has (the decoy's 0) burn nothing, with the same statement
          burn: (batchId, index, now) =>
            void sql.run('INSERT INTO used_strings (batch_id, idx, used_at) SELECT id, ?, ? FROM string_batches WHERE id = ? ON CONFLICT DO NOTHING', [index, now, batchId]),
          setFailures: (userId, failedLogins, lockedAt) =>
            void sql.run('UPDATE users SET failed_logins = ?, locked_at = ? WHERE id = ?', [failedLogins, lockedAt, userId]),
          setPin(userId, pin) {
            sql.run('UPDATE users SET pin = ?, pin_set_at = ?, pin_history = ?, pin_reminded_at = NULL WHERE id = ?', [pin.pin, pin.pin_set_at, pin.pin_history, userId])
            sql.run(withdrawPinMessages, [userId])
          },
          audit: (entry) => insertAuditRows(sql, [entry]),
        })
      }),

    async tokenIndex(nameKey) {
      return sql.get<{ highest: number | null }>(
        `SELECT (SELECT max(idx) FROM used_strings WHERE used_strings.batch_id = string_batches.id) AS highest
        FROM users JOIN devices ON devices.user_id = users.id JOIN string_batches ON string_batches.device_id = devices.id
        WHERE users.name_key = ?`,
        [nameKey],
      )
    },

    insertAudit: (entries) => inWriteBatch((sql) => insertAuditRows(sql, entries)),

    async deleteAuditBefore(time, limit) {
      await readAhead?.(time, limit)
      return inWriteBatch((sql) => sql.run('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE time < ? ORDER BY time LIMIT ?)', [time, limit]))
    },

    settings: () => inWriteBatch(() => settingsNow()),

    exclusively: async (_name, work) => {
      await work()
      return true
    },

    async ping() {
      sql.get('SELECT version FROM settings_version')
    },

    close: options.close,
  }
}

/** One hit on a rate limit (repositories/rate-limits.ts has the same statement through the query builder). */
const hitStatement = `INSERT INTO rate_limits (key, hits, reset_at) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.hits + 1 END,
  reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END
  RETURNING hits`

/** A new PIN withdraws a message with an older one still queued (transports/queue.ts withdrawQueued, for one kind). */
const withdrawPinMessages = `UPDATE messages SET status = 'failed', body = NULL, claimed_until = NULL, last_error = 'superseded by a newer PIN'
  WHERE user_name = (SELECT name FROM users WHERE id = ?) AND status = 'queued' AND kind = 'pin'`

type LoginRow = User & { device_id: number | null; batch_id: number | null; batch_strings: Buffer | null }

/** The batch's burnt strings are looked up one at a time when a code names it, and counted only when asked. */
function loginView(settings: Settings, row: LoginRow | undefined, sql: SyncDb): LoginView {
  if (!row) return { settings, user: undefined, deviceId: null, batch: null }
  const { device_id, batch_id, batch_strings } = row
  const user = userOf(row)
  const batch =
    batch_id === null || batch_strings === null
      ? null
      : {
          id: batch_id,
          sealed: batch_strings,
          usedCount: () => sql.get<{ used: number }>('SELECT count(*) AS used FROM used_strings WHERE batch_id = ?', [batch_id])?.used ?? 0,
          isUsed: (index: number) => sql.get('SELECT 1 FROM used_strings WHERE batch_id = ? AND idx = ?', [batch_id, index]) !== undefined,
        }
  return { settings, user, deviceId: device_id, batch }
}

function insertAuditRows(sql: SyncDb, entries: readonly NewAuditEntry[]): void {
  for (const entry of entries) {
    sql.run(
      'INSERT INTO audit_log (time, event, message, user_name, actor, actor_type, source, outcome, detail, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [entry.time, entry.event, entry.message, entry.user_name ?? null, entry.actor ?? null, entry.actor_type ?? null, entry.source ?? null, entry.outcome, entry.detail ?? null, entry.node ?? null],
    )
  }
}
