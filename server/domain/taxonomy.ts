// The taxonomy lives in the shared contract (server/contract/taxonomy.ts, docs/architecture.md).
export * from '#contract/taxonomy.ts'
