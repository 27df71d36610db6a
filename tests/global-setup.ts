// Minimal placeholder so the `server` vitest project runs on the geo branch; the main branch's
// real global setup (PostgreSQL template database) supersedes it on merge.
export default function setup(): void {}
