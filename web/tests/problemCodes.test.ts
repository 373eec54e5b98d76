import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { describe, expect, it } from 'vitest'

import { ApiError, errorMessage } from '@/api/errors'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'

/** Every problem code the platform answers with (collected from its `code="..."` and the codes it builds). */
const SERVER_CODES = [
  'bad_credentials', 'login_throttled', 'unauthorized', 'password_change_required', 'use_password_change',
  'wrong_password', 'weak_password', 'same_password', 'forbidden', 'not_found', 'conflict', 'wrong_state',
  'mixed_codes', 'reason_required', 'invalid', 'import_rows_invalid', 'photo_required', 'too_many_photos',
  'unsupported_media_type', 'corrupt', 'truncated', 'unreadable_picture', 'too_large', 'bad_multipart',
  'rate_limited', 'unavailable', 'bad_link', 'wrong_site', 'unknown_camera', 'stream_limit', 'too_many_streams',
  'outside_public_hours', 'no_recording', 'range_too_long', 'timeout', 'bad_range', 'bad_segment_header',
  'invalid_last_event_id', 'concern_wrong_state', 'concern_regulator_only',
  'unknown_label', 'bad_box', 'bad_image', 'no_snapshot', 'no_picture', 'empty', 'bad_card', 'bad_model',
  'duplicate_version', 'assigned',
  'invalid_record', 'unknown_photo', 'not_power_sensor', 'unreadable_file',
] as const

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
const SERVER_ENGLISH = 'the photo must be a JPEG or PNG image by content'
const HAN = /[\u4e00-\u9fff]/
/** an English word (JPG, PNG and MB are the names people know those by) */
const LATIN_WORD = /[a-z]{3,}/

const statusOf = (code: string): number =>
  ({ bad_credentials: 401, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409, wrong_state: 409,
     mixed_codes: 409, too_large: 413, unsupported_media_type: 415, rate_limited: 429, login_throttled: 429,
     unavailable: 503, concern_wrong_state: 409, concern_regulator_only: 403, duplicate_version: 409,
     assigned: 409 })[code] ?? 422 // prettier-ignore

describe('every server problem code in the reader’s words', () => {
  it.each(SERVER_CODES)('%s: Chinese words of its own, never the server’s English', (code) => {
    const err = new ApiError({ status: statusOf(code), title: 'Invalid request', detail: SERVER_ENGLISH, code })
    const said = errorMessage(err, zh.t, zh.has, false)
    expect(zh.has(`batch.problem.${code}`)).toBe(true)
    expect(said).toBe(zh.t(`batch.problem.${code}`))
    expect(said).toMatch(HAN)
    expect(said).not.toMatch(LATIN_WORD)
    const inEnglish = errorMessage(err, english.t, english.has, true)
    expect(inEnglish).toBe(english.t(`batch.problem.${code}`))
  })

  it('an unknown code falls back to Chinese words for its status, without the server’s sentence', () => {
    for (const [status, words] of [
      [415, '文件格式不支持'],
      [409, '操作未完成，记录状态已变化'],
      [422, '填写的内容有误'],
      [404, '未找到该记录，或您无权查看'],
      [500, '服务器暂时无法完成请求，请稍后重试'],
      [418, '操作失败（418）'],
    ] as const) {
      const err = new ApiError({ status, title: 'Weird', detail: SERVER_ENGLISH, code: 'no_such_code_yet' })
      expect(errorMessage(err, zh.t, zh.has, false)).toBe(words)
    }
    const err = new ApiError({ status: 415, title: 'x', detail: SERVER_ENGLISH, code: 'no_such_code_yet' })
    expect(errorMessage(err, english.t, english.has, true)).toBe(`This kind of file is not supported: ${SERVER_ENGLISH}`)
  })

  it('the issue’s example reads as one Chinese sentence', () => {
    const err = new ApiError({ status: 415, title: 'Unsupported media type', detail: SERVER_ENGLISH,
                               code: 'unsupported_media_type' }) // prettier-ignore
    expect(errorMessage(err, zh.t, zh.has, false)).toBe('文件格式不支持，请选择 JPG 或 PNG 照片')
  })

  it('"invalid" with field errors still names the fields', () => {
    const err = new ApiError({ status: 422, title: 'x', code: 'invalid', errors: [{ field: 'ids', message: 'bad' }] })
    expect(errorMessage(err, zh.t, zh.has, false)).toBe('填写的内容有误：预警: 填写有误')
  })

  it('a rate limit with a wait says how long', () => {
    const err = new ApiError({ status: 429, title: 'x', code: 'rate_limited', retryAfter: 12 })
    expect(errorMessage(err, zh.t, zh.has, false)).toBe('提交过于频繁，请 12 秒后再试')
  })
})

/** The `code="..."` literals of the platform's Python source: a new code without words fails here. */
function codesInSource(dir: string): Set<string> {
  const found = new Set<string>()
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) codesInSource(path).forEach((c) => found.add(c))
    else if (name.endsWith('.py')) for (const m of readFileSync(path, 'utf8').matchAll(/\bcode="([a-z_]+)"/g)) found.add(m[1]!)
  }
  return found
}

describe('the list of codes', () => {
  it('holds every code the platform source names', () => {
    const source = codesInSource(resolve(__dirname, '../../src/brightkitchen/platform'))
    expect(source.size).toBeGreaterThan(20)
    expect([...source].filter((c) => !(SERVER_CODES as readonly string[]).includes(c))).toEqual([])
  })
})
