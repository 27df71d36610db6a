// Township page messages; merged under `township.` (see i18n/index.ts).
export default {
  zh: {
    back: { duty: '← 返回值班台', wall: '← 返回大屏' },
    score: '风险分',
    updatedAt: '更新于 {time}',
    notFound: '未找到乡镇 {code}',
    loading: '加载中…',
    error: '加载失败：{message}',
    history: { title: '近 30 天风险分', empty: '暂无历史数据', unavailable: '历史数据接口暂不可用，当前风险分 {score}' },
    explanation: { title: '当前风险构成' },
    events: { title: '近期事件', empty: '暂无事件', unavailable: '事件接口暂不可用', more: '加载更多', linked: '信号关联事件' },
    alerts: { title: '本乡镇预警', empty: '暂无预警', unavailable: '预警接口暂不可用' },
    tags: { county_seat: '县城', border: '接边', resettlement: '移民安置', difficult: '难点村', industrial_park: '工业园区' },
  },
  en: {
    back: { duty: '← Back to the duty console', wall: '← Back to the wall' },
    score: 'Score',
    updatedAt: 'updated {time}',
    notFound: 'Township {code} not found',
    loading: 'Loading…',
    error: 'Could not load: {message}',
    history: { title: 'Score, last 30 days', empty: 'No history yet', unavailable: 'History is not available yet; score now {score}' },
    explanation: { title: 'What makes up the score' },
    events: { title: 'Recent events', empty: 'No events', unavailable: 'The events service is not available yet', more: 'Load more', linked: 'Events of the signals' },
    alerts: { title: 'Alerts of this township', empty: 'No alerts', unavailable: 'The alerts service is not available yet' },
    tags: { county_seat: 'County seat', border: 'Border', resettlement: 'Resettlement', difficult: 'Difficult', industrial_park: 'Industrial park' },
  },
}
