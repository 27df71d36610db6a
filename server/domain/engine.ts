// The pure engine core: no I/O, no clock of its own. Its code is in ./risk-core/, one module
// per rule kind over an explicit township state (docs/architecture.md). The live runner that
// feeds it is server/engine/live-engine.ts; the plugin that wires the runner is
// server/plugins/engine.ts.
export { createEngine } from './risk-core/core.ts'
export { SIGNAL_EPSILON } from './decay.ts'
export type {
  AlertDecision,
  Engine,
  EngineOptions,
  EngineOutput,
  Explanation,
  Signal,
  SignalExplanation,
  TownshipChange,
  TownshipSnapshot,
} from './risk-core/types.ts'
