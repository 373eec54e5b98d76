/** A record's data in one line for a list (the reader's language), from the fields each kind has. */

import type { RecordKind } from './recordsApi'

type T = (key: string, values?: Record<string, unknown>) => string

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '')
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []
const time = (v: unknown): string => {
  const d = new Date(str(v))
  if (Number.isNaN(d.getTime())) return ''
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

export function recordSummary(kind: RecordKind, data: Record<string, unknown>, t: T): string {
  switch (kind) {
    case 'morning_check': {
      const entries = list(data.entries)
      const ok = entries.filter((e) => e.passed === true).length
      return `${t('records.passCount', { ok, bad: entries.length - ok })} · ${t('records.checkedBy')} ${str(data.checked_by)}`
    }
    case 'sample_retention':
      return list(data.dishes)
        .map((d) => `${str(d.name)} ${str(d.weight_g)}g`)
        .join('、')
    case 'disinfection':
      return `${t(`records.methods.${str(data.method) || 'other'}`)} ${time(data.started_at)}–${time(data.ended_at)} · ${str(data.operator)}`
    case 'accompanied_meal':
      return `${str(data.person)}（${str(data.position)}）${data.remarks ? ` · ${str(data.remarks)}` : ''}`
    case 'incoming_goods':
      return `${str(data.supplier)} · ${list(data.goods)
        .map((g) => `${str(g.name)} ${str(g.quantity)}${str(g.unit)}`)
        .join('、')}`
    case 'pesticide_test':
      return `${str(data.sample)} · ${t(`records.results.${data.result === 'fail' ? 'fail' : 'pass'}`)}`
  }
}
