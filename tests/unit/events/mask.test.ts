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
    ['1234567', '******7'],
    ['3201021990', '*******990'],
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

describe('short values', () => {
  // A value shorter than a real ID number or phone number keeps at most 30% of its characters.
  it.each(Array.from({ length: 14 }, (_, i) => i + 1))('%i characters: most of it hidden', (n) => {
    const value = '1234567890abcd'.slice(0, n)
    const kept = (masked: string) => masked.replace(/\*/g, '').length
    expect(kept(maskIdNumber(value)) / n).toBeLessThanOrEqual(0.3)
    if (n <= 10) expect(kept(maskPhone(value.replace(/\D/g, '0'))) / n).toBeLessThanOrEqual(0.3)
  })
})

describe('maskPhone', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['+86 138 1234 5678', '+86 1** **** 5678'],
    ['025-83123456', '025-****3456'],
    ['12345', '****5'],
    ['8312345', '*****45'],
    ['110', '***'],
    ['', ''],
    ['138abc45678', '*********78'],
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
