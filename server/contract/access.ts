// The roles a user may hold (docs/architecture.md, "People and access"). Pure.
export { ROLES, type Role } from '../../db/schema.ts'
