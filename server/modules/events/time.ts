// Wall-clock time in the centre's time zone (TZ_DISPLAY) ⇄ instants lives in the shared contract
// (server/contract/zoned-time.ts). Ledgers and reportedAt values without an offset are local times of the centre.
export { instantOf, isIsoDate, isoInZone, localDate, offsetMinutes, parseIsoDateTime, type WallClock, wallClock } from '#contract/zoned-time.ts'
