import { describe, expect, it } from 'vitest'

import { formatDateTime, timeAgo } from '@/lib/format'

describe('one date format', () => {
  it('writes YYYY-MM-DD HH:mm in the reader’s time zone, the same in both languages', () => {
    const iso = new Date(2026, 0, 5, 7, 3, 59).toISOString()
    expect(formatDateTime(iso, 'zh-CN')).toBe('2026-01-05 07:03')
    expect(formatDateTime(iso, 'en')).toBe('2026-01-05 07:03')
  })

  it('shows a dash for nothing or nonsense', () => {
    expect(formatDateTime(null, 'zh-CN')).toBe('—')
    expect(formatDateTime('not a date', 'zh-CN')).toBe('—')
  })

  it('says "3 分钟前" for a recent instant and the full date for an old one', () => {
    const now = Date.parse('2026-03-01T12:00:00Z')
    expect(timeAgo('2026-03-01T11:57:00Z', now, 'zh-CN', '刚刚')).toBe('3分钟前')
    expect(timeAgo('2026-03-01T11:59:30Z', now, 'zh-CN', '刚刚')).toBe('刚刚')
    const old = '2026-02-01T12:00:00Z'
    expect(timeAgo(old, now, 'zh-CN', '刚刚')).toBe(formatDateTime(old))
  })
})
