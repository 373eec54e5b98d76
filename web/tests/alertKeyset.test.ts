import { describe, expect, it } from 'vitest'

import { pageRequest, shownTotal, useKeysetPaged, type KeysetPage } from '@/lib/useKeysetPaged'

/** A fake alert list over `n` ids, newest first: pages by number or after a cursor (the last id seen). */
function endpoint(n: number, exact: number) {
  const asked: [number, number, string | undefined][] = []
  const all = Array.from({ length: n }, (_, i) => n - i)
  const fetchPage = async (page: number, size: number, cursor?: string): Promise<KeysetPage<number>> => {
    asked.push([page, size, cursor])
    const start = cursor === undefined ? (page - 1) * size : all.indexOf(Number(cursor)) + 1
    const items = all.slice(start, start + size)
    const more = start + size < n
    const total = n > exact ? exact + 1 : n // past the limit: a short estimate, as SQLite gives
    return { items, total, page, size, total_estimated: n > exact, next_cursor: more ? String(items.at(-1)) : null }
  }
  return { asked, fetchPage }
}

describe('pageRequest', () => {
  const cursors = new Map([
    [3, 'c3'],
    [600, 'c600'],
  ])
  it('reads the first pages by number, even with a cursor in hand', () => {
    expect(pageRequest(3, 20, cursors, 100)).toEqual({ page: 3 })
  })
  it('reads pages past the counted rows by the cursor the page before gave', () => {
    expect(pageRequest(600, 20, cursors, 100)).toEqual({ page: 600, cursor: 'c600' })
  })
  it('falls back to the number where no cursor is known (a page typed in, a reload)', () => {
    expect(pageRequest(601, 20, cursors, 100)).toEqual({ page: 601 })
  })
})

describe('shownTotal', () => {
  it('keeps a next page reachable when the estimate is short', () => {
    expect(shownTotal({ items: [], total: 101, page: 9, size: 20, next_cursor: 'x' }, 9, 20)).toBe(181)
    expect(shownTotal({ items: [], total: 101, page: 9, size: 20, next_cursor: null }, 9, 20)).toBe(101)
  })
})

describe('useKeysetPaged', () => {
  it('walks next beyond the exact-count limit by cursor, and back', async () => {
    const api = endpoint(100, 30)
    const list = useKeysetPaged(api.fetchPage, 10, 30)
    for (let page = 1; page <= 6; page++) {
      list.page.value = page
      await list.load()
    }
    expect(list.rows.value).toEqual([50, 49, 48, 47, 46, 45, 44, 43, 42, 41])
    expect(list.estimated.value).toBe(true)
    expect(list.total.value).toBe(61) // the estimate (31) is short: page 7 stays reachable
    // Pages 1-3 by number; 4, 5, 6 after the cursor the page before gave.
    expect(api.asked.map(([p, , c]) => [p, c])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, undefined],
      [4, '71'],
      [5, '61'],
      [6, '51'],
    ])
    list.page.value = 5
    await list.load()
    expect(api.asked.at(-1)).toEqual([5, 10, '61'])
    expect(list.rows.value[0]).toBe(60)
  })

  it('forgets the cursors for new filters and for another page size', async () => {
    const api = endpoint(100, 30)
    const list = useKeysetPaged(api.fetchPage, 10, 30)
    for (const page of [1, 2, 3, 4]) {
      list.page.value = page
      await list.load()
    }
    list.page.value = 5
    list.forget()
    await list.load()
    expect(api.asked.at(-1)).toEqual([5, 10, undefined])
    list.size.value = 20
    list.page.value = 3
    await list.load()
    expect(api.asked.at(-1)).toEqual([3, 20, undefined])
    expect(list.rows.value[0]).toBe(60)
  })

  it('counts exactly and says so within the limit', async () => {
    const list = useKeysetPaged(endpoint(25, 30).fetchPage, 10, 30)
    await list.load()
    expect([list.total.value, list.estimated.value]).toEqual([25, false])
  })
})
