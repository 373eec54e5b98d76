/** Errors of the platform API: RFC 9457 problem details, turned into one class the pages can show. */

export interface FieldError {
  field: string
  message: string
  /** pydantic's error type (`missing`, `string_too_short`, …) when the server gives one */
  type?: string
  /** the sheet row of an import's error (row 1 is the header) */
  row?: number
}

export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly code: string | undefined
  readonly errors: FieldError[]
  /** seconds, from a Retry-After header (429) */
  readonly retryAfter: number | undefined

  constructor(init: {
    status: number
    title: string
    detail?: string
    code?: string
    errors?: FieldError[]
    retryAfter?: number
  }) {
    super(init.detail || init.title)
    this.name = 'ApiError'
    this.status = init.status
    this.title = init.title
    this.detail = init.detail ?? ''
    this.code = init.code
    this.errors = init.errors ?? []
    this.retryAfter = init.retryAfter
  }

  get isNetwork(): boolean {
    return this.status === 0
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((e: unknown): FieldError[] => {
    if (typeof e !== 'object' || e === null) return []
    const rec = e as Record<string, unknown>
    const field = str(rec.field) ?? ''
    const message = str(rec.message) ?? ''
    if (!field && !message) return []
    const out: FieldError = { field, message }
    const type = str(rec.type)
    if (type) out.type = type
    if (typeof rec.row === 'number' && Number.isInteger(rec.row)) out.row = rec.row
    return [out]
  })
}

function retryAfterOf(headers: Headers): number | undefined {
  const raw = headers.get('Retry-After')
  if (!raw) return undefined
  const seconds = Number(raw)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds)
  const at = Date.parse(raw)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

/** Reads a failed response into an ApiError, whatever its body (problem+json, other JSON, HTML from a proxy). */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const retryAfter = retryAfterOf(res.headers)
  let body: unknown
  try {
    const text = await res.text()
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  const rec = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const init: ConstructorParameters<typeof ApiError>[0] = {
    status: res.status,
    title: str(rec.title) ?? (res.statusText || `HTTP ${res.status}`),
    errors: fieldErrors(rec.errors),
  }
  const detail = str(rec.detail)
  if (detail) init.detail = detail
  const code = str(rec.code)
  if (code) init.code = code
  if (retryAfter !== undefined) init.retryAfter = retryAfter
  return new ApiError(init)
}

export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new ApiError({ status: 0, title: 'Network error', detail })
}

/** A translation function, as vue-i18n's `t` (key, named parameters). */
export type Translate = (key: string, params?: Record<string, unknown>) => string
export type HasKey = (key: string) => boolean

/** Where the words for a problem code live: `batch.problem.<code>` in both message files. */
export const PROBLEM_KEY = 'batch.problem'

/**
 * One sentence in the reader's language for any error. A problem `code` the app knows has its own words; else
 * the status in plain words. The server's own sentence (English) is added only when `serverWords` is true (the
 * English mode): in Chinese mode the reader never sees it.
 */
export function errorMessage(err: unknown, t: Translate, has: HasKey, serverWords = false): string {
  if (!(err instanceof ApiError)) return t('error.unexpected')
  if (err.isNetwork) return t('error.network')
  const fieldName = (field: string): string | null => {
    const key = `field.${field}`
    return has(key) ? t(key) : serverWords ? field : null
  }
  const fieldMessage = (e: FieldError): string => {
    const key = `validation.${e.type ?? ''}`
    if (e.type && has(key)) return t(key)
    return serverWords && e.message ? e.message : t('batch.fieldInvalid')
  }
  const fieldErrors = (): string =>
    err.errors
      .map((e) => {
        const name = e.field ? fieldName(e.field) : null
        return name ? `${name}: ${fieldMessage(e)}` : fieldMessage(e)
      })
      .filter((part, i, all) => all.indexOf(part) === i)
      .join(t('punct.semicolon'))
  const codeKey = `${PROBLEM_KEY}.${err.code ?? ''}`
  const known = err.code !== undefined && has(codeKey)
  // A code whose words are general (invalid input) still names the fields at fault.
  if (known && !(err.code === 'invalid' && err.errors.length)) {
    if (err.status === 429 && err.retryAfter !== undefined) return t('error.rateLimitedFor', { seconds: err.retryAfter })
    return t(codeKey)
  }
  switch (err.status) {
    case 401:
      return t('error.unauthorized')
    case 403:
      return t('error.forbidden')
    case 404:
      return t('error.notFound')
    case 409:
      return withDetail(t('error.conflict'))
    case 413:
      return t('error.tooLarge')
    case 415:
      return withDetail(t('error.unsupported'))
    case 422:
      return err.errors.length ? `${t('error.invalid')}${t('punct.colon')}${fieldErrors()}` : withDetail(t('error.invalid'))
    case 429:
      return err.retryAfter !== undefined ? t('error.rateLimitedFor', { seconds: err.retryAfter }) : t('error.rateLimited')
    default:
      if (err.status >= 500) return t('error.server')
      return withDetail(t('error.failed', { status: err.status }))
  }

  function withDetail(head: string): string {
    return serverWords && err instanceof ApiError && err.detail ? `${head}${t('punct.colon')}${err.detail}` : head
  }
}
