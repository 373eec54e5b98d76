/** A paginated list from the API: rows, total, page, loading and the error of the last load. */

import { computed, ref, shallowRef, type Ref } from 'vue'

import type { Page } from '@/api/types'

/** What a pager shows and moves: the page, its size and how many rows there are in all. */
export interface Pager {
  page: Ref<number>
  size: Ref<number>
  total: Readonly<Ref<number>>
}

export interface Paged<T> extends Pager {
  rows: Ref<T[]>
  total: Ref<number>
  loading: Ref<boolean>
  error: Ref<unknown>
  load: () => Promise<void>
  /** goes back to the first page and loads it: for a new search or filter */
  reload: () => Promise<void>
  /** reads the current page again without the loading state; a failure keeps the rows shown */
  refresh: () => Promise<void>
}

export function usePaged<T>(fetchPage: (page: number, size: number) => Promise<Page<T>>, size = 20): Paged<T> {
  const rows = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const pageSize = ref(size)
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    try {
      const result = await fetchPage(page.value, pageSize.value)
      if (mine !== seq) return // a newer load started meanwhile; its answer wins
      rows.value = result.items
      total.value = result.total
      error.value = null
    } catch (err) {
      if (mine === seq) error.value = err
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function reload(): Promise<void> {
    page.value = 1
    return load()
  }

  async function refresh(): Promise<void> {
    if (loading.value) return // a load is on its way; it is fresher than this would be
    const mine = ++seq
    try {
      const result = await fetchPage(page.value, pageSize.value)
      if (mine !== seq) return
      rows.value = result.items
      total.value = result.total
      error.value = null
    } catch {
      // keep what is shown; the next refresh or load tries again
    }
  }

  return { rows, total, page, size: pageSize, loading, error, load, reload, refresh }
}

/** Pages through rows already in hand (the whole list was read at once): the pager and the rows of its page. */
export function useSlice<T>(all: Readonly<Ref<readonly T[]>>, size = 20): Pager & { rows: Readonly<Ref<T[]>> } {
  const page = ref(1)
  const pageSize = ref(size)
  const total = computed(() => all.value.length)
  const rows = computed(() => all.value.slice((page.value - 1) * pageSize.value, page.value * pageSize.value))
  return { page, size: pageSize, total, rows }
}
