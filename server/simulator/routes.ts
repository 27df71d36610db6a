import fp from 'fastify-plugin'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ErrorResponse, HttpError } from '../http-errors.ts'
import { SCENARIO_NAMES } from './scenarios.ts'
import type { Simulator } from './runner.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-process demo simulator while it runs (DEMO=1, SIMULATOR_RATE > 0), else null. */
    simulator: Simulator | null
    /** The demo's 60-day history: `loading` from start until it is stored and its cases handled; null without a demo. */
    demoHistory: 'loading' | 'ready' | null
  }
}

const routes: FastifyPluginAsyncZod = async (app) => {
  if (!app.hasDecorator('simulator')) app.decorate('simulator', null)
  if (!app.hasDecorator('demoHistory')) app.decorate('demoHistory', null)
  // Stop streaming before the database closes.
  app.addHook('onClose', async () => {
    await app.simulator?.stop()
    app.simulator = null
  })

  app.post(
    '/api/v1/simulator/scenarios/:name',
    {
      schema: {
        tags: ['simulator'],
        summary: 'Play a scripted demo scenario through the running simulator',
        params: z.object({ name: z.enum(SCENARIO_NAMES as [string, ...string[]], { error: `must be one of ${SCENARIO_NAMES.join(', ')}` }) }),
        response: { 202: z.object({ scenario: z.string(), events: z.number().int(), township: z.string().nullable(), endsAt: z.string() }), 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const simulator = app.simulator
      if (!simulator) throw new HttpError(409, 'simulator_off', 'the simulator is not running (start with DEMO=1 and SIMULATOR_RATE > 0)')
      const run = simulator.trigger(request.params.name)
      return reply.code(202).send({ scenario: run.name, events: run.events, township: run.township, endsAt: new Date(run.endsAt).toISOString() })
    },
  )
}

// fastify-plugin: the `simulator` decorator must be visible app-wide (main.ts sets it).
export default fp(routes, { name: 'simulator' })
