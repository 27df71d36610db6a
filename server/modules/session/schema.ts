import { z } from 'zod'
import { ROLES } from '../../../db/schema.ts'

export const SessionUser = z.object({
  username: z.string(),
  roles: z.array(z.enum(ROLES)),
  township: z.string().optional(),
  kiosk: z.boolean().optional(),
})

/** Who is signed in, the CSRF token for writes, and the centre's zone (TZ_DISPLAY), in which every screen shows and counts times. */
export const SessionResponse = z.object({ user: SessionUser, csrfToken: z.string(), timeZone: z.string() })
export type SessionResponse = z.infer<typeof SessionResponse>
