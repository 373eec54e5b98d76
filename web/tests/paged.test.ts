import { describe, expect, it } from 'vitest'
import { ref } from 'vue'

import type { Page } from '@/api/types'
import { usePaged, useSlice } from '@/lib/usePaged'

/** A fake list endpoint over `n` numbers that remembers what was asked. */
function endpoint(n: number) {
  const asked: [number, number][] = []
  const all = Array.from({ length: n }, (_, i) => i + 1)
  const fetchPage = async (page: number, size: number): Promise<Page<number>> => {
    asked.push([page, size])
    return { items: all.slice((page - 1) * size, page * size), total: n, page, size }
  }
  return { asked, fetchPage }
}

describe('usePaged', () => {
  it('loads the page it is on', async () => {
    const api = endpoint(45)
    const list = usePaged(api.fetchPage, 20)
    list.page.value = 3
    await list.load()
    expect(api.asked).toEqual([[3, 20]])
    expect(list.rows.value).toEqual([41, 42, 43, 44, 45])
    expect(list.total.value).toBe(45)
    expect(list.loading.value).toBe(false)
  })

  it('goes back to the first page on reload (a new search)', async () => {
    const api = endpoint(45)
    const list = usePaged(api.fetchPage, 20)
    list.page.value = 3
    await list.reload()
    expect(list.page.value).toBe(1)
    expect(api.asked).toEqual([[1, 20]])
    expect(list.rows.value[0]).toBe(1)
  })

  it('keeps the answer of the newest load when an older one comes back late', async () => {
    let release: (p: Page<string>) => void = () => undefined
    const slow = new Promise<Page<string>>((resolve) => (release = resolve))
    let calls = 0
    const list = usePaged<string>(async () => (++calls === 1 ? slow : { items: ['new'], total: 1, page: 1, size: 20 }))
    const first = list.load()
    await list.load()
    release({ items: ['old'], total: 1, page: 1, size: 20 })
    await first
    expect(list.rows.value).toEqual(['new'])
  })

  it('shows a failed load as the error, and a failed refresh not at all', async () => {
    let fail = true
    const list = usePaged<number>(async () => {
      if (fail) throw new Error('down')
      return { items: [7], total: 1, page: 1, size: 20 }
    })
    await list.load()
    expect(list.error.value).toBeInstanceOf(Error)
    fail = false
    await list.load()
    expect(list.error.value).toBeNull()
    fail = true
    await list.refresh()
    expect(list.error.value).toBeNull()
    expect(list.rows.value).toEqual([7])
  })
})

describe('useSlice', () => {
  it('pages through rows in hand and follows them when they change', () => {
    const all = ref(Array.from({ length: 25 }, (_, i) => i))
    const pager = useSlice(all, 10)
    expect(pager.total.value).toBe(25)
    expect(pager.rows.value).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    pager.page.value = 3
    expect(pager.rows.value).toEqual([20, 21, 22, 23, 24])
    all.value = all.value.slice(0, 22)
    expect(pager.total.value).toBe(22)
    expect(pager.rows.value).toEqual([20, 21])
  })
})
