/** The checks a record passes in the browser before it is sent (the server checks again), and the form defaults. */

import { localDay } from '@/lib/download'

import type {
  AccompaniedMealData,
  DisinfectionData,
  IncomingGoodsData,
  Meal,
  MorningCheckData,
  PesticideTestData,
  RecordData,
  RecordKind,
  SampleRetentionData,
  Staff,
} from './recordsApi'

/** 留样 is kept at least 48 hours, each dish at least 125 g. */
export const SAMPLE_MIN_G = 125
export const SAMPLE_KEEP_H = 48
export const TEMP_MIN_C = 34
export const TEMP_MAX_C = 43
/** At or above this a person does not pass 晨检 (the form flips them to "fail" as the number is typed). */
export const FEVER_C = 37.3

/** A problem found: the field it is about and the message key (under `records.invalid`) with its values. */
export interface Problem {
  field: string
  key: string
  params?: Record<string, string | number>
}

const blank = (s: string | undefined | null): boolean => !s || !s.trim()

/** The meal being served now: before 10:00 breakfast, before 15:00 lunch, then dinner; one the site serves. */
export function currentMeal(now: Date, served: readonly Meal[] = ['breakfast', 'lunch', 'dinner']): Meal {
  const hour = now.getHours()
  const wanted: Meal = hour < 10 ? 'breakfast' : hour < 15 ? 'lunch' : 'dinner'
  if (served.includes(wanted) || !served.length) return wanted
  // The site does not serve it: the nearest meal it serves before it, else the first one.
  const order: Meal[] = ['breakfast', 'lunch', 'dinner']
  const before = order.slice(0, order.indexOf(wanted)).reverse().find((m) => served.includes(m))
  return before ?? served[0] ?? wanted
}

export const today = (now = new Date()): string => localDay(now)

const pad = (n: number): string => String(n).padStart(2, '0')
/** The value of a `datetime-local` input for an instant, in the reader's time zone. */
export function localInput(d: Date): string {
  return `${localDay(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}
/** A `datetime-local` value as an ISO instant (with the reader's offset folded into UTC); '' when empty or wrong. */
export function isoOf(local: string): string {
  if (!local) return ''
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString()
}
export const addHours = (local: string, hours: number): string => {
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? '' : localInput(new Date(d.getTime() + hours * 3_600_000))
}

/** One 晨检 row per active person, all passing at 36.5 °C until the checker says otherwise. */
export function morningRows(staff: readonly Staff[]): MorningCheckData['entries'] {
  return staff
    .filter((s) => s.active)
    .map((s) => ({ staff_id: s.id, temperature_c: 36.5, hands_ok: true, wounds: false, symptoms: [], passed: true }))
}

/** Whether a row passes by its own answers: no fever, clean hands, no wound, no symptom. */
export const rowPasses = (e: MorningCheckData['entries'][number]): boolean =>
  e.temperature_c < FEVER_C && e.hands_ok && !e.wounds && e.symptoms.length === 0

export function checkMorning(d: MorningCheckData): Problem[] {
  const out: Problem[] = []
  if (!d.entries.length) out.push({ field: 'entries', key: 'noStaff' })
  d.entries.forEach((e, i) => {
    const t = Number(e.temperature_c)
    if (!Number.isFinite(t) || t < TEMP_MIN_C || t > TEMP_MAX_C)
      out.push({ field: `entries.${i}.temperature_c`, key: 'temperature', params: { min: TEMP_MIN_C, max: TEMP_MAX_C } })
  })
  if (blank(d.checked_by)) out.push({ field: 'checked_by', key: 'checkedBy' })
  return out
}

export function checkSample(d: SampleRetentionData, meal: Meal | null): Problem[] {
  const out: Problem[] = []
  if (!meal) out.push({ field: 'meal', key: 'meal' })
  if (!d.dishes.length) out.push({ field: 'dishes', key: 'noDish' })
  d.dishes.forEach((dish, i) => {
    if (blank(dish.name)) out.push({ field: `dishes.${i}.name`, key: 'dishName', params: { n: i + 1 } })
    if (!Number.isFinite(Number(dish.weight_g)) || Number(dish.weight_g) < SAMPLE_MIN_G)
      out.push({ field: `dishes.${i}.weight_g`, key: 'weight', params: { n: i + 1, min: SAMPLE_MIN_G } })
  })
  const stored = Date.parse(d.stored_at)
  if (Number.isNaN(stored)) out.push({ field: 'stored_at', key: 'storedAt' })
  else if (d.keep_until) {
    const until = Date.parse(d.keep_until)
    if (Number.isNaN(until) || until < stored + SAMPLE_KEEP_H * 3_600_000)
      out.push({ field: 'keep_until', key: 'keepUntil', params: { h: SAMPLE_KEEP_H } })
  }
  if (blank(d.storage_place)) out.push({ field: 'storage_place', key: 'storagePlace' })
  if (blank(d.kept_by)) out.push({ field: 'kept_by', key: 'keptBy' })
  return out
}

export function checkDisinfection(d: DisinfectionData): Problem[] {
  const out: Problem[] = []
  const start = Date.parse(d.started_at)
  const end = Date.parse(d.ended_at)
  if (Number.isNaN(start)) out.push({ field: 'started_at', key: 'startedAt' })
  if (Number.isNaN(end) || (!Number.isNaN(start) && end <= start)) out.push({ field: 'ended_at', key: 'endedAt' })
  if (blank(d.operator)) out.push({ field: 'operator', key: 'operator' })
  return out
}

export function checkAccompanied(d: AccompaniedMealData, meal: Meal | null): Problem[] {
  const out: Problem[] = []
  if (!meal) out.push({ field: 'meal', key: 'meal' })
  if (blank(d.person)) out.push({ field: 'person', key: 'person' })
  if (blank(d.position)) out.push({ field: 'position', key: 'position' })
  return out
}

export function checkIncoming(d: IncomingGoodsData): Problem[] {
  const out: Problem[] = []
  if (blank(d.supplier)) out.push({ field: 'supplier', key: 'supplier' })
  if (!d.goods.length) out.push({ field: 'goods', key: 'noGoods' })
  d.goods.forEach((g, i) => {
    if (blank(g.name) || blank(g.unit) || !(Number(g.quantity) > 0))
      out.push({ field: `goods.${i}`, key: 'goodsRow', params: { n: i + 1 } })
  })
  if (blank(d.licence_no)) out.push({ field: 'licence_no', key: 'licenceNo' })
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.licence_expires_on))
    out.push({ field: 'licence_expires_on', key: 'licenceExpires' })
  if (blank(d.operator)) out.push({ field: 'operator', key: 'operator' })
  return out
}

export function checkPesticide(d: PesticideTestData): Problem[] {
  const out: Problem[] = []
  if (blank(d.sample)) out.push({ field: 'sample', key: 'sample' })
  if (blank(d.method)) out.push({ field: 'method', key: 'method' })
  if (blank(d.operator)) out.push({ field: 'operator', key: 'operator' })
  return out
}

/** A new record's data, filled with what can be guessed: now, the person signed in, the staff on the roster. */
export function emptyData(kind: RecordKind, now: Date, me: string, staff: readonly Staff[] = []): RecordData {
  const at = localInput(now)
  switch (kind) {
    case 'morning_check':
      return { entries: morningRows(staff), checked_by: me }
    case 'sample_retention':
      return { dishes: [{ name: '', weight_g: SAMPLE_MIN_G }], stored_at: at, storage_place: '', kept_by: me }
    case 'disinfection':
      return { method: 'cabinet', started_at: localInput(new Date(now.getTime() - 30 * 60_000)), ended_at: at, operator: me }
    case 'accompanied_meal':
      return { person: me, position: '' }
    case 'incoming_goods':
      return { supplier: '', goods: [{ name: '', quantity: 1, unit: 'kg' }], licence_no: '', licence_expires_on: '', operator: me }
    case 'pesticide_test':
      return { sample: '', method: '速测卡法', result: 'pass', operator: me }
  }
}

/** The browser's checks of a kind's data. */
export function checkRecord(kind: RecordKind, data: RecordData, meal: Meal | null): Problem[] {
  switch (kind) {
    case 'morning_check':
      return checkMorning(data as MorningCheckData)
    case 'sample_retention':
      return checkSample(data as SampleRetentionData, meal)
    case 'disinfection':
      return checkDisinfection(data as DisinfectionData)
    case 'accompanied_meal':
      return checkAccompanied(data as AccompaniedMealData, meal)
    case 'incoming_goods':
      return checkIncoming(data as IncomingGoodsData)
    case 'pesticide_test':
      return checkPesticide(data as PesticideTestData)
  }
}

const DATETIME_FIELDS = ['stored_at', 'keep_until', 'started_at', 'ended_at'] as const

/** The data as the API takes it: input times as ISO instants, empty optional fields left out, numbers as numbers. */
export function toWire(kind: RecordKind, data: RecordData): RecordData {
  const out: Record<string, unknown> = { ...data }
  for (const f of DATETIME_FIELDS) {
    if (!(f in out)) continue
    const iso = isoOf(String(out[f] ?? ''))
    if (iso) out[f] = iso
    else delete out[f]
  }
  for (const [k, v] of Object.entries(out)) if (v === '' || v === null || v === undefined) delete out[k]
  if (kind === 'morning_check') {
    const d = data as MorningCheckData
    out.entries = d.entries.map((e) => {
      const row: Record<string, unknown> = { ...e, temperature_c: Number(e.temperature_c) }
      if (!e.note) delete row.note
      return row
    })
  }
  if (kind === 'sample_retention')
    out.dishes = (data as SampleRetentionData).dishes.map((d) => ({ name: d.name.trim(), weight_g: Number(d.weight_g) }))
  if (kind === 'incoming_goods')
    out.goods = (data as IncomingGoodsData).goods.map((g) => ({ ...g, quantity: Number(g.quantity) }))
  return out as unknown as RecordData
}

/** A stored record's data back into the form (ISO instants into `datetime-local` values). */
export function fromWire(data: Record<string, unknown>): RecordData {
  const out: Record<string, unknown> = structuredClone(data)
  for (const f of DATETIME_FIELDS) {
    const v = out[f]
    if (typeof v === 'string' && v) {
      const d = new Date(v)
      if (!Number.isNaN(d.getTime())) out[f] = localInput(d)
    }
  }
  return out as unknown as RecordData
}
