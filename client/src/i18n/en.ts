import { contractLabels } from './contract-labels.ts'

const labels = contractLabels('en')

import type zh from './zh-CN.ts'

const en: typeof zh = {
  app: { name: 'Shaowang', subtitle: 'Stability risk early warning', language: 'Language' },
  nav: { label: 'Main navigation', wall: 'Wall', duty: 'Duty', imports: 'Ledgers', rules: 'Rules', admin: 'Admin', township: 'Township' },
  screen: {
    wall: 'County risk overview',
    duty: 'Duty console',
    rules: 'Rules workbench',
    township: 'Township risk',
    admin: 'Administration',
    imports: 'Ledger imports',
    placeholder: 'This screen is under construction.',
  },
  level: labels.level,
  townships: { title: 'Townships', code: 'Code', name: 'Name', score: 'Score', level: 'Level', count: '{n} townships' },
  roster: { dutyOfficer: 'Duty officer', shiftLeader: 'Shift leader', none: 'no shift', title: 'On duty' },
  session: { signOut: 'Sign out' },
  wall: {
    demo: {
      real: 'Demo data',
      realHint: 'Simulated data at the county’s own pace',
      accelerated: 'Accelerated demo ×{factor}',
      acceleratedHint: 'Simulated events arrive {factor}× faster than the county’s own pace: today’s counts and the trend run high',
    },
    title: 'County stability risk',
    brand: 'Shaowang',
    county: 'County',
    kpi: {
      todayEvents: 'Events today',
      openAlerts: 'Open alerts',
      resolvedRatio: 'Resolved',
      onTimeRatio: 'On time',
      satisfaction: 'Satisfaction',
      total: 'Total',
    },
    source: labels.source,
    panel: {
      ranking: 'Township ranking',
      alerts: 'Live alerts',
      events: 'Latest events',
      trend: 'Events, last 30 days',
      hourly: 'Events today by hour',
      categories: 'Categories, last 30 days',
      map: 'County risk map',
    },
    state: labels.state,
    escalated: 'Supervised',
    recovered: 'Recovered',
    levelAlert: 'Level rose to {level}',
    count: '×{n}',
    silent: 'Silent',
    score: 'Score',
    signals: 'Top signals',
    noSignals: 'No signal details',
    points: '{n} pts',
    empty: { alerts: 'No alerts', alertsUnavailable: 'Alert service not connected', events: 'No events', eventsUnavailable: 'Event service not connected', chart: 'No data' },
    partial: ' (partial)',
    conn: {
      online: 'Online · live',
      connecting: 'Connecting…',
      offline: 'Offline',
      interrupted: 'Data interrupted',
      dataFrom: 'data from {age}',
      noData: 'no data yet',
    },
    flash: { title: { red: 'RED ALERT', orange: 'ORANGE ALERT' }, more: '+{rest} more', ack: 'awaiting acknowledgement' },
    sound: { on: 'Sound: on', off: 'Sound: off' },
    switchLanguage: '中文',
    thresholdsDefault: 'default thresholds',
  },
  common: { loading: 'Loading…', error: 'Something went wrong: {message}', retry: 'Retry', actions: 'Actions' },
}
export default en
