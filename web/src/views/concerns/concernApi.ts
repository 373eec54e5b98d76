/** The calls of the concerns page and the public receipt lookup. */

import { http } from '@/api'
import type { components } from '@/api/schema'
import type { Page } from '@/api/types'

type S = components['schemas']

export type Concern = S['ConcernPublic']
export type ConcernDetail = S['ConcernDetail']
export type ConcernState = S['ConcernState']
export type ConcernStep = S['ConcernStepPublic']
export type ReceiptLookup = S['ReceiptLookup']

export const CONCERN_STATES: readonly ConcernState[] = ['received', 'handling', 'replied', 'closed']

export interface ConcernQuery {
  page?: number
  size?: number
  site_id?: number
  state?: ConcernState
  since?: string
  until?: string
  /** a column name, '-' in front for downwards */
  sort?: string
}

export const concernApi = {
  list: (query: ConcernQuery) => http.get<Page<Concern>>('/concerns', { ...query }),
  get: (id: number) => http.get<ConcernDetail>(`/concerns/${id}`),
  handle: (id: number, note: string) => http.post<ConcernDetail>(`/concerns/${id}/handle`, { note }),
  reply: (id: number, reply: string) => http.post<ConcernDetail>(`/concerns/${id}/reply`, { reply }),
  close: (id: number, note: string) => http.post<ConcernDetail>(`/concerns/${id}/close`, { note }),
  reopen: (id: number, note: string) => http.post<ConcernDetail>(`/concerns/${id}/reopen`, { note }),
  /** No sign-in: anyone holding the receipt code. */
  lookup: (code: string) =>
    http.get<ReceiptLookup>(`/public/concerns/${encodeURIComponent(code)}`, {}, { auth: false }),
}

/** The tag colour of a state. */
export function stateType(state: ConcernState): 'danger' | 'warning' | 'primary' | 'success' {
  return ({ received: 'danger', handling: 'warning', replied: 'primary', closed: 'success' } as const)[state]
}
