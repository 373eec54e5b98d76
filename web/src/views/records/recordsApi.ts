/** The calls of the daily records (台账), the staff roster (健康证) and the sensors, typed from the API contract. */

import { http } from '@/api'
import type { Download, Page } from '@/api/types'
import { shrinkPhoto } from '@/lib/shrinkPhoto'

export const RECORD_KINDS = [
  'morning_check',
  'sample_retention',
  'disinfection',
  'accompanied_meal',
  'incoming_goods',
  'pesticide_test',
] as const
export type RecordKind = (typeof RECORD_KINDS)[number]
export const MEALS = ['breakfast', 'lunch', 'dinner'] as const
export type Meal = (typeof MEALS)[number]
/** The kinds written once per meal (the others once a day). */
export const MEAL_KINDS: readonly RecordKind[] = ['sample_retention', 'accompanied_meal']

export const isRecordKind = (value: unknown): value is RecordKind =>
  typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value)

export interface RecordPhoto {
  photo_id: number
  url: string
}

export interface MorningEntry {
  staff_id: number
  temperature_c: number
  hands_ok: boolean
  wounds: boolean
  symptoms: string[]
  passed: boolean
  note?: string
}
export interface MorningCheckData {
  entries: MorningEntry[]
  checked_by: string
}
export interface SampleRetentionData {
  dishes: { name: string; weight_g: number }[]
  stored_at: string
  storage_place: string
  keep_until?: string
  kept_by: string
}
export const DISINFECTION_METHODS = ['steam', 'boiling', 'cabinet', 'chemical', 'other'] as const
export interface DisinfectionData {
  method: (typeof DISINFECTION_METHODS)[number]
  started_at: string
  ended_at: string
  temperature_c?: number
  concentration_mg_l?: number
  operator: string
  sensor_id?: number
}
export interface AccompaniedMealData {
  person: string
  position: string
  remarks?: string
}
export interface IncomingGoodsData {
  supplier: string
  goods: { name: string; quantity: number; unit: string }[]
  licence_no: string
  licence_expires_on: string
  invoice_photo_ids?: number[]
  licence_photo_ids?: number[]
  operator: string
}
export interface PesticideTestData {
  sample: string
  method: string
  result: 'pass' | 'fail'
  value?: string
  operator: string
}
export interface RecordDataByKind {
  morning_check: MorningCheckData
  sample_retention: SampleRetentionData
  disinfection: DisinfectionData
  accompanied_meal: AccompaniedMealData
  incoming_goods: IncomingGoodsData
  pesticide_test: PesticideTestData
}
export type RecordData = RecordDataByKind[RecordKind]

export interface DailyRecord {
  id: number
  kind: RecordKind
  site_id: number
  site_name: string
  record_date: string
  meal: Meal | null
  data: Record<string, unknown>
  photos: RecordPhoto[]
  created_by_name: string
  created_at: string
  version: number
  corrected: boolean
}
export interface RecordCreate {
  site_id?: number
  record_date: string
  meal?: Meal
  data: RecordData
  photo_ids?: number[]
}
export interface RecordVersion {
  version: number
  data: Record<string, unknown>
  photos: RecordPhoto[]
  by_name: string
  at: string
  reason: string | null
}
export interface RecordQuery {
  site_id?: number
  date_from?: string
  date_to?: string
  meal?: Meal
  page?: number
  size?: number
}
export interface TodayItem {
  kind: RecordKind
  meal: Meal | null
  due_at: string
  done: boolean
  record_id: number | null
}
export interface Schedule {
  meals: Meal[]
  school_days: number[]
  holidays: string[]
  deadlines: {
    morning_check: string
    sample_retention: Partial<Record<Meal, string>>
    disinfection: Partial<Record<Meal, string>>
  }
}
export interface Rate {
  done: number
  expected: number
  rate: number | null
}
export interface SiteCompletion {
  site_id: number
  site_name: string
  street: string | null
  by_kind: Partial<Record<RecordKind, Rate>>
  rate: number | null
}
export interface Completion {
  days: number
  sites: SiteCompletion[]
  by_kind: Partial<Record<RecordKind, Rate>>
}
export interface CompletionQuery {
  date_from?: string
  date_to?: string
  region_id?: number
  street?: string
}

export type CertState = 'valid' | 'expiring' | 'expired'
export interface Staff {
  id: number
  site_id: number
  site_name: string
  name: string
  position: string
  phone: string
  cert_no: string
  cert_issued_on: string
  cert_expires_on: string
  photo_url: string | null
  active: boolean
  cert_state: CertState
  days_left: number
}
export interface StaffCreate {
  site_id?: number
  name: string
  position: string
  phone?: string
  cert_no: string
  cert_issued_on: string
  cert_expires_on: string
  photo_id?: number
  active: boolean
}
export type StaffUpdate = Partial<Omit<StaffCreate, 'site_id'>>
export interface StaffQuery {
  site_id?: number
  active?: boolean
  q?: string
  page?: number
  size?: number
}

export const SENSOR_KINDS = ['fridge', 'freezer', 'humidity', 'gas', 'uv_lamp', 'disinfection_cabinet'] as const
export type SensorKind = (typeof SENSOR_KINDS)[number]
/** Kinds that report power (on when the value is above 0), with no rule by default. */
export const POWER_KINDS: readonly SensorKind[] = ['uv_lamp', 'disinfection_cabinet']
export interface SensorRule {
  op: 'above' | 'below'
  threshold: number
  duration_s: number
}
export interface Sensor {
  id: number
  site_id: number
  site_name: string
  key: string
  name: string
  kind: SensorKind
  area_id: number | null
  /** the kitchen area's name */
  area: string | null
  unit: string
  rule: SensorRule | null
  enabled: boolean
  last_value: number | null
  last_at: string | null
  breach: boolean
  topic: string
}
export interface SensorCreate {
  site_id?: number
  key: string
  name: string
  kind: SensorKind
  area_id?: number
  /** omitted: the server's default by kind */
  unit?: string
  /** omitted: the kind's default rule; null: no rule */
  rule?: SensorRule | null
  enabled?: boolean
}
/** The kind of a sensor is fixed once registered. */
export type SensorUpdate = Partial<Omit<SensorCreate, 'site_id' | 'kind'>>
export interface ReadingPoint {
  at: string
  value: number
  min: number
  max: number
}

/** The request body of a record: `meal` only where the kind has one, `photo_ids` only when there are photos. */
export function recordBody(
  kind: RecordKind,
  recordDate: string,
  meal: Meal | null,
  data: RecordData,
  photoIds: readonly number[],
  siteId?: number,
): RecordCreate {
  const body: RecordCreate = { record_date: recordDate, data }
  if (siteId !== undefined) body.site_id = siteId
  if (meal && kind !== 'morning_check') body.meal = meal
  if (photoIds.length) body.photo_ids = [...photoIds]
  return body
}

export const records = {
  /** Uploads one photo (shrunk first when large); its id goes into the record. */
  uploadPhoto: async (picked: File) => {
    const photo = await shrinkPhoto(picked)
    const form = new FormData()
    form.append('photo', photo, photo.name || 'photo.jpg')
    return http.postForm<RecordPhoto>('/records/photos', form)
  },
  uploadPhotos: async (picked: readonly File[]): Promise<RecordPhoto[]> => {
    const out: RecordPhoto[] = []
    for (const file of picked) out.push(await records.uploadPhoto(file)) // one at a time: a phone's slow line
    return out
  },
  /** The photo's bytes (the link needs the bearer token). */
  photo: (photoId: number) => http.get<Download>(`/records/photos/${photoId}`, {}, { as: 'blob' }),

  create: (kind: RecordKind, body: RecordCreate) => http.post<DailyRecord>(`/records/${kind}`, body),
  correct: (kind: RecordKind, id: number, data: RecordData, reason: string, photoIds?: number[]) =>
    http.post<DailyRecord>(`/records/${kind}/${id}/corrections`, {
      data,
      reason,
      ...(photoIds?.length ? { photo_ids: photoIds } : {}),
    }),
  history: (kind: RecordKind, id: number) => http.get<RecordVersion[]>(`/records/${kind}/${id}/history`),
  list: (kind: RecordKind, query: RecordQuery) => http.get<Page<DailyRecord>>(`/records/${kind}`, { ...query }),
  today: (siteId?: number) => http.get<TodayItem[]>('/records/today', { site_id: siteId }),
  schedule: (siteId: number) => http.get<Schedule>(`/records/schedules/${siteId}`),
  saveSchedule: (siteId: number, body: Schedule) =>
    http.request<Schedule>('PUT', `/records/schedules/${siteId}`, { json: body }),
  completion: (query: CompletionQuery) => http.get<Completion>('/records/completion', { ...query }),

  staff: (query: StaffQuery) => http.get<Page<Staff>>('/staff', { ...query }),
  oneStaff: (id: number) => http.get<Staff>(`/staff/${id}`),
  createStaff: (body: StaffCreate) => http.post<Staff>('/staff', body),
  updateStaff: (id: number, body: StaffUpdate) => http.request<Staff>('PATCH', `/staff/${id}`, { json: body }),
  importStaff: (file: File, siteId?: number) => {
    const form = new FormData()
    form.append('file', file, file.name)
    return http.postForm<{ created: number; updated: number }>('/staff/import', form, { query: { site_id: siteId } })
  },
  exportStaff: (siteId?: number) => http.get<Download>('/staff/export', { site_id: siteId }, { as: 'blob' }),
  certificates: (query: { state?: 'expiring' | 'expired'; region_id?: number; street?: string; days?: number }) =>
    http.get<Staff[] | Page<Staff>>('/staff/certificates', { ...query }),

  sensors: (query: { site_id?: number; page?: number; size?: number } = {}) =>
    http.get<Sensor[] | Page<Sensor>>('/sensors', query),
  createSensor: (body: SensorCreate) => http.post<Sensor>('/sensors', body),
  updateSensor: (id: number, body: SensorUpdate) => http.request<Sensor>('PATCH', `/sensors/${id}`, { json: body }),
  deleteSensor: (id: number) => http.request<void>('DELETE', `/sensors/${id}`),
  readings: (id: number, query: { since?: string; until?: string; bucket_s?: number }) =>
    http.get<{ points: ReadingPoint[] }>(`/sensors/${id}/readings`, query),
  onTime: (id: number, start: string, end: string) =>
    http.get<{ seconds_on: number; readings: number }>(`/sensors/${id}/on-time`, { start, end }),
}

/** A list answer the contract leaves open (a bare array or a page): its rows. */
export const rowsOf = <T>(answer: T[] | Page<T>): T[] => (Array.isArray(answer) ? answer : answer.items)
