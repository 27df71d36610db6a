import type { ScreenMessages } from '../../i18n/index.ts'

/** The login screen's messages, under `login.*`. */
export default {
  zh: {
    username: '用户名',
    password: '密码',
    signIn: '登录',
    signingIn: '正在登录…',
    badCredentials: '用户名或密码错误',
    locked: '登录失败次数过多，账户已暂时锁定，请稍后再试',
    rateLimited: '尝试过于频繁，请稍后再试',
    pairingFailed: '大屏配对链接无效或已撤销，请联系管理员重新生成',
    unreachable: '无法连接服务器',
  },
  en: {
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    badCredentials: 'Wrong username or password',
    locked: 'Too many failed sign-ins: this account is locked for a while. Try again later.',
    rateLimited: 'Too many attempts. Try again in a minute.',
    pairingFailed: 'This wall pairing link is not valid or was revoked. Ask an administrator for a new one.',
    unreachable: 'Cannot reach the server',
  },
} satisfies ScreenMessages
