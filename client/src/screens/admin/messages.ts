import codeMessages from './code-tables-messages.ts'
import geoMessages from './geo-messages.ts'
import regionMessages from './regions-messages.ts'

export default {
  zh: {
    title: '系统管理',
    tabs: { users: '用户与角色', feeds: '数据接入', kiosks: '大屏配对', regions: '区域', geo: '地理边界', codes: '代码表', silences: '预警屏蔽', notify: '通知', audit: '审计日志' },
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
    codes: codeMessages.zh,
    regions: regionMessages.zh,
    silences: {
      township: '乡镇', ruleId: '规则', level: '等级', reason: '原因', expiresAt: '到期时间', createdBy: '创建人', any: '（任意）', create: '新建屏蔽', matchers: '匹配条件', revoked: '已撤销', expired: '已过期',
    },
    audit: {
      actor: '操作人', action: '操作', from: '起', to: '止', search: '查询', at: '时间', target: '对象', change: '变更', note: '备注', ip: 'IP', next: '下一页', previous: '上一页', page: '第 {n} 页',
    },
    notify: {
      parts: { channels: '通知渠道', routes: '通知路由', roster: '值班表', outbox: '发送队列' },
      enabled: '启用', yes: '是', no: '否', delete: '删除',
      kinds: { webhook: '通用 Webhook', wecom: '企业微信机器人', dingtalk: '钉钉机器人', feishu: '飞书机器人', email: '电子邮件（SMTP）', sms: '短信网关' },
      channel: {
        kind: '类型', name: '名称', target: '地址', create: '新建渠道', host: 'SMTP 服务器', port: '端口', secure: 'SSL/TLS', user: '用户名', from: '发件人', to: '收件人（逗号分隔）',
        allowInsecureTls: '允许无证书的本地中继', bodyTemplate: '请求体模板（可用占位符 text、key）', contentType: '内容类型', ratePerMinute: '每分钟上限', maxAttempts: '最多尝试次数',
        url_webhook: '接收地址', url_wecom: '机器人 Webhook 地址', url_dingtalk: '机器人 Webhook 地址', url_feishu: '机器人 Webhook 地址', url_sms: '网关地址', url_email: '地址',
        secret_webhook: '签名密钥（可选）', secret_dingtalk: '加签密钥', secret_feishu: '签名校验密钥', secret_email: 'SMTP 密码', secret_sms: '网关密钥', secret_wecom: '密钥',
        secretKept: '已设置；留空则不修改', secretShort: '密钥', secretSet: '已设置', test: '测试发送', testing: '发送中…', testOk: '测试发送成功', testFailed: '测试发送失败',
      },
      route: {
        name: '名称', match: '匹配条件', townships: '乡镇', levels: '等级', rules: '规则', levelRule: '等级预警', hoursFrom: '时段起', hoursTo: '时段止',
        anyHint: '不选即为任意；时段可跨午夜（如 22:00–08:00）。', channels: '发送渠道', noChannels: '请先新建通知渠道。', create: '新建路由', all: '全部预警',
        audience: '通知对象', audiences: { duty: '值班（新预警、超时督办）', shift_leader: '带班领导（升级步骤）', county_leader: '县领导（升级步骤）' },
      },
      roster: { startsAt: '开始', endsAt: '结束', add: '添加班次', previous: '上一周', next: '下一周', createdBy: '创建人', now: '当班' },
      outbox: {
        states: { dead: '死信', pending: '待发送', sent: '已发送' }, refresh: '刷新', createdAt: '时间', channel: '渠道', alert: '预警', attempts: '尝试次数', next: '下次尝试', error: '失败原因', retry: '重试',
        kinds: { raised: '新预警', escalated: '升级督办', test: '测试' },
      },
      reasons: {
        required: '必填', maxChars: '最多 {n} 个字符', url: '须为 http:// 或 https:// 地址', email: '须为电子邮件地址', maxRecipients: '最多 {n} 个收件人', min: '不能小于 {n}', max: '不能大于 {n}',
        port: '端口须为 1–65535', positive: '须为正整数', nameTaken: '名称已被使用', hhmm: '时间格式须为 HH:MM', hoursDiffer: '起止时间不能相同', hoursBoth: '时段起止须同时填写',
        channelRequired: '至少选择一个渠道', maxChannels: '最多 {n} 个渠道', noChannel: '渠道不存在：{ids}', endAfterStart: '结束须晚于开始', shiftTooLong: '一个班次最长 7 天',
        rangeTooLong: '一次最多查询 62 天', dateTime: '时间格式无效', township: '乡镇代码为 9 位数字', unknownField: '含有不支持的字段', invalid: '取值无效',
        fieldsRefused: '服务器拒绝了提交，请按字段提示修改。', forbidden: '没有权限执行此操作。', notFound: '记录不存在（可能已被删除），请刷新。', conflict: '与现有记录冲突。',
        signedOut: '登录已失效，请重新登录。', server: '服务器暂时无法处理，请稍后重试。', refused: '服务器拒绝了请求。', network: '无法连接服务器。',
        deliveryHttp: '接收方返回 HTTP {status}', deliveryRobot: '机器人返回错误码 {code}（请检查地址与密钥）', deliveryTimeout: '接收方超时未应答', deliveryUnreachable: '无法连接接收方（地址不可达或拒绝连接）',
        deliveryTls: '证书校验失败', deliveryAuth: '认证失败（用户名或密码错误）', deliveryRedirect: '接收方要求重定向（不支持）', deliveryUnknown: '发送失败（未知原因）',
      },
    },
    errors: {
      required: '必填', tooLong: '太长', usernameFormat: '字母开头，2–64 位字母、数字或 _ . -', usernameTaken: '用户名已存在', passwordShort: '密码至少 12 位',
      roleRequired: '至少选择一个角色', roleUnknown: '未知角色', townshipRequired: '乡镇角色须指定所属乡镇', townshipCode: '乡镇代码为 9 位数字',
      matcherRequired: '至少指定一个匹配条件（乡镇、规则或等级）', expiryPast: '到期时间须晚于现在', rangeOrder: '结束须晚于开始',
    },
  },
  en: {
    title: 'Administration',
    tabs: { users: 'Users & roles', feeds: 'Feeds', kiosks: 'Wall pairing', regions: 'Regions', geo: 'Geography', codes: 'Code tables', silences: 'Silences', notify: 'Notifications', audit: 'Audit log' },
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
    codes: codeMessages.en,
    regions: regionMessages.en,
    silences: {
      township: 'Township', ruleId: 'Rule', level: 'Level', reason: 'Reason', expiresAt: 'Expires', createdBy: 'By', any: '(any)', create: 'Create silence', matchers: 'Matches', revoked: 'Revoked', expired: 'Expired',
    },
    audit: {
      actor: 'Actor', action: 'Action', from: 'From', to: 'To', search: 'Search', at: 'Time', target: 'Target', change: 'Change', note: 'Note', ip: 'IP', next: 'Next', previous: 'Previous', page: 'Page {n}',
    },
    notify: {
      parts: { channels: 'Channels', routes: 'Routes', roster: 'Roster', outbox: 'Outbox' },
      enabled: 'Enabled', yes: 'yes', no: 'no', delete: 'Delete',
      kinds: { webhook: 'Webhook', wecom: 'WeCom robot', dingtalk: 'DingTalk robot', feishu: 'Feishu robot', email: 'E-mail (SMTP)', sms: 'SMS gateway' },
      channel: {
        kind: 'Kind', name: 'Name', target: 'Target', create: 'Create channel', host: 'SMTP host', port: 'Port', secure: 'SSL/TLS', user: 'User', from: 'From', to: 'To (comma-separated)',
        allowInsecureTls: 'Allow a local relay without a certificate', bodyTemplate: 'Body template (placeholders text, key)', contentType: 'Content type', ratePerMinute: 'Per minute', maxAttempts: 'Max attempts',
        url_webhook: 'Receiver URL', url_wecom: 'Robot webhook URL', url_dingtalk: 'Robot webhook URL', url_feishu: 'Robot webhook URL', url_sms: 'Gateway URL', url_email: 'URL',
        secret_webhook: 'Signing secret (optional)', secret_dingtalk: 'Signing secret', secret_feishu: 'Signing secret', secret_email: 'SMTP password', secret_sms: 'Gateway key', secret_wecom: 'Secret',
        secretKept: 'set; leave empty to keep', secretShort: 'Secret', secretSet: 'set', test: 'Send test', testing: 'Sending…', testOk: 'Test sent', testFailed: 'Test failed',
      },
      route: {
        name: 'Name', match: 'Matches', townships: 'Townships', levels: 'Levels', rules: 'Rules', levelRule: 'Level alert', hoursFrom: 'From', hoursTo: 'To',
        anyHint: 'Nothing selected means any; hours may span midnight (e.g. 22:00–08:00).', channels: 'Channels', noChannels: 'Create a channel first.', create: 'Create route', all: 'every alert',
        audience: 'For', audiences: { duty: 'duty (new alerts, overdue)', shift_leader: 'shift leader (escalation step)', county_leader: 'county leader (escalation step)' },
      },
      roster: { startsAt: 'Starts', endsAt: 'Ends', add: 'Add shift', previous: 'Previous week', next: 'Next week', createdBy: 'By', now: 'on now' },
      outbox: {
        states: { dead: 'Dead letters', pending: 'Pending', sent: 'Sent' }, refresh: 'Refresh', createdAt: 'Time', channel: 'Channel', alert: 'Alert', attempts: 'Attempts', next: 'Next attempt', error: 'Error', retry: 'Retry',
        kinds: { raised: 'new alert', escalated: 'escalation', test: 'test' },
      },
      reasons: {
        required: 'required', maxChars: 'at most {n} characters', url: 'must be an http:// or https:// URL', email: 'must be an e-mail address', maxRecipients: 'at most {n} recipients', min: 'at least {n}', max: 'at most {n}',
        port: 'a port is 1–65535', positive: 'a positive whole number', nameTaken: 'name already used', hhmm: 'must be HH:MM', hoursDiffer: 'from and to must differ', hoursBoth: 'set both from and to',
        channelRequired: 'pick at least one channel', maxChannels: 'at most {n} channels', noChannel: 'no such channel: {ids}', endAfterStart: 'must be after the start', shiftTooLong: 'a shift lasts at most 7 days',
        rangeTooLong: 'at most 62 days at a time', dateTime: 'not a valid date-time', township: 'a township code has 9 digits', unknownField: 'an unsupported field', invalid: 'invalid value',
        fieldsRefused: 'The server refused this; see the fields.', forbidden: 'You may not do this.', notFound: 'Not found (deleted?); refresh.', conflict: 'Conflicts with an existing record.',
        signedOut: 'Your session ended; sign in again.', server: 'The server could not do this now; retry later.', refused: 'The server refused the request.', network: 'Cannot reach the server.',
        deliveryHttp: 'the receiver answered HTTP {status}', deliveryRobot: 'the robot answered error {code} (check URL and secret)', deliveryTimeout: 'the receiver did not answer in time', deliveryUnreachable: 'cannot reach the receiver (unreachable or refused)',
        deliveryTls: 'certificate check failed', deliveryAuth: 'authentication failed', deliveryRedirect: 'the receiver redirected (not followed)', deliveryUnknown: 'sending failed (unknown reason)',
      },
    },
    errors: {
      required: 'required', tooLong: 'too long', usernameFormat: 'a letter, then 1–63 letters, digits, _ . or -', usernameTaken: 'already taken', passwordShort: 'at least 12 characters',
      roleRequired: 'pick at least one role', roleUnknown: 'unknown role', townshipRequired: 'a township user needs a township', townshipCode: 'a township code has 9 digits',
      matcherRequired: 'match at least a township, a rule or a level', expiryPast: 'must be in the future', rangeOrder: 'must be after the start',
    },
  },
}
