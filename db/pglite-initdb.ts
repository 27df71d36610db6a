// Creates a new embedded database directory in a child process (see connectDatabase): PGlite's
// initdb leaves ~450 MB of memory behind in the process that ran it (a worker thread's memory is
// not returned either); a process returns all of it to the system when it exits.
import { PGlite } from '@electric-sql/pglite'

const [dataDir, postgresqlconf] = process.argv.slice(2) as [string, string]
const pglite = await PGlite.create(dataDir, { postgresqlconf })
await pglite.close()
