/**
 * A paged list whose endpoint also answers with a keyset cursor (`next_cursor`) and may only estimate its total
 * (`total_estimated`): the alert list at millions of rows. Page numbers stay what the reader sees and what the URL
 * holds; the first pages are read by number (cheap while the total is counted exactly), pages further in by the
 * cursor the page before gave, so "next" costs the same on page 2 and on page 50,000.
 */

import { ref, type Ref } from 'vue'

import type { Page } from '@/api/types'

import { usePaged, type Paged } from './usePaged'

/** A page that can lead on by cursor. */
export interface KeysetPage<T> extends Page<T> {
  next_cursor?: string | null
  total_estimated?: boolean
}

/** How many rows the platform counts exactly (BRIGHTKITCHEN_ALERT_LIST_EXACT_TOTAL's default). */
export const EXACT_ROWS = 10_000

export interface PageRequest {
  page: number
  cursor?: string
}

/** What to ask for page `page`: by number within the first `exact` rows, or where no cursor is known (a page typed
 * in, or the page after a reload); otherwise after the cursor the page before it gave. */
export function pageRequest(
  page: number,
  size: number,
  cursors: ReadonlyMap<number, string>,
  exact = EXACT_ROWS,
): PageRequest {
  const cursor = cursors.get(page)
  if ((page - 1) * size < exact || cursor === undefined) return { page }
  return { page, cursor }
}

/** The total to page through: an estimate may be short, but a page with a next one always has a next page. */
export function shownTotal(result: KeysetPage<unknown>, page: number, size: number): number {
  return result.next_cursor ? Math.max(result.total, page * size + 1) : result.total
}

export interface KeysetPaged<T> extends Paged<T> {
  /** the total is an estimate (show it as "about N") */
  estimated: Ref<boolean>
  /** drops the cursors: the filters, the order or the page size changed */
  forget: () => void
}

export function useKeysetPaged<T>(
  fetchPage: (page: number, size: number, cursor?: string) => Promise<KeysetPage<T>>,
  size = 20,
  exact = EXACT_ROWS,
): KeysetPaged<T> {
  // cursors.get(n): the cursor that reads page n, given by page n - 1 for the size it was read with
  const cursors = new Map<number, string>()
  let cursorSize = size
  const estimated = ref(false)

  const paged = usePaged<T>(async (page, pageSize) => {
    if (pageSize !== cursorSize) {
      cursors.clear()
      cursorSize = pageSize
    }
    const req = pageRequest(page, pageSize, cursors, exact)
    const result = await fetchPage(req.page, pageSize, req.cursor)
    if (result.next_cursor) cursors.set(page + 1, result.next_cursor)
    else cursors.delete(page + 1)
    estimated.value = result.total_estimated === true
    return { ...result, total: shownTotal(result, page, pageSize) }
  }, size)

  return { ...paged, estimated, forget: () => cursors.clear() }
}
