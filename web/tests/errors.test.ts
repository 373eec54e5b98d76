import { describe, expect, it, vi } from 'vitest'

import { ApiError, errorFromResponse, errorMessage, networkError } from '@/api/errors'
import { buildUrl, Http } from '@/api/http'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'

/** A `t` over the real message files, interpolating {named} parameters like vue-i18n. */
function translator(messages: object): { t: (k: string, p?: Record<string, unknown>) => string; has: (k: string) => boolean } {
  const lookup = (key: string): unknown =>
    key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages)
  return {
    has: (key) => typeof lookup(key) === 'string',
    t: (key, params = {}) => {
      const msg = lookup(key)
      if (typeof msg !== 'string') return key
      return msg.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]))
    },
  }
}
const zh = translator(zhCN)
const english = translator(en)
const say = (err: unknown, tr = zh): string => errorMessage(err, tr.t, tr.has, tr === english)

function problem(status: number, body: object, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

describe('reading problem documents', () => {
  it('takes title, detail, code and field errors', async () => {
    const err = await errorFromResponse(
      problem(422, {
        title: 'Invalid request',
        status: 422,
        detail: "invalid value for 'text'",
        errors: [{ field: 'text', message: 'String should have at least 1 character', type: 'string_too_short' }],
      }),
    )
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.detail).toBe("invalid value for 'text'")
    expect(err.errors).toEqual([
      { field: 'text', message: 'String should have at least 1 character', type: 'string_too_short' },
    ])
  })

  it('reads Retry-After in seconds', async () => {
    const err = await errorFromResponse(problem(429, { title: 'Too many requests', code: 'rate_limited' }, { 'Retry-After': '42' }))
    expect(err.retryAfter).toBe(42)
    expect(err.code).toBe('rate_limited')
  })

  it('survives a body that is not JSON (a proxy error page)', async () => {
    const err = await errorFromResponse(new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    expect(err.status).toBe(502)
    expect(err.title).toBe('Bad Gateway')
    expect(err.errors).toEqual([])
  })

  it('ignores malformed field errors', async () => {
    const err = await errorFromResponse(problem(422, { title: 'x', errors: [null, 3, { field: 'a', message: 'b' }, {}] }))
    expect(err.errors).toEqual([{ field: 'a', message: 'b' }])
  })
})

describe('plain words for each error', () => {
  it.each([
    [401, '登录已失效，请重新登录'],
    [403, '您没有权限进行此操作'],
    [404, '未找到该记录，或您无权查看'],
    [413, '文件过大，请压缩后重新上传'],
    [500, '服务器暂时无法完成请求，请稍后重试'],
    [503, '服务器暂时无法完成请求，请稍后重试'],
  ])('%i in Chinese', (status, text) => {
    expect(say(new ApiError({ status, title: 'x', detail: 'internal words' }))).toBe(text)
  })

  it('adds what the server said to a conflict in English only: Chinese mode never shows server English', () => {
    const err = new ApiError({ status: 409, title: 'Conflict', detail: 'cannot approve an alert that is closed' })
    expect(say(err)).toBe('操作未完成，记录状态已变化')
    expect(say(err, english)).toBe('Not done: the record has changed meanwhile: cannot approve an alert that is closed')
  })

  it('names the fields at fault, in the reader’s language', () => {
    const err = new ApiError({
      status: 422,
      title: 'Invalid request',
      errors: [
        { field: 'text', message: 'String should have at least 1 character', type: 'string_too_short' },
        { field: 'phone', message: 'odd', type: 'string_pattern_mismatch' },
        { field: 'mystery', message: 'server words', type: 'no_such_type' },
      ],
    })
    expect(say(err)).toBe('填写的内容有误：反映内容: 不能为空或过短；电话: 格式不正确；填写有误')
    expect(say(err, english)).toBe(
      'Some of what you entered is not valid: Your report: empty or too short; Phone: not in the right format; mystery: server words',
    )
  })

  it('says how long to wait when rate-limited', () => {
    expect(say(new ApiError({ status: 429, title: 'x', retryAfter: 30 }))).toBe('提交过于频繁，请 30 秒后再试')
    expect(say(new ApiError({ status: 429, title: 'x' }))).toBe('提交过于频繁，请稍后再试')
  })

  it('tells a network failure from anything else', () => {
    expect(say(networkError(new TypeError('Failed to fetch')))).toBe('无法连接服务器，请检查网络后重试')
    expect(say(new Error('boom'))).toBe('出现意外错误，请刷新页面后重试')
    expect(say(new ApiError({ status: 418, title: 'x', detail: 'teapot' }))).toBe('操作失败（418）')
    expect(say(new ApiError({ status: 418, title: 'x', detail: 'teapot' }), english)).toContain('teapot')
  })
})

describe('the fetch wrapper', () => {
  const ok = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

  it('builds query strings, leaving out empty values and repeating arrays', () => {
    expect(buildUrl('/alerts', { page: 2, code: undefined, state: '', overdue: true, ids: [1, 2] })).toBe(
      '/api/v1/alerts?page=2&overdue=true&ids=1&ids=2',
    )
  })

  it('sends the token and JSON, and reads JSON back', async () => {
    const fetchImpl = vi.fn(async () => ok({ id: 1 }))
    const http = new Http({ token: () => 'bku_x', onUnauthorized: vi.fn() }, fetchImpl)
    await expect(http.post('/alerts/1/review', { decision: 'approve' })).resolves.toEqual({ id: 1 })
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/alerts/1/review')
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer bku_x')
    expect(init.body).toBe('{"decision":"approve"}')
  })

  it('reports a 401 on a signed-in call as an ended session, and throws the problem', async () => {
    const onUnauthorized = vi.fn()
    const http = new Http(
      { token: () => 'bku_old', onUnauthorized },
      async () => problem(401, { title: 'Unauthorized', detail: 'The session has expired; sign in again' }),
    )
    await expect(http.get('/auth/me')).rejects.toMatchObject({ status: 401, detail: 'The session has expired; sign in again' })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('does not treat a failed login (auth: false) as an ended session, and sends no token', async () => {
    const onUnauthorized = vi.fn()
    const fetchImpl = vi.fn(async () => problem(401, { title: 'Unauthorized', detail: 'wrong username or password' }))
    const http = new Http({ token: () => 'bku_old', onUnauthorized }, fetchImpl)
    await expect(http.post('/auth/login', { username: 'a', password: 'b' }, { auth: false })).rejects.toBeInstanceOf(ApiError)
    expect(onUnauthorized).not.toHaveBeenCalled()
    const [, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit]
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined()
  })

  it('turns a failed fetch into a network error', async () => {
    const http = new Http({ token: () => null, onUnauthorized: vi.fn() }, async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(http.get('/health')).rejects.toMatchObject({ status: 0, isNetwork: true })
  })

  it('answers undefined for 204', async () => {
    const http = new Http({ token: () => 't', onUnauthorized: vi.fn() }, async () => new Response(null, { status: 204 }))
    await expect(http.post('/auth/logout')).resolves.toBeUndefined()
  })
})
