import type { Db } from '../db/connect.ts'
import type { Role } from '../db/schema.ts'
import type { Config } from './config.ts'
import { DEFAULT_RULE_SET } from './domain/default-ruleset.ts'
import { findLiveVersion, insertVersion, listVersions, markLive } from './modules/rulesets/repository.ts'
import { recordAudit } from './modules/audit/repository.ts'
import { countFeeds, createFeed } from './modules/feeds/repository.ts'
import { countUsers, createUser, findUserByUsername } from './modules/users/repository.ts'

/** The demo county's people: documented in README and printed at start; refused in production. */
export const DEMO_USERS: Array<{ username: string; password: string; roles: Role[]; township?: string; displayName: string }> = [
  { username: 'admin', password: 'demo-admin-2026', roles: ['admin'], displayName: '系统管理员' },
  { username: 'analyst', password: 'demo-analyst-2026', roles: ['analyst'], displayName: '研判分析员' },
  { username: 'duty', password: 'demo-duty-2026', roles: ['duty'], displayName: '值班员' },
  { username: 'leader', password: 'demo-leader-2026', roles: ['leader'], displayName: '县领导' },
  { username: 'township', password: 'demo-township-2026', roles: ['township'], township: '990100001', displayName: '城关街道综治中心' },
]

export interface BootstrapReport {
  createdAdmin: boolean
  createdFeed: boolean
  publishedDefaultRules: boolean
  demoUsers: typeof DEMO_USERS
}

/** First-start set-up on an empty database; a restart changes nothing. */
export async function bootstrap(db: Db, config: Config): Promise<BootstrapReport> {
  const report: BootstrapReport = { createdAdmin: false, createdFeed: false, publishedDefaultRules: false, demoUsers: [] }
  const empty = (await countUsers(db)) === 0
  if (empty && config.adminPassword) {
    await createUser(db, { username: 'admin', password: config.adminPassword, roles: ['admin'], displayName: 'Administrator' })
    report.createdAdmin = true
  }
  if (config.demo) {
    for (const demo of DEMO_USERS) {
      if (await findUserByUsername(db, demo.username)) continue
      await createUser(db, { ...demo, demo: true })
      report.demoUsers.push(demo)
    }
  }
  if (config.feedToken && (await countFeeds(db)) === 0) {
    await createFeed(db, { name: 'default', description: 'created from FEED_TOKEN', createdBy: 'bootstrap', token: config.feedToken })
    report.createdFeed = true
  }
  // The engine needs rules from the first minute: the practice-based defaults, which analysts
  // then tune. Only on a database that has never had a rule set.
  if ((await listVersions(db)).length === 0 && !(await findLiveVersion(db))) {
    await db.transaction().execute(async (trx) => {
      const version = await insertVersion(trx, { document: DEFAULT_RULE_SET, comment: '默认规则集（按县级综治实践编写）', basedOn: null, createdBy: 'system' })
      await markLive(trx, version.id, 'system', 'initial rule set', new Date())
    })
    report.publishedDefaultRules = true
  }
  if (report.createdAdmin || report.createdFeed || report.publishedDefaultRules || report.demoUsers.length) {
    await recordAudit(db, { actor: 'system', actorKind: 'system', action: 'system.bootstrap', to: { admin: report.createdAdmin, feed: report.createdFeed, defaultRules: report.publishedDefaultRules, demoUsers: report.demoUsers.map((u) => u.username) } })
  }
  return report
}
