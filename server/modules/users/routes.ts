import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../../../db/connect.ts'
import { type Role, ROLES } from '../../../db/schema.ts'
import { actorOf } from '../../access/principal.ts'
import { hashPassword } from '../../access/secrets.ts'
import { conflict, ErrorResponse, type FieldError, HttpError, isUniqueViolation, notFound } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { revokeUserSessions } from '../session/repository.ts'
import { TownshipCode } from '../townships/schema.ts'
import { createUser, findPersonById, findUserByUsername, listUsers, lockEnabledAdmins, townshipExists, type UserChanges, type UserView, updateUser } from './repository.ts'
import { DbId } from '../../validation.ts'

const Username = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2–64 characters: lowercase letters, digits, ".", "_" or "-"')
const Password = z.string().min(12, 'at least 12 characters').max(256, 'at most 256 characters')
const Roles = z
  .array(z.enum(ROLES))
  .min(1, 'at least one role')
  .refine((roles) => new Set(roles).size === roles.length, 'each role once')
const DisplayName = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters')

export const User = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(z.enum(ROLES)),
  township: z.string().nullable(),
  disabled: z.boolean(),
  /** Created by DEMO=1 with a documented password. */
  demo: z.boolean(),
  /** Set while the account is locked after repeated failed sign-ins. */
  lockedUntil: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
})

const NewUser = z.object({
  username: Username,
  password: Password,
  roles: Roles,
  township: TownshipCode.optional(),
  displayName: DisplayName.optional(),
})

const UserPatch = z
  .object({
    roles: Roles.optional(),
    township: TownshipCode.nullable().optional(),
    displayName: DisplayName.nullable().optional(),
    disabled: z.boolean().optional(),
    password: Password.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'nothing to change')

const Id = z.object({ id: DbId })

const invalid = (fields: FieldError[]) => new HttpError(400, 'validation', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields })

function view(u: UserView): z.infer<typeof User> {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    township: u.township,
    disabled: u.disabled,
    demo: u.demo,
    lockedUntil: u.lockedUntil,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  }
}

const sameRoles = (a: Role[], b: Role[]) => a.length === b.length && a.every((r) => b.includes(r))
const isEnabledAdmin = (roles: Role[], disabled: boolean) => !disabled && roles.includes('admin')

const routes: FastifyPluginAsyncZod = async (app) => {
  /** A township officer needs an existing township; nobody else has one. */
  async function checkTownship(db: Db, roles: Role[], township: string | null): Promise<void> {
    if (roles.includes('township')) {
      if (!township) throw invalid([{ field: 'township', message: 'required for the township role' }])
      if (!(await townshipExists(db, township))) throw invalid([{ field: 'township', message: `no township ${township}` }])
    } else if (township) {
      throw invalid([{ field: 'township', message: 'only for the township role' }])
    }
  }

  app.get(
    '/api/v1/users',
    { schema: { tags: ['users'], summary: 'Every person with an account (not wall displays: see kiosks)', response: { 200: z.array(User) } } },
    async () => (await listUsers(app.db)).map(view),
  )

  app.post(
    '/api/v1/users',
    { schema: { tags: ['users'], summary: 'Create a user', body: NewUser, response: { 201: User, 409: ErrorResponse } } },
    async (request, reply) => {
      const body = request.body
      await checkTownship(app.db, body.roles, body.township ?? null)
      if (await findUserByUsername(app.db, body.username)) throw conflict(`username ${body.username} is taken`, [{ field: 'username', message: 'already taken' }])
      const { actor, actorKind } = actorOf(request.principal)
      const passwordHash = await hashPassword(body.password)
      const user = await app.db.transaction().execute(async (trx) => {
        const created = await createUser(trx, { username: body.username, passwordHash, roles: body.roles, township: body.township ?? null, displayName: body.displayName ?? null })
        await recordAudit(trx, {
          actor,
          actorKind,
          action: 'user.create',
          target: `user:${created.username}`,
          to: { roles: created.roles, township: created.township, displayName: created.displayName },
          ip: request.ip,
        })
        return created
      }).catch((err: unknown) => {
        // Someone took the name between the check above and the insert.
        if (isUniqueViolation(err)) throw conflict(`username ${body.username} is taken`, [{ field: 'username', message: 'already taken' }])
        throw err
      })
      return reply.code(201).send(view(user))
    },
  )

  app.patch(
    '/api/v1/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change roles, township, name, disabled or password; ends the user’s sessions when access changes',
        params: Id,
        body: UserPatch,
        response: { 200: User, 409: ErrorResponse },
      },
    },
    async (request) => {
      const { id } = request.params
      const patch = request.body
      const now = app.now()
      const { actor, actorKind } = actorOf(request.principal)
      const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password)
      let sessionsEnded = 0
      const result = await app.db.transaction().execute(async (trx) => {
        const before = await findPersonById(trx, id)
        if (!before) throw notFound(`user ${id}`)
        const roles = patch.roles ?? before.roles
        // Dropping the township role drops the township with it.
        const township = patch.township !== undefined ? patch.township : roles.includes('township') ? before.township : null
        const disabled = patch.disabled ?? before.disabled
        await checkTownship(trx, roles, township)

        if (isEnabledAdmin(before.roles, before.disabled) && !isEnabledAdmin(roles, disabled)) {
          const admins = await lockEnabledAdmins(trx)
          if (admins.filter((a) => a !== id).length === 0) {
            throw new HttpError(409, 'last_admin', 'at least one enabled administrator must remain: make someone else an administrator first')
          }
        }

        const changes: UserChanges = {}
        const from: Record<string, unknown> = {}
        const to: Record<string, unknown> = {}
        const change = <K extends Exclude<keyof UserChanges, 'passwordHash'>>(key: K, was: unknown, value: UserChanges[K]) => {
          changes[key] = value
          from[key] = was
          to[key] = value
        }
        if (!sameRoles(roles, before.roles)) change('roles', before.roles, roles)
        if (township !== before.township) change('township', before.township, township)
        if (patch.displayName !== undefined && patch.displayName !== before.displayName) change('displayName', before.displayName, patch.displayName)
        if (disabled !== before.disabled) change('disabled', before.disabled, disabled)
        if (passwordHash !== undefined) {
          changes.passwordHash = passwordHash
          to['password'] = 'reset'
        }
        if (Object.keys(changes).length === 0) return view(before)

        const after = await updateUser(trx, id, changes, now)
        // Whatever narrows or re-keys access takes effect now, not at the next sign-in.
        const endsSessions = changes.roles !== undefined || 'township' in changes || changes.disabled === true || changes.passwordHash !== undefined
        sessionsEnded = endsSessions ? await revokeUserSessions(trx, id, now) : 0
        await recordAudit(trx, {
          actor,
          actorKind,
          action: 'user.update',
          target: `user:${before.username}`,
          from,
          to,
          note: sessionsEnded ? `${sessionsEnded} session(s) ended` : null,
          ip: request.ip,
        })
        return view(after)
      })
      // After the commit: the user's open sockets close now too (README, "Users").
      if (sessionsEnded) app.bus.emit('sessions:ended', { userId: id })
      return result
    },
  )
}

export default routes
