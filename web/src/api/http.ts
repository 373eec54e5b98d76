/** A thin fetch wrapper: JSON in and out, bearer token, problem+json errors, and one hook for 401. */

import { ApiError, errorFromResponse, networkError } from './errors'

export const API_BASE = '/api/v1'

export type Query = Record<string, string | number | boolean | null | undefined | Array<string | number>>

export interface AuthHooks {
  token(): string | null
  /** Called when an authenticated request answers 401 (expired or revoked session). */
  onUnauthorized(err: ApiError): void
}

export interface RequestOptions {
  query?: Query
  json?: unknown
  form?: FormData
  /** false: send no token and do not treat 401 as an expired session (login, public pages) */
  auth?: boolean
  signal?: AbortSignal
  /** 'blob': answer a `Download` (the bytes and the server's file name) instead of parsed JSON */
  as?: 'json' | 'blob'
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*=UTF-8''…` preferred), else the fallback. */
export function filenameOf(header: string | null, fallback: string): string {
  if (!header) return fallback
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)
  if (star?.[1]) {
    try {
      return safeName(decodeURIComponent(star[1].trim()), fallback)
    } catch {
      // malformed escapes: try the plain form
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(header)
  return safeName((plain?.[1] ?? plain?.[2] ?? '').trim(), fallback)
}

function safeName(name: string, fallback: string): string {
  // No folders, no control characters: the browser saves it where the reader chose.
  const base = name.split(/[\\/]/).pop() ?? ''
  const clean = [...base].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('')
  return clean && clean !== '.' && clean !== '..' ? clean : fallback
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)))
    else params.append(key, String(value))
  }
  const qs = params.toString()
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`
}

export class Http {
  constructor(
    private readonly hooks: AuthHooks,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const useAuth = opts.auth !== false
    const headers: Record<string, string> = {
      Accept: opts.as === 'blob' ? '*/*' : 'application/json, application/problem+json',
    }
    const token = useAuth ? this.hooks.token() : null
    if (token) headers.Authorization = `Bearer ${token}`
    let body: BodyInit | undefined
    if (opts.form) body = opts.form
    else if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.json)
    }
    let res: Response
    try {
      const init: RequestInit = { method, headers, credentials: 'same-origin' }
      if (body !== undefined) init.body = body
      if (opts.signal) init.signal = opts.signal
      res = await this.fetchImpl(buildUrl(path, opts.query), init)
    } catch (cause) {
      throw networkError(cause)
    }
    if (!res.ok) {
      const err = await errorFromResponse(res)
      if (res.status === 401 && useAuth) this.hooks.onUnauthorized(err)
      throw err
    }
    if (res.status === 204) return undefined as T
    if (opts.as === 'blob') {
      const blob = await res.blob()
      return { blob, filename: filenameOf(res.headers.get('Content-Disposition'), 'download') } as T
    }
    const text = await res.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  get<T>(path: string, query?: Query, opts: Omit<RequestOptions, 'query'> = {}): Promise<T> {
    return this.request<T>('GET', path, { ...opts, query })
  }

  post<T>(path: string, json?: unknown, opts: Omit<RequestOptions, 'json'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, json })
  }

  postForm<T>(path: string, form: FormData, opts: Omit<RequestOptions, 'form'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, form })
  }
}

export { ApiError }
