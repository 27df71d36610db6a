export default {
  app: { name: '哨望', subtitle: '社会稳定风险预警', language: '语言' },
  nav: { wall: '大屏', duty: '值班台', rules: '规则', admin: '管理', township: '乡镇' },
  screen: {
    wall: '全县风险态势',
    duty: '值班处置台',
    rules: '规则工作台',
    township: '乡镇风险详情',
    admin: '系统管理',
    placeholder: '此页面正在建设中。',
  },
  level: { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' },
  townships: { title: '乡镇列表', code: '代码', name: '名称', score: '风险分', level: '等级', count: '共 {n} 个乡镇（街道）' },
  session: { signOut: '退出' },
  common: { loading: '加载中…', error: '出错了：{message}', retry: '重试' },
}
