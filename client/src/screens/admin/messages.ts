import geoMessages from './geo-messages.ts'

export default {
  zh: {
    title: '系统管理',
    tabs: { users: '用户与角色', feeds: '数据接入', kiosks: '大屏配对', geo: '地理边界', silences: '预警屏蔽', audit: '审计日志' },
    unavailable: '该功能的服务端接口尚未上线。',
    empty: '暂无记录。',
    create: '新建',
    save: '保存',
    cancel: '取消',
    revoke: '撤销',
    edit: '编辑',
    never: '从未',
    roles: { admin: '管理员', analyst: '分析员', duty: '值班员', leader: '领导', township: '乡镇' },
    users: {
      username: '用户名', displayName: '姓名', password: '初始密码', roles: '角色', township: '所属乡镇', disabled: '停用', status: '状态', active: '正常', lastLogin: '最近登录',
      create: '新建用户', resetPassword: '重置密码', newPassword: '新密码', passwordReset: '密码已重置', none: '（无）',
    },
    feeds: { name: '名称', create: '新建接入令牌', lastUsed: '最近使用', createdAt: '创建时间', revoked: '已撤销' },
    kiosks: { name: '名称（如：指挥中心大屏）', create: '新建配对', lastUsed: '最近使用', createdAt: '创建时间' },
    secret: {
      title: '请立即复制', warning: '此凭据只显示这一次，关闭后无法再查看。请妥善保存，不要通过聊天工具明文发送。',
      token: '令牌', pairingUrl: '配对链接', copy: '复制', copied: '已复制', dismiss: '我已保存，关闭',
    },
    geo: geoMessages.zh,
    silences: {
      township: '乡镇', ruleId: '规则', level: '等级', reason: '原因', expiresAt: '到期时间', createdBy: '创建人', any: '（任意）', create: '新建屏蔽', matchers: '匹配条件',
    },
    audit: {
      actor: '操作人', action: '操作', from: '起', to: '止', search: '查询', at: '时间', target: '对象', change: '变更', note: '备注', ip: 'IP', next: '下一页', previous: '上一页', page: '第 {n} 页',
    },
    errors: {
      required: '必填', tooLong: '太长', usernameFormat: '字母开头，2–64 位字母、数字或 _ . -', usernameTaken: '用户名已存在', passwordShort: '密码至少 12 位',
      roleRequired: '至少选择一个角色', roleUnknown: '未知角色', townshipRequired: '乡镇角色须指定所属乡镇', townshipCode: '乡镇代码为 9 位数字',
      matcherRequired: '至少指定一个匹配条件（乡镇、规则或等级）', expiryPast: '到期时间须晚于现在', rangeOrder: '结束须晚于开始',
    },
  },
  en: {
    title: 'Administration',
    tabs: { users: 'Users & roles', feeds: 'Feeds', kiosks: 'Wall pairing', geo: 'Geography', silences: 'Silences', audit: 'Audit log' },
    unavailable: 'The server side of this is not available yet.',
    empty: 'Nothing here yet.',
    create: 'Create',
    save: 'Save',
    cancel: 'Cancel',
    revoke: 'Revoke',
    edit: 'Edit',
    never: 'never',
    roles: { admin: 'Admin', analyst: 'Analyst', duty: 'Duty', leader: 'Leader', township: 'Township' },
    users: {
      username: 'Username', displayName: 'Name', password: 'Initial password', roles: 'Roles', township: 'Township', disabled: 'Disabled', status: 'Status', active: 'Active', lastLogin: 'Last sign-in',
      create: 'Create user', resetPassword: 'Reset password', newPassword: 'New password', passwordReset: 'Password reset', none: '(none)',
    },
    feeds: { name: 'Name', create: 'Create feed token', lastUsed: 'Last used', createdAt: 'Created', revoked: 'revoked' },
    kiosks: { name: 'Name (e.g. command-centre wall)', create: 'Create pairing', lastUsed: 'Last used', createdAt: 'Created' },
    secret: {
      title: 'Copy it now', warning: 'This credential is shown only once and cannot be retrieved after you close this. Keep it safe; do not paste it into chat.',
      token: 'Token', pairingUrl: 'Pairing URL', copy: 'Copy', copied: 'Copied', dismiss: 'I saved it, close',
    },
    geo: geoMessages.en,
    silences: {
      township: 'Township', ruleId: 'Rule', level: 'Level', reason: 'Reason', expiresAt: 'Expires', createdBy: 'By', any: '(any)', create: 'Create silence', matchers: 'Matches',
    },
    audit: {
      actor: 'Actor', action: 'Action', from: 'From', to: 'To', search: 'Search', at: 'Time', target: 'Target', change: 'Change', note: 'Note', ip: 'IP', next: 'Next', previous: 'Previous', page: 'Page {n}',
    },
    errors: {
      required: 'required', tooLong: 'too long', usernameFormat: 'a letter, then 1–63 letters, digits, _ . or -', usernameTaken: 'already taken', passwordShort: 'at least 12 characters',
      roleRequired: 'pick at least one role', roleUnknown: 'unknown role', townshipRequired: 'a township user needs a township', townshipCode: 'a township code has 9 digits',
      matcherRequired: 'match at least a township, a rule or a level', expiryPast: 'must be in the future', rangeOrder: 'must be after the start',
    },
  },
}
