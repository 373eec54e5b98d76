/** What the admin pages share: the table's sort as the API's `sort`, confirmations, and errors in plain words. */

import { ElMessage, ElMessageBox } from 'element-plus'
import { ref, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'

import { ApiError } from '@/api/errors'
import { useErrors } from '@/lib/useErrors'

/** ElTable's sort-change → `name` / `-name` / undefined. */
export function sortParam(prop: string | null | undefined, order: string | null | undefined): string | undefined {
  if (!prop || !order) return undefined
  return order === 'descending' ? `-${prop}` : prop
}

export function useSort(reload: () => unknown): {
  sort: Ref<string | undefined>
  onSort: (e: { prop: string | null; order: string | null }) => void
} {
  const sort = ref<string | undefined>()
  const onSort = (e: { prop: string | null; order: string | null }): void => {
    sort.value = sortParam(e.prop, e.order)
    void reload()
  }
  return { sort, onSort }
}

/** Empty strings and nulls left out, so an unset filter is not sent. */
export function filled<T extends Record<string, unknown>>(query: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(query).filter(([, v]) => v !== '' && v !== null && v !== undefined),
  ) as Partial<T>
}

export interface RemoveOptions {
  /** the success message; default "已删除" */
  success?: string
  /** what a 409 means on this page */
  conflict?: string
}

export function useAdmin(): {
  confirm: (message: string, danger?: boolean) => Promise<boolean>
  /** a failed request in the reader's words: a 409 with the page's own message where it gives one */
  describe: (err: unknown, conflict?: string) => string
  fail: (err: unknown, conflict?: string) => void
  done: (message: string) => void
  /** asks first; then deletes, says so and reloads, or says why not (a 409 in the page's words) */
  removeConfirmed: (question: string, work: () => Promise<unknown>, after: () => unknown, opts?: RemoveOptions) => Promise<void>
} {
  const { t } = useI18n()
  const errors = useErrors()
  const confirm = async (message: string, danger = true): Promise<boolean> => {
    try {
      await ElMessageBox.confirm(message, t('admin.common.confirmTitle'), {
        type: danger ? 'warning' : 'info',
        confirmButtonText: t('action.confirm'),
        cancelButtonText: t('action.cancel'),
        confirmButtonClass: danger ? 'el-button--danger' : '',
      })
      return true
    } catch {
      return false
    }
  }
  const describe = (err: unknown, conflict?: string): string =>
    conflict && err instanceof ApiError && err.status === 409 ? conflict : errors.describe(err)
  const fail = (err: unknown, conflict?: string): void => {
    if (err instanceof ApiError && err.status === 401) return
    ElMessage({ type: 'error', message: describe(err, conflict), showClose: true, duration: 6000 })
  }
  const done = (message: string): void => {
    ElMessage({ type: 'success', message })
  }
  const removeConfirmed = async (
    question: string,
    work: () => Promise<unknown>,
    after: () => unknown,
    opts: RemoveOptions = {},
  ): Promise<void> => {
    if (!(await confirm(question))) return
    try {
      await work()
      done(opts.success ?? t('admin.common.deleted'))
      await after()
    } catch (err) {
      fail(err, opts.conflict)
    }
  }
  return { confirm, describe, fail, done, removeConfirmed }
}
