import type { Migration } from 'kysely/migration'
import * as m0001 from './0001_geography.ts'
import * as m0002 from './0002_access.ts'
import * as m0003 from './0003_kiosk.ts'
import * as m0004 from './0004_events.ts'
import * as m0005 from './0005_rules.ts'
import * as m0006 from './0006_alerts.ts'
import * as m0008 from './0008_notifications.ts'
import * as m0009 from './0009_cases.ts'
import * as m0010 from './0010_escalation_steps.ts'
import * as m0011 from './0011_geo_versions.ts'
import * as m0012 from './0012_notification_deliveries.ts'
import * as m0013 from './0013_channel_rate_bucket.ts'
import * as m0014 from './0014_region_lifecycle.ts'
import * as m0015 from './0015_code_tables.ts'

// Listed explicitly (not read from the file system) so the same migrations run under Node,
// Vitest and any bundler. Names sort in the order they must run; add new files at the end.
export const migrations: Record<string, Migration> = {
  '0001_geography': m0001,
  '0002_access': m0002,
  '0003_kiosk': m0003,
  '0004_events': m0004,
  '0005_rules': m0005,
  '0006_alerts': m0006,
  '0008_notifications': m0008,
  '0009_cases': m0009,
  '0010_escalation_steps': m0010,
  '0011_geo_versions': m0011,
  '0012_notification_deliveries': m0012,
  '0013_channel_rate_bucket': m0013,
  '0014_region_lifecycle': m0014,
  '0015_code_tables': m0015,
}
