// Where the live engine's output goes: alert decisions to the alerts service (with the events
// they cite), risk changes and accepted events to the realtime hub. The events of the engine step
// under way are held here, so their decisions need not read them back.
import type { Db } from '../../db/connect.ts'
import type { LastEventSnapshot } from '../../db/schema.ts'
import type { RiskEvent } from '../domain/event.ts'
import type { AlertsApi } from '../modules/alerts/plugin.ts'
import type { RealtimeHub } from '../realtime/hub.ts'
import type { EngineSink } from './live-engine.ts'
import { eventsByIds } from './store-repository.ts'

export interface StepSinkDeps {
  db: Db
  applyDecisions: AlertsApi['applyDecisions']
  riskChanged: RealtimeHub['riskChanged']
  eventAccepted: RealtimeHub['eventAccepted']
}

export interface StepSink {
  sink: EngineSink
  /** Runs one engine step over `events`, keeping them in hand while it runs. */
  step(events: RiskEvent[], run: (events: RiskEvent[]) => Promise<void>): Promise<void>
}

export function stepSink(deps: StepSinkDeps): StepSink {
  /** The events of the engine step under way, by id. */
  const inHand = new Map<number, RiskEvent>()
  const snapshot = (e: RiskEvent): LastEventSnapshot => ({
    id: e.id,
    source: e.source,
    sourceSystem: e.sourceSystem,
    externalId: e.externalId,
    occurredAt: new Date(e.occurredAt).toISOString(),
  })
  const sink: EngineSink = {
    applyAlerts: async (decisions, now) => {
      const ids = [...new Set(decisions.flatMap((d) => (d.eventId === null ? [] : [d.eventId])))]
      // The step's own events are in hand; only older ones (a rebuild's) are read back.
      const missing = ids.filter((id) => !inHand.has(id))
      const held = ids.flatMap((id) => (inHand.has(id) ? [inHand.get(id)!] : []))
      const events = new Map([...held, ...(await eventsByIds(deps.db, missing))].map((e) => [e.id, snapshot(e)]))
      await deps.applyDecisions(decisions, { now, events })
    },
    riskChanged: (changes) => deps.riskChanged(changes as Parameters<RealtimeHub['riskChanged']>[0]),
    eventAccepted: (event) => deps.eventAccepted({ ...event, occurredAt: new Date(event.occurredAt) }),
  }
  return {
    sink,
    async step(events, run) {
      for (const e of events) inHand.set(e.id, e)
      try {
        await run(events)
      } finally {
        inHand.clear()
      }
    },
  }
}
