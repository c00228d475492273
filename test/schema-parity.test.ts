import { sql } from 'kysely'
import t from 'tap'
import { type Db, openDatabase } from '../src/db/index.js'
import { migrationProvider } from '../src/db/postgres/migrations/index.js'
import { dropDatabaseTarget, freshDatabaseTarget, openTestDatabase, testEngine } from './helpers/database.js'

// The two engines' migrations make one schema: the same tables, columns, nullability, keys,
// unique constraints, foreign keys and indexes, in each engine's own types. Needs both engines
// at once, so it runs in the PostgreSQL pass.

interface Column {
  name: string
  type: 'integer' | 'text' | 'blob'
  notNull: boolean
}

interface Table {
  columns: Column[]
  primaryKey: string[]
  unique: string[][]
  foreignKeys: string[]
  indexes: string[][]
}

type Schema = Record<string, Table>

const skip = testEngine !== 'postgres' && 'needs PostgreSQL beside SQLite: runs in the PostgreSQL pass'

const sqliteType = (type: string): Column['type'] => (/INT/i.test(type) ? 'integer' : /BLOB/i.test(type) ? 'blob' : 'text')
const pgType = (type: string): Column['type'] => (/int/.test(type) ? 'integer' : type === 'bytea' ? 'blob' : 'text')
const sorted = (lists: string[][]) => lists.map((list) => list.join(',')).sort()

async function sqliteSchema(db: Db): Promise<Schema> {
  const schema: Schema = {}
  const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'`.execute(db)
  for (const { name } of tables.rows) {
    const info = await sql<{ name: string; type: string; notnull: number; pk: number }>`SELECT * FROM pragma_table_info(${name})`.execute(db)
    const indexes = await sql<{ name: string; unique: number; origin: string }>`SELECT * FROM pragma_index_list(${name})`.execute(db)
    const keys = await sql<{ from: string; table: string; to: string; on_delete: string }>`SELECT * FROM pragma_foreign_key_list(${name})`.execute(db)
    const columnsOf = async (index: string) =>
      (await sql<{ name: string }>`SELECT name FROM pragma_index_info(${index}) ORDER BY seqno`.execute(db)).rows.map((row) => row.name)
    const unique: string[][] = []
    const plain: string[][] = []
    for (const index of indexes.rows) {
      if (index.origin === 'pk') continue
      ;(index.unique ? unique : plain).push(await columnsOf(index.name))
    }
    schema[name] = {
      // an INTEGER PRIMARY KEY is NOT NULL without saying so
      columns: info.rows.map((c) => ({ name: c.name, type: sqliteType(c.type), notNull: c.notnull === 1 || (c.pk > 0 && /INT/i.test(c.type)) })),
      primaryKey: info.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      unique: sorted(unique).map((k) => k.split(',')),
      foreignKeys: keys.rows.map((k) => `${k.from} -> ${k.table}(${k.to}) ON DELETE ${k.on_delete}`).sort(),
      indexes: sorted(plain).map((k) => k.split(',')),
    }
  }
  return schema
}

async function postgresSchema(db: Db): Promise<Schema> {
  const schema: Schema = {}
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely_%'`.execute(db)
  for (const { name } of tables.rows) {
    const columns = await sql<{ name: string; type: string; nullable: string }>`SELECT column_name AS name, data_type AS type, is_nullable AS nullable
      FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${name} ORDER BY ordinal_position`.execute(db)
    const indexes = await sql<{ primary: boolean; unique: boolean; columns: string[] }>`SELECT i.indisprimary AS primary, i.indisunique AS unique,
        array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns
      FROM pg_index i WHERE i.indrelid = ${name}::regclass`.execute(db)
    const keys = await sql<{ key: string }>`SELECT a.attname || ' -> ' || ct.relname || '(' || fa.attname || ') ON DELETE ' ||
        CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'NO ACTION' END AS key
      FROM pg_constraint c JOIN pg_class ct ON ct.oid = c.confrelid
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
      WHERE c.contype = 'f' AND c.conrelid = ${name}::regclass`.execute(db)
    schema[name] = {
      columns: columns.rows.map((c) => ({ name: c.name, type: pgType(c.type), notNull: c.nullable === 'NO' })),
      primaryKey: indexes.rows.find((i) => i.primary)?.columns ?? [],
      unique: sorted(indexes.rows.filter((i) => i.unique && !i.primary).map((i) => i.columns)).map((k) => k.split(',')),
      foreignKeys: keys.rows.map((k) => k.key).sort(),
      indexes: sorted(indexes.rows.filter((i) => !i.unique).map((i) => i.columns)).map((k) => k.split(',')),
    }
  }
  return schema
}

t.test('SQLite and PostgreSQL migrations make the same schema', { skip }, async (t) => {
  const sqlite = await openDatabase(':memory:', { create: true })
  t.teardown(() => sqlite.store.close())
  const postgres = await openTestDatabase()
  t.teardown(() => postgres.store.close())
  const [left, right] = [await sqliteSchema(sqlite.db), await postgresSchema(postgres.db)]
  t.same(Object.keys(right).sort(), Object.keys(left).sort(), 'the same tables')
  for (const table of Object.keys(left).sort()) t.same(right[table], left[table], table)
  t.ok(Object.keys(left).length >= 13, 'every table was compared')
})

t.test('two nodes starting at once on an empty database both come up; the migrations run once', { skip }, async (t) => {
  const target = await freshDatabaseTarget()
  // an empty database: the template's tables dropped
  const { db, store } = await openDatabase(target, { create: true })
  await sql`DROP SCHEMA public CASCADE`.execute(db)
  await sql`CREATE SCHEMA public`.execute(db)
  await store.close()
  const opened = await Promise.all([openDatabase(target, { create: true, keyCheck: 'k' }), openDatabase(target, { create: true, keyCheck: 'k' })])
  t.teardown(async () => {
    await Promise.all(opened.map((o) => o.store.close()))
    await dropDatabaseTarget(target)
  })
  const runs = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(opened[0].db)
  t.same(
    runs.rows.map((row) => row.name),
    Object.keys(await migrationProvider.getMigrations()).sort(),
    'each migration once',
  )
})
