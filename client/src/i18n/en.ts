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
  session: { signOut: 'Sign out' },
  common: { loading: 'Loading…', error: 'Something went wrong: {message}', retry: 'Retry' },
}
export default en
