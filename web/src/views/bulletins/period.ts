/** Which period a bulletin covers, in words: the whole day for the scheduled one, up to a time for "today so far". */

import type { BulletinSummary } from '@/api/types'
import { formatDateTime } from '@/lib/format'

type Translate = (key: string, values?: Record<string, unknown>) => string

export function periodText(t: Translate, b: Pick<BulletinSummary, 'kind' | 'date' | 'period_end'>): string {
  if (b.kind === 'on_demand') {
    const end = formatDateTime(b.period_end)
    return t('standing.coversToday', { day: b.date, time: end.slice(11) })
  }
  return t('standing.coversDay', { day: b.date })
}
