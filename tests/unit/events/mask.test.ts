import { describe, expect, it } from 'vitest'
import { maskIdNumber, maskName, maskParty, maskPhone } from '../../../server/modules/events/mask.ts'

describe('maskName', () => {
  it.each([
    ['张三', '张*'],
    ['张三丰', '张**'],
    ['欧阳娜娜', '欧***'],
    ['阿卜杜·热合曼', '阿**·***'],
    ['王', '*'],
    ['', ''],
    ['  李四  ', '李*'],
    ['Li Wei', 'L* W**'],
    ['Anne-Marie', 'A***-M****'],
  ])('%j → %j', (input, masked) => {
    expect(maskName(input)).toBe(masked)
  })
})

describe('maskIdNumber', () => {
  it.each([
    ['320102199003071234', '3201**********1234'],
    ['11010519491231002X', '1101**********002X'],
    ['110105491231002', '1101*******1002'],
    ['1234567', '*****67'],
    ['1234', '****'],
    ['', ''],
    ['3201 0219 9003 0712 34', '3201**********1234'],
  ])('%j → %j', (input, masked) => {
    expect(maskIdNumber(input)).toBe(masked)
  })

  it('never keeps more than 8 characters of an 18-character number', () => {
    const masked = maskIdNumber('320102199003071234')
    expect(masked).toHaveLength(18)
    expect(masked.replace(/\*/g, '')).toHaveLength(8)
  })
})

describe('maskPhone', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['+86 138 1234 5678', '+86 1** **** 5678'],
    ['025-83123456', '025-****3456'],
    ['12345', '***45'],
    ['110', '***'],
    ['', ''],
    ['138abc45678', '13******678'],
  ])('%j → %j', (input, masked) => {
    expect(maskPhone(input)).toBe(masked)
  })
})

describe('maskParty', () => {
  it('masks each present field and adds none', () => {
    expect(maskParty({ name: '赵六', phone: '13900001111' })).toEqual({ name: '赵*', phone: '139****1111' })
    expect(maskParty({})).toEqual({})
  })
})
