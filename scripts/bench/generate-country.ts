// A generated country for the scale runs (docs/architecture.md §10): ~40,000 townships under ~2,900 counties
// and millions of events over a year, in a fresh PostgreSQL database beside DATABASE_URL,
// migrated with the project's own migrator.
//
// The rows are made by PostgreSQL itself (INSERT … SELECT over generate_series), not sent from
// Node: nothing crosses the socket, which beats COPY and multi-row INSERTs alike (there is no
// COPY helper among the dependencies). The event table's indexes and foreign keys are dropped
// for the load and re-created after it from their own definitions, as a bulk load should.
//
// Shape (not uniform, so the engine sees hot and quiet townships): township popularity follows
// a power law (the top 1 % of townships get ~10 % of events), permuted so the hot ones are
// spread over the country; events arrive in time order (ids follow arrival, as in production),
// most reported within minutes, a few days late; sources and categories in the demo county's
// proportions; 30 % of events carry a party hash drawn from a heavy-tailed pool (so escalation
// chains happen); a few percent carry the flags and attributes the default rules look at. Every
// township files a zero report (零报告) for each of the last 3 days it had no event, as a
// reporting country would; older zero reports are left out (see BENCHMARKS.md).
//
// Usage: node scripts/bench/generate-country.ts [--townships=40000] [--events=10000000] [--keep]
//   Prints the database URL. Without --keep the database is dropped again at exit (a dry run of
//   the generator); the bench uses generateCountry() and drops it itself unless --keep is given.
//   A kept database is found by name (shaowang_bench_<townships>t_<events>e) and reused after
//   refreshing its last days of zero reports and clearing what a previous run wrote.
import pg from 'pg'
import { connectDatabase } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'

export interface CountryOptions {
  /** postgres:// URL of an existing database; the country is created beside it. */
  baseUrl: string
  townships: number
  events: number
  /** Reuse a database of the same name left by an earlier --keep run. */
  reuse: boolean
  /** Days of history, ending now. */
  days?: number
  log?: (line: string) => void
}

export interface Country {
  url: string
  name: string
  townships: number
  events: number
  reused: boolean
  /** Seconds spent generating (0 when reused). */
  seconds: number
  drop(): Promise<void>
}

const TOWNSHIPS_PER_COUNTY = 14
const MARK = 'shaowang bench country v1'
const CHUNK = 1_000_000
/** The server's default TZ_DISPLAY: zero reports are for local days. */
const ZONE = 'Asia/Shanghai'

export function countryName(townships: number, events: number): string {
  return `shaowang_bench_${townships}t_${events}e`
}

function urlFor(baseUrl: string, database: string): string {
  const u = new URL(baseUrl)
  u.pathname = `/${database}`
  return u.toString()
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** The SQL for a township's code from its index k (0-based): county 1NNNNN, township NNN inside it. */
const codeOf = (k: string) =>
  `(lpad((100000 + (${k}) / ${TOWNSHIPS_PER_COUNTY})::text, 6, '0') || lpad(((${k}) % ${TOWNSHIPS_PER_COUNTY} + 1)::text, 3, '0'))`

export async function generateCountry(options: CountryOptions): Promise<Country> {
  const log = options.log ?? (() => {})
  const name = countryName(options.townships, options.events)
  const url = urlFor(options.baseUrl, name)
  const days = options.days ?? 365
  const drop = () => withClient(options.baseUrl, async (c) => void (await c.query(`drop database if exists ${name} with (force)`)))
  const t0 = performance.now()

  const existing = await withClient(options.baseUrl, async (c) => {
    const r = await c.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
      [name],
    )
    return r.rows[0]
  })
  if (existing && options.reuse && existing.comment === MARK) {
    log(`reusing ${name}`)
    await withClient(url, (c) => prepareForRun(c))
    return { url, name, townships: options.townships, events: options.events, reused: true, seconds: 0, drop }
  }
  if (existing) await drop()
  await withClient(options.baseUrl, (c) => c.query(`create database ${name}`))

  const handle = await connectDatabase({ kind: 'postgres', url })
  try {
    await migrateToLatest(handle.db)
  } finally {
    await handle.close()
  }

  await withClient(url, async (c) => {
    await c.query(`set synchronous_commit = off; set maintenance_work_mem = '512MB'; set max_parallel_maintenance_workers = 1`)
    const T = options.townships
    const counties = Math.ceil(T / TOWNSHIPS_PER_COUNTY)
    await c.query(
      `insert into region (code, parent_code, level, name, kind, tags)
       select lpad((100000 + g)::text, 6, '0'), null, 'county', '县' || g, 'county', '{}'::text[]
       from generate_series(0, ${counties - 1}) g`,
    )
    await c.query(
      `insert into region (code, parent_code, level, name, kind, tags)
       select ${codeOf('k')}, lpad((100000 + k / ${TOWNSHIPS_PER_COUNTY})::text, 6, '0'), 'township', '乡镇' || k,
              case when k % ${TOWNSHIPS_PER_COUNTY} = 0 then 'street' else 'town' end,
              case when k % ${TOWNSHIPS_PER_COUNTY} = 0 then array['county_seat'] when k % 9 = 4 then array['border'] else '{}'::text[] end
       from generate_series(0, ${T - 1}) k`,
    )
    log(`${counties.toLocaleString('en')} counties, ${T.toLocaleString('en')} townships`)

    // Drop what slows a bulk insert; re-created below from the saved definitions. (The `offset 0`
    // below keeps PostgreSQL from inlining a subquery, which would re-roll its random() columns.)
    const indexes = (
      await c.query<{ def: string; name: string }>(
        `select indexdef as def, indexname as name from pg_indexes
         where tablename = 'event' and indexname not in (select conname from pg_constraint where conrelid = 'event'::regclass)`,
      )
    ).rows
    const constraints = (
      await c.query<{ name: string; def: string }>(
        `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
         where conrelid = 'event'::regclass and contype in ('p', 'u', 'f') order by contype desc`,
      )
    ).rows
    const referencing = (
      await c.query<{ tbl: string; name: string; def: string }>(
        `select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def from pg_constraint
         where confrelid = 'event'::regclass and contype = 'f'`,
      )
    ).rows
    for (const r of referencing) await c.query(`alter table ${r.tbl} drop constraint ${r.name}`)
    for (const i of indexes) await c.query(`drop index ${i.name}`)
    for (const k of constraints) await c.query(`alter table event drop constraint ${k.name}`)

    const N = options.events
    const spanSec = days * 86_400
    for (let lo = 1; lo <= N; lo += CHUNK) {
      const hi = Math.min(N, lo + CHUNK - 1)
      const t = performance.now()
      await c.query(
        `insert into event (source, source_system, external_id, township, category, severity, people_count,
                            occurred_at, reported_at, received_at, status, title, attributes, party_hashes,
                            party_count, content_hash, submitted_by, updated_at)
         select src, 'bench', 'e' || g, twp, cat, sev, ppl, occ, occ, rcv, 'open', null, attrs, parties,
                cardinality(parties), 'h' || g, 'bench', rcv
         from (
           select g, rcv, rcv - (power(random(), 6) * interval '3 days') as occ,
                  ${codeOf('tk')} as twp,
                  s.src, s.cat, s.attrs,
                  case when random() < 0.06 then 3 + floor(random() * 2)::int else 1 + floor(random() * 2)::int end as sev,
                  case when s.src = 'petition' and random() < 0.04 then 5 + floor(random() * 20)::int
                       when random() < 0.01 then 2 + floor(random() * 10)::int else 1 end as ppl,
                  case when random() < 0.3 then array['p' || floor(${Math.max(1000, Math.round(N / 5))} * power(random(), 1.5))::bigint] else '{}'::text[] end as parties
           from (
             select g, now() - interval '${days} days' + ((g - 0.5) / ${N}.0) * ${spanSec} * interval '1 second' as rcv, random() as rs, random() as rc, random() as ra,
                    (floor(${T} * power(random(), 2.2))::bigint * 7919) % ${T} as tk
             from generate_series(${lo}, ${hi}) g
             offset 0
           ) base,
           lateral (
             select src,
                    (case src
                       when 'dispute' then array['family','neighbour','land','demolition','wages','property','medical','environment','debt','traffic','other']
                       when 'petition' then array['demolition','labour','litigation','construction','rural','environment','veterans','public_service','other']
                       else array['public_order','traffic','criminal','fire','mental_health','drugs','mass','extreme','other'] end
                    )[1 + floor(rc * case src when 'dispute' then 11 else 9 end)::int] as cat,
                    case
                      when src = 'dispute' and ra < 0.03 then '{"flags":["group"]}'::jsonb
                      when src = 'dispute' and ra < 0.04 then '{"flags":["civil_to_criminal"]}'::jsonb
                      when src = 'dispute' and ra < 0.07 then '{"flags":["difficult"]}'::jsonb
                      when src = 'dispute' then '{"flags":[],"mediation":"people"}'::jsonb
                      when src = 'petition' and ra < 0.10 then '{"form":"visit","repeat":true}'::jsonb
                      when src = 'petition' and ra < 0.11 then '{"form":"visit","skipLevel":true}'::jsonb
                      when src = 'petition' and ra < 0.113 then '{"form":"visit","abnormal":true}'::jsonb
                      when src = 'petition' then '{"form":"letter","firstTime":true}'::jsonb
                      else '{"policeStation":"派出所"}'::jsonb
                    end as attrs
             from (select case when rs < 0.55 then 'dispute' when rs < 0.77 then 'petition' else 'incident' end as src) x
           ) s
           offset 0
         ) e`,
      )
      log(`events ${hi.toLocaleString('en')} / ${N.toLocaleString('en')} (${((performance.now() - t) / 1000).toFixed(1)} s for this chunk)`)
    }

    const ti = performance.now()
    for (const k of constraints.filter((x) => !x.def.startsWith('FOREIGN KEY'))) await c.query(`alter table event add constraint ${k.name} ${k.def}`)
    for (const i of indexes) await c.query(i.def)
    for (const k of constraints.filter((x) => x.def.startsWith('FOREIGN KEY'))) await c.query(`alter table event add constraint ${k.name} ${k.def}`)
    for (const r of referencing) await c.query(`alter table ${r.tbl} add constraint ${r.name} ${r.def}`)
    log(`indexes and constraints re-created in ${((performance.now() - ti) / 1000).toFixed(1)} s`)
    await c.query('analyze')
    await prepareForRun(c)
    await c.query(`comment on database ${name} is '${MARK}'`)
  })
  const seconds = (performance.now() - t0) / 1000
  log(`${name}: generated in ${seconds.toFixed(0)} s`)
  return { url, name, townships: options.townships, events: options.events, reused: false, seconds, drop }
}

/**
 * Make a (possibly kept) country look like a country running now: zero reports for the last
 * 3 days where a township had no event, and nothing a previous server run wrote (alerts, risk).
 */
async function prepareForRun(c: pg.Client): Promise<void> {
  // A previous run's alerts and scores would change what a rebuild reconciles.
  await c.query(`truncate alert_change, alert, township_risk`)
  // A running PostgreSQL's autovacuum would have vacuumed a table that took 10 M inserts, which
  // sets its visibility map (index-only scans, such as the rebuild's first-id lookup, depend on
  // it); the test server here runs with autovacuum off, so the bench does it (seconds; nothing
  // to do once done).
  await c.query('vacuum (analyze) event')
  await c.query(
    `insert into zero_report (township, date, reported_at, reported_by)
     select r.code, d.day, least(d.day::timestamp at time zone '${ZONE}' + interval '20 hours', now() - interval '5 minutes'), 'bench'
     from region r, lateral (select ((now() at time zone '${ZONE}')::date - i) as day from generate_series(0, 2) i) d
     where r.level = 'township'
       and not exists (select 1 from event e where e.township = r.code
                        and e.occurred_at >= d.day::timestamp at time zone '${ZONE}'
                        and e.occurred_at < (d.day + 1)::timestamp at time zone '${ZONE}')
     on conflict (township, date) do update set reported_at = excluded.reported_at`,
  )
}

if (import.meta.main) {
  const arg = (n: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${n}=`))?.split('=')[1] ?? d)
  const baseUrl = process.env['DATABASE_URL']
  if (!baseUrl) {
    console.error('generate-country: set DATABASE_URL to a PostgreSQL database; the country is created beside it')
    process.exit(2)
  }
  const keep = process.argv.includes('--keep')
  const country = await generateCountry({
    baseUrl,
    townships: arg('townships', 40_000),
    events: arg('events', 10_000_000),
    reuse: keep,
    log: (l) => console.error(`[country] ${l}`),
  })
  console.log(country.url)
  if (!keep) await country.drop()
}
