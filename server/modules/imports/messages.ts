// The pipeline's messages (server/modules/events/validate.ts, English for API clients) in the
// Chinese a ledger's owner reads (docs/architecture.md §4, "ledgers"). A message not listed here
// passes through as it is: better English than nothing.

const LEVEL_ZH: Record<string, string> = { county: '县（区）', township: '乡镇（街道）', village: '村（社区）', grid: '网格' }

type Replacer = (match: string, ...groups: string[]) => string

const TABLE: Array<[RegExp, string | Replacer]> = [
  [/^required$/, '必填'],
  [/^required \(or give village or grid\)$/, '必填（或给出村（社区）、网格）'],
  [/^must not be empty$/, '不能为空'],
  [/^must be at most (\d+) characters$/, '最多 $1 个字'],
  [/^must be at most (\d+) characters as JSON$/, '附加属性过长（最多 $1 个字符）'],
  [/^township (\d+) does not exist$/, '乡镇（街道）代码 $1 不存在'],
  [/^village (\d+) does not exist$/, '村（社区）代码 $1 不存在'],
  [/^grid (\S+) does not exist$/, '网格 $1 不存在'],
  [/^(county|township|village|grid) (\S+) was retired on (\S+): it takes no new events$/, (_m, level, code, on) => `${LEVEL_ZH[level!]} ${code} 已于 ${on} 撤销，不再接收新事件`],
  [/^(county|township|village|grid) (\S+) lies in (county|township|village) (\S+), retired on (\S+): it takes no new events$/, (_m, level, code, up, upCode, on) => `${LEVEL_ZH[level!]} ${code} 所属${LEVEL_ZH[up!]} ${upCode} 已于 ${on} 撤销，不再接收新事件`],
  [/^village (\d+) is not in township (\d+)$/, '村（社区）$1 不在乡镇（街道）$2'],
  [/^grid (\S+) is not in village (\d+)$/, '网格 $1 不在村（社区）$2'],
  [/^grid (\S+) is not in township (\d+)$/, '网格 $1 不在乡镇（街道）$2'],
  [/^must be a 9-digit township code$/, '应为 9 位乡镇（街道）代码'],
  [/^must be a 12-digit village or community code$/, '应为 12 位村（社区）代码'],
  [/^must be a grid code: .*$/, '应为网格代码（12 位村代码加 -NN）'],
  [/^must not be more than 5 minutes in the future$/, '不能晚于现在（最多超前 5 分钟）'],
  [/^must not be before 2000-01-01$/, '不能早于 2000-01-01'],
  [/^must be a phone number.*$/, '应为电话号码（数字、+、-、空格、括号）'],
  [/^must be letters and digits.*$/, '应为证件号码（字母和数字）'],
  [/^a party needs at least one of .*$/, '当事人至少要有姓名、身份证号、电话之一'],
  [/^at most (\d+) parties$/, '当事人最多 $1 个'],
  [/^must be one of (.+)$/, '应为以下之一：$1'],
  [/^unknown \w+ category "(.*)"; one of (.+)$/, '未知类别“$1”'],
  [/^"(.*)" is retired \((\S+) (.*)\): no longer accepted for new events$/, '“$3”（$2）已停用：新事件不能再用（已有事件保留）'],
  [/^must not contain NUL characters$/, '不能含 NUL 字符'],
  [/^is not valid Unicode text$/, '不是有效的文字'],
  [/^must not repeat a flag$/, '纠纷标记不能重复'],
  [/^must be true or false$/, '应为 是 或 否'],
  [/^must be a string$/, '应为文字'],
]

export function zhMessage(message: string): string {
  for (const [pattern, zh] of TABLE) if (pattern.test(message)) return typeof zh === 'string' ? message.replace(pattern, zh) : message.replace(pattern, zh as (m: string, ...rest: unknown[]) => string)
  return message
}
