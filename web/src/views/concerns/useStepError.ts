/** A refused step in plain words: the concern's own codes first, then the usual wording of any error. */

import { useI18n } from 'vue-i18n'

import { ApiError } from '@/api'
import { useErrors } from '@/lib/useErrors'

export function useStepError(): (err: unknown) => string {
  const { t, te } = useI18n()
  const { describe } = useErrors()
  return (err: unknown): string => {
    const key = err instanceof ApiError && err.code ? `concernLoop.error.${err.code}` : ''
    return key && te(key) ? t(key) : describe(err)
  }
}
