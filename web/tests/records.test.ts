import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiError } from '@/api/errors'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { navFor } from '@/lib/roles'
import {
  checkDisinfection,
  checkIncoming,
  checkMorning,
  checkRecord,
  checkSample,
  currentMeal,
  emptyData,
  fromWire,
  isoOf,
  localInput,
  morningRows,
  rowPasses,
  toWire,
  type Problem,
} from '@/views/records/recordRules'
import {
  RECORD_KINDS,
  recordBody,
  records,
  type MorningCheckData,
  type SampleRetentionData,
  type Staff,
} from '@/views/records/recordsApi'
import { recordSummary } from '@/views/records/recordText'
import { bucketFor, chartSeries, defaultRule, KEY_PATTERN } from '@/views/records/sensorRules'

const person = (id: number, active = true): Staff => ({
  id,
  site_id: 1,
  site_name: '实验小学',
  name: `员工${id}`,
  position: '厨师',
  phone: '',
  cert_no: `HC${id}`,
  cert_issued_on: '2026-01-01',
  cert_expires_on: '2027-01-01',
  photo_url: null,
  active,
  cert_state: 'valid',
  days_left: 300,
})
const keys = (problems: Problem[]): string[] => problems.map((p) => p.key)
const at = (h: number, m = 0): Date => new Date(2026, 10, 30, h, m)

describe('the form defaults', () => {
  it('preselect the meal being served now, among the meals the site serves', () => {
    expect(currentMeal(at(7))).toBe('breakfast')
    expect(currentMeal(at(11, 30))).toBe('lunch')
    expect(currentMeal(at(18))).toBe('dinner')
    expect(currentMeal(at(18), ['breakfast', 'lunch'])).toBe('lunch') // no dinner served: the last meal before
    expect(currentMeal(at(7), ['lunch'])).toBe('lunch')
  })

  it('fill 晨检 with one passing row per active person', () => {
    const rows = morningRows([person(1), person(2, false), person(3)])
    expect(rows.map((r) => r.staff_id)).toEqual([1, 3])
    expect(rows.every((r) => r.passed && r.hands_ok && !r.wounds && r.temperature_c === 36.5)).toBe(true)
    const data = emptyData('morning_check', at(7), '王老师', [person(4)]) as MorningCheckData
    expect(data.checked_by).toBe('王老师')
    expect(data.entries).toHaveLength(1)
  })

  it('start 留样 with one dish of 125 g kept now by the person signed in', () => {
    const data = emptyData('sample_retention', at(12, 5), '李师傅') as SampleRetentionData
    expect(data.dishes).toEqual([{ name: '', weight_g: 125 }])
    expect(data.stored_at).toBe('2026-11-30T12:05')
    expect(data.kept_by).toBe('李师傅')
  })

  it('leave only the blanks a person must fill as problems', () => {
    const now = at(12)
    expect(checkRecord('disinfection', emptyData('disinfection', now, '赵'), 'lunch')).toEqual([])
    expect(checkRecord('morning_check', emptyData('morning_check', now, '王', [person(1)]), null)).toEqual([])
    expect(keys(checkRecord('accompanied_meal', emptyData('accompanied_meal', now, '校长'), 'lunch'))).toEqual(['position'])
    expect(keys(checkRecord('pesticide_test', emptyData('pesticide_test', now, '赵'), null))).toEqual(['sample'])
    expect(keys(checkRecord('sample_retention', emptyData('sample_retention', now, '李'), 'lunch'))).toEqual([
      'dishName',
      'storagePlace',
    ])
  })
})

describe('the checks before sending', () => {
  it('turn a row to fail on fever, dirty hands, a wound or a symptom', () => {
    const ok = { staff_id: 1, temperature_c: 36.6, hands_ok: true, wounds: false, symptoms: [], passed: true }
    expect(rowPasses(ok)).toBe(true)
    expect(rowPasses({ ...ok, temperature_c: 37.5 })).toBe(false)
    expect(rowPasses({ ...ok, hands_ok: false })).toBe(false)
    expect(rowPasses({ ...ok, wounds: true })).toBe(false)
    expect(rowPasses({ ...ok, symptoms: ['咳嗽'] })).toBe(false)
  })

  it('refuse a temperature out of 34–43 °C and a missing checker', () => {
    const data = emptyData('morning_check', at(7), '', [person(1), person(2)]) as MorningCheckData
    data.entries[1]!.temperature_c = 45
    const problems = checkMorning(data)
    expect(problems).toContainEqual({ field: 'entries.1.temperature_c', key: 'temperature', params: { min: 34, max: 43 } })
    expect(keys(problems)).toContain('checkedBy')
    expect(keys(checkMorning({ entries: [], checked_by: 'x' }))).toEqual(['noStaff'])
  })

  it('refuse a dish under 125 g, a keep-until inside 48 h, and 留样 without a meal', () => {
    const data: SampleRetentionData = {
      dishes: [{ name: '红烧肉', weight_g: 150 }, { name: '青菜', weight_g: 100 }],
      stored_at: '2026-11-30T12:00',
      keep_until: '2026-12-02T11:00',
      storage_place: '留样冰箱',
      kept_by: '李师傅',
    }
    const problems = checkSample(data, null)
    expect(problems).toContainEqual({ field: 'dishes.1.weight_g', key: 'weight', params: { n: 2, min: 125 } })
    expect(keys(problems)).toEqual(['meal', 'weight', 'keepUntil'])
    expect(checkSample({ ...data, dishes: [data.dishes[0]!], keep_until: '2026-12-02T12:00' }, 'lunch')).toEqual([])
  })

  it('refuse a disinfection that ends before it starts, and goods without a licence', () => {
    const base = { method: 'cabinet' as const, started_at: '2026-11-30T13:00', ended_at: '2026-11-30T12:00', operator: '赵' }
    expect(keys(checkDisinfection(base))).toEqual(['endedAt'])
    expect(checkDisinfection({ ...base, ended_at: '2026-11-30T13:40' })).toEqual([])
    const goods = { supplier: '某供应商', goods: [{ name: '', quantity: 0, unit: 'kg' }], licence_no: '', licence_expires_on: '', operator: '赵' }
    expect(keys(checkIncoming(goods))).toEqual(['goodsRow', 'licenceNo', 'licenceExpires'])
  })

  it('have a Chinese and an English message for every problem and kind', () => {
    for (const key of Object.keys(zhCN.records.invalid)) expect(en.records.invalid).toHaveProperty(key)
    for (const kind of RECORD_KINDS) {
      expect(zhCN.records.kind[kind]).toMatch(/\p{Script=Han}/u)
      expect(en.records.kind[kind]).toBeTruthy()
    }
    expect(zhCN.records.invalid.weight).toBe('第 {n} 个菜品：留样重量不少于 {min} 克')
  })
})

describe('what is sent', () => {
  it('turns input times into instants and drops empty optional fields', () => {
    const data = emptyData('sample_retention', at(12), '李') as SampleRetentionData
    data.dishes[0]!.name = ' 米饭 '
    data.storage_place = '冰箱'
    const wire = toWire('sample_retention', data) as SampleRetentionData
    expect(wire.stored_at).toBe(isoOf('2026-11-30T12:00'))
    expect(wire.stored_at).toMatch(/Z$/)
    expect(wire).not.toHaveProperty('keep_until')
    expect(wire.dishes).toEqual([{ name: '米饭', weight_g: 125 }])
    const back = fromWire(wire as unknown as Record<string, unknown>) as SampleRetentionData
    expect(back.stored_at).toBe(localInput(at(12)))
  })

  it('sends a meal except for 晨检, and photo ids only when there are some', () => {
    const data = emptyData('morning_check', at(7), 'x', [person(1)])
    expect(recordBody('morning_check', '2026-11-30', 'breakfast', data, [])).toEqual({ record_date: '2026-11-30', data })
    expect(recordBody('sample_retention', '2026-11-30', 'lunch', data, [3, 4])).toEqual({
      record_date: '2026-11-30',
      meal: 'lunch',
      data,
      photo_ids: [3, 4],
    })
  })

  it('sums a record up in one line', () => {
    const t = (key: string, v?: Record<string, unknown>): string => `${key}${v ? JSON.stringify(v) : ''}`
    const line = recordSummary('sample_retention', { dishes: [{ name: '米饭', weight_g: 130 }, { name: '鸡腿', weight_g: 140 }] }, t)
    expect(line).toBe('米饭 130g、鸡腿 140g')
    const mc = recordSummary('morning_check', { entries: [{ passed: true }, { passed: false }], checked_by: '王' }, t)
    expect(mc).toContain('{"ok":1,"bad":1}')
  })
})

describe('the records API calls', () => {
  type Call = { url: string; method: string; body: unknown }
  let calls: Call[] = []
  let answer: () => Response = () => new Response('{}', { status: 200 })
  beforeEach(() => {
    calls = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body })
      return answer()
    })
  })
  afterEach(() => vi.unstubAllGlobals())

  it('post a record as JSON and a correction with its reason', async () => {
    const data = emptyData('accompanied_meal', at(12), '校长')
    await records.create('accompanied_meal', recordBody('accompanied_meal', '2026-11-30', 'lunch', data, []))
    await records.correct('accompanied_meal', 9, data, '职务写错')
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['POST', '/api/v1/records/accompanied_meal'],
      ['POST', '/api/v1/records/accompanied_meal/9/corrections'],
    ])
    expect(JSON.parse(String(calls[1]!.body))).toEqual({ data, reason: '职务写错' })
  })

  it('upload a photo as multipart `photo` and list with only the filters set', async () => {
    answer = () => new Response(JSON.stringify({ photo_id: 5, url: '/x' }), { status: 201 })
    const photo = await records.uploadPhoto(new File([new Uint8Array([0xff, 0xd8, 0xff])], 'a.jpg', { type: 'image/jpeg' }))
    expect(photo.photo_id).toBe(5)
    expect((calls[0]!.body as FormData).get('photo')).toBeInstanceOf(File)
    answer = () => new Response(JSON.stringify({ items: [], total: 0, page: 1, size: 20 }), { status: 200 })
    await records.list('sample_retention', { page: 1, size: 20, meal: 'lunch', date_from: undefined })
    expect(calls[1]!.url).toBe('/api/v1/records/sample_retention?page=1&size=20&meal=lunch')
  })

  it('keep the row of each bad line of a refused staff sheet', async () => {
    const problem = {
      title: 'Import refused',
      code: 'import_rows_invalid',
      errors: [{ row: 3, field: '有效期至', message: 'not a date' }, { field: 'file', message: 'x' }],
    }
    answer = () => new Response(JSON.stringify(problem), { status: 422, headers: { 'Content-Type': 'application/problem+json' } })
    const sheet = new File([new Uint8Array([80, 75])], 'staff.xlsx')
    const err = await records.importStaff(sheet).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).errors).toEqual([
      { row: 3, field: '有效期至', message: 'not a date' },
      { field: 'file', message: 'x' },
    ])
    expect((calls[0]!.body as FormData).get('file')).toBeInstanceOf(File)
  })
})

describe('sensors', () => {
  it('start with the contract rules by kind', () => {
    expect(defaultRule('fridge')).toEqual({ op: 'above', threshold: 8, duration_s: 1800 })
    expect(defaultRule('freezer')).toEqual({ op: 'above', threshold: -12, duration_s: 1800 })
    expect(defaultRule('gas')?.duration_s).toBe(10)
    expect(defaultRule('uv_lamp')).toBeNull()
    expect(defaultRule('disinfection_cabinet')).toBeNull()
    expect(KEY_PATTERN.test('fridge-1_a')).toBe(true)
    expect(KEY_PATTERN.test('冰箱1')).toBe(false)
  })

  it('draw the min–max band under the average line', () => {
    const s = chartSeries([{ at: 'a', value: 4, min: 3, max: 6 }])
    expect(s).toEqual({ at: ['a'], value: [4], low: [3], spread: [3] })
    expect(bucketFor(24)).toBe(720)
    expect(bucketFor(1)).toBe(60)
  })
})

describe('the menus', () => {
  it('give the school its records and sensors, the region completion and certificates', () => {
    for (const role of ['school_admin', 'school_staff'] as const) {
      expect(navFor(role)).toContain('records')
      expect(navFor(role)).toContain('sensors')
      expect(navFor(role)).not.toContain('completion')
    }
    for (const role of ['admin', 'regulator'] as const) {
      expect(navFor(role)).toContain('completion')
      expect(navFor(role)).toContain('certificates')
    }
    for (const name of ['records', 'sensors', 'completion', 'certificates', 'staff'] as const) {
      expect(zhCN.nav[name]).toBeTruthy()
      expect(en.nav[name]).toBeTruthy()
    }
  })
})
