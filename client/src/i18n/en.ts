import type zh from './zh-CN.ts'

const en: typeof zh = {
  app: { name: 'Shaowang', subtitle: 'Stability risk early warning', language: 'Language' },
  nav: { wall: 'Wall', duty: 'Duty', rules: 'Rules', admin: 'Admin', township: 'Township' },
  screen: {
    wall: 'County risk overview',
    duty: 'Duty console',
    rules: 'Rules workbench',
    township: 'Township risk',
    admin: 'Administration',
    placeholder: 'This screen is under construction.',
  },
  level: { blue: 'Blue', yellow: 'Yellow', orange: 'Orange', red: 'Red' },
  townships: { title: 'Townships', code: 'Code', name: 'Name', score: 'Score', level: 'Level', count: '{n} townships' },
  login: {
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    signOut: 'Sign out',
    badCredentials: 'Wrong username or password',
    locked: 'Too many failed sign-ins: this account is locked for a while. Try again later.',
    rateLimited: 'Too many attempts. Try again in a minute.',
    pairingFailed: 'This wall pairing link is not valid or was revoked. Ask an administrator for a new one.',
    unreachable: 'Cannot reach the server',
  },
  common: { loading: 'Loading…', error: 'Something went wrong: {message}', retry: 'Retry' },
}
export default en
