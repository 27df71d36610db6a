import type { ScreenMessages } from '../../i18n/index.ts'

/** The explanation a person gets when a link leads to a screen their role does not have. */
export default {
  zh: {
    title: '无法打开此页面',
    role: '您的账号（{roles}）没有「{screen}」的权限。此页面只对{allowed}开放。',
    kiosk: '这是一台已配对的大屏显示终端，只能显示大屏。',
    township: '您的账号属于{own}，只能查看本乡镇的情况，不能查看{asked}的页面。',
    goTo: '您可以前往：',
    ownTownship: '本乡镇页面（{name}）',
    askAdmin: '如需开通权限，请联系系统管理员。',
    screen: { wall: '大屏', duty: '值班台', township: '乡镇详情', imports: '台账导入', rules: '规则工作台', admin: '系统管理' },
    listSep: '、',
  },
  en: {
    title: 'This page is not available to you',
    role: 'Your account ({roles}) has no access to “{screen}”. It is open to {allowed} only.',
    kiosk: 'This is a paired wall display; it shows the wall only.',
    township: 'Your account belongs to {own}: you see your own township only, not {asked}.',
    goTo: 'You can go to:',
    ownTownship: 'your township’s page ({name})',
    askAdmin: 'To get access, ask the system administrator.',
    screen: { wall: 'Wall', duty: 'Duty console', township: 'Township detail', imports: 'Ledger imports', rules: 'Rules workbench', admin: 'Administration' },
    listSep: ', ',
  },
} satisfies ScreenMessages
