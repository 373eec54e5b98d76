import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'

import zh from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { periodText } from '@/views/bulletins/period'

const i18n = (locale: 'zh-CN' | 'en') =>
  createI18n({ legacy: false, locale, messages: { 'zh-CN': zh, en } }).global.t as (k: string, v?: Record<string, unknown>) => string

describe('which period a bulletin covers', () => {
  const end = new Date(2026, 10, 23, 9, 41).toISOString()

  it('says the whole day for the scheduled one', () => {
    const t = i18n('zh-CN')
    expect(periodText(t, { kind: 'scheduled', date: '2026-11-22', period_end: end })).toBe('统计 2026-11-22 全天（0:00—24:00）')
  })

  it('says up to when for today so far, in both languages', () => {
    expect(periodText(i18n('zh-CN'), { kind: 'on_demand', date: '2026-11-23', period_end: end })).toBe('统计 2026-11-23 0:00 至 09:41')
    expect(periodText(i18n('en'), { kind: 'on_demand', date: '2026-11-23', period_end: end })).toBe('Covers 2026-11-23 from 0:00 to 09:41')
  })

  it('keeps the ranking rule free of characters vue-i18n would parse', () => {
    const t = i18n('zh-CN')
    expect(t('standing.formula', { share: '80.0%' })).toContain('80.0%')
    expect(t('standing.formula', { share: '80.0%' })).toContain('无有效预警时显示「—」且不扣分')
  })
})
