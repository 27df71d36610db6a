// Day numbers in the centre's time zone live in the shared contract (server/contract/zoned-time.ts).
export { type LocalDays, localDays } from '#contract/zoned-time.ts'
