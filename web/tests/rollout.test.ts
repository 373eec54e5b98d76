import { describe, expect, it } from 'vitest'

import { filenameOf } from '@/api/http'
import type { ChecklistItem } from '@/api/types'
import { countByStatus, daysSince, fetchAll, itemTitle, keepPolling, stuckFirst, testItemKey } from '@/lib/rollout'

const site = (site_code: string, status: string, status_since: string) => ({ site_code, status, status_since })
const item = (code: string, state: string, evidence: string): ChecklistItem => ({
  code,
  kind: 'automatic',
  title: '测试预警端到端已收到',
  title_en: 'Test alert received end to end',
  state,
  evidence,
  evidence_en: evidence,
  at: null,
})

describe('roll-out', () => {
  it('counts the sites per status', () => {
    const counts = countByStatus([site('A', 'accepted', ''), site('B', 'in_progress', ''), site('C', 'in_progress', ''), site('D', 'odd', '')])
    expect(counts).toEqual({ total: 4, not_started: 0, in_progress: 2, regressed: 0, accepted: 1 })
  })

  it('puts the sites stuck longest first and accepted ones last', () => {
    const sorted = stuckFirst([
      site('A1', 'accepted', '2024-01-01T00:00:00Z'),
      site('B2', 'in_progress', '2024-03-01T00:00:00Z'),
      site('B1', 'regressed', '2024-02-01T00:00:00Z'),
      site('A2', 'not_started', '2024-03-01T00:00:00Z'),
      site('C1', 'accepted', '2023-06-01T00:00:00Z'),
    ])
    expect(sorted.map((s) => s.site_code)).toEqual(['B1', 'A2', 'B2', 'C1', 'A1'])
  })

  it('counts whole days', () => {
    const now = Date.parse('2024-03-10T12:00:00Z')
    expect(daysSince('2024-03-08T13:00:00Z', now)).toBe(1)
    expect(daysSince('2024-03-11T00:00:00Z', now)).toBe(0)
    expect(daysSince('nonsense', now)).toBe(0)
  })

  it('keeps polling until the test item changes or time is up', () => {
    const before = [item('test_alert', 'pending', '10:00 发起；设备尚未取得')]
    const baseline = testItemKey(before)
    expect(keepPolling(baseline, before, 0, 1000, 60_000)).toBe(true)
    expect(keepPolling(baseline, [item('test_alert', 'pending', '10:00 发起；设备已于 10:01 取得')], 0, 1000, 60_000)).toBe(false)
    expect(keepPolling(baseline, [item('test_alert', 'ok', '测试预警 #3 已收到')], 0, 1000, 60_000)).toBe(false)
    expect(keepPolling(baseline, before, 0, 60_000, 60_000)).toBe(false)
  })

  it('names items in the reader language', () => {
    const it_ = item('test_alert', 'ok', '')
    expect(itemTitle(it_, 'zh-CN')).toBe('测试预警端到端已收到')
    expect(itemTitle(it_, 'en')).toBe('Test alert received end to end')
    expect(itemTitle({ ...it_, title_en: '' }, 'en')).toBe('测试预警端到端已收到')
  })

  it('reads every page', async () => {
    const pages: number[] = []
    const all = await fetchAll(async (page, size) => {
      pages.push(page)
      const items = Array.from({ length: Math.min(size, 5 - (page - 1) * size) }, (_, k) => (page - 1) * size + k)
      return { items, total: 5, page, size }
    }, 2)
    expect(all).toEqual([0, 1, 2, 3, 4])
    expect(pages).toEqual([1, 2, 3])
  })
})

describe('download file names', () => {
  it('takes the server name and never a folder', () => {
    expect(filenameOf('attachment; filename="report-daily-2024-03-10.xlsx"', 'x')).toBe('report-daily-2024-03-10.xlsx')
    expect(filenameOf("attachment; filename=\"r.xlsx\"; filename*=UTF-8''%E6%97%A5%E6%8A%A5.xlsx", 'x')).toBe('日报.xlsx')
    expect(filenameOf('attachment; filename="../../etc/passwd"', 'x')).toBe('passwd')
    expect(filenameOf('attachment; filename=".."', 'x')).toBe('x')
    expect(filenameOf(null, 'x')).toBe('x')
  })
})
