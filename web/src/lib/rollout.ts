/** Roll-out (建设进度) logic the pages share: counts per status, "stuck longest first", and when the test
 * alert item has moved on after "send test alert". */

import type { ChecklistItem, Page, RolloutSite, RolloutStatus } from '@/api/types'
import { ROLLOUT_STATUSES } from '@/api/types'

export type StatusCounts = Record<RolloutStatus, number> & { total: number }

export function countByStatus(sites: readonly Pick<RolloutSite, 'status'>[]): StatusCounts {
  const counts = { total: 0 } as StatusCounts
  for (const s of ROLLOUT_STATUSES) counts[s] = 0
  for (const site of sites) {
    counts.total += 1
    if ((ROLLOUT_STATUSES as readonly string[]).includes(site.status)) counts[site.status as RolloutStatus] += 1
  }
  return counts
}

/** Sites not yet accepted first, the one in its status longest at the top; accepted sites last, oldest first;
 * ties by site code. */
export function stuckFirst<T extends Pick<RolloutSite, 'status' | 'status_since' | 'site_code'>>(sites: readonly T[]): T[] {
  const at = (s: T): number => {
    const ms = Date.parse(s.status_since)
    return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms
  }
  return [...sites].sort(
    (a, b) =>
      Number(a.status === 'accepted') - Number(b.status === 'accepted') ||
      at(a) - at(b) ||
      a.site_code.localeCompare(b.site_code),
  )
}

/** Whole days since an instant (0 for under a day, or a time in the future). */
export function daysSince(iso: string, now: number = Date.now()): number {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return 0
  return Math.max(0, Math.floor((now - ms) / 86_400_000))
}

export const TEST_ITEM = 'test_alert'

/** What the page compares while it waits for the device: the test item's state and evidence. */
export function testItemKey(items: readonly ChecklistItem[]): string {
  const item = items.find((i) => i.code === TEST_ITEM)
  return item ? `${item.state}\u0000${item.evidence}` : ''
}

/** Keep polling while the test item looks as it did just after the request, and the request is still live. */
export function keepPolling(baseline: string, items: readonly ChecklistItem[], startedAt: number, now: number, limitMs: number): boolean {
  return testItemKey(items) === baseline && now - startedAt < limitMs
}

/** Every page of a paginated list (up to `maxPages`), for lists the page sorts itself. */
export async function fetchAll<T>(fetchPage: (page: number, size: number) => Promise<Page<T>>, size = 500, maxPages = 20): Promise<T[]> {
  const out: T[] = []
  for (let page = 1; page <= maxPages; page += 1) {
    const result = await fetchPage(page, size)
    out.push(...result.items)
    if (out.length >= result.total || result.items.length < size) break
  }
  return out
}

/** The checklist item's title in the reader's language. */
export function itemTitle(item: Pick<ChecklistItem, 'title' | 'title_en'>, locale: string): string {
  return locale.startsWith('zh') ? item.title : item.title_en || item.title
}
