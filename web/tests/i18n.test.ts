import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { describe, expect, it } from 'vitest'

import { ALERT_STATES } from '@/api/types'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { CAMERA_STATUSES, VIOLATION_CODES } from '@/lib/codes'

const WEB = resolve(__dirname, '..')
const REPO = resolve(WEB, '..')

function flatten(obj: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of flatten(value as object, path)) out.set(k, v)
  }
  return out
}

const zh = flatten(zhCN)
const english = flatten(en)
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

describe('messages', () => {
  it('has the same keys in Chinese and English', () => {
    expect([...english.keys()].sort()).toEqual([...zh.keys()].sort())
  })

  it('has no empty message', () => {
    for (const [key, value] of [...zh, ...english]) expect(value.trim(), key).not.toBe('')
  })

  it('uses the same placeholders in both languages', () => {
    for (const [key, value] of zh) expect(placeholders(english.get(key) ?? ''), key).toEqual(placeholders(value))
  })

  it('names every violation code, alert state, role and camera status', () => {
    for (const messages of [zh, english]) {
      for (const code of VIOLATION_CODES) expect(messages.has(`code.${code}`), code).toBe(true)
      for (const state of [...ALERT_STATES, 'overdue']) expect(messages.has(`state.${state}`), state).toBe(true)
      for (const role of ['admin', 'regulator', 'school_admin', 'school_staff'])
        expect(messages.has(`role.${role}`), role).toBe(true)
      for (const status of CAMERA_STATUSES) expect(messages.has(`cameraStatus.${status}`), status).toBe(true)
    }
  })

  it('gives the violation codes the Chinese names of protocol/codes.py, and no code it lacks', () => {
    const py = readFileSync(join(REPO, 'src/brightkitchen/protocol/codes.py'), 'utf8')
    const names = Object.fromEntries([...py.matchAll(/ViolationCode\.(\w+): "([^"]+)"/g)].map((m) => [m[1], m[2]]))
    expect(Object.keys(names).sort()).toEqual([...VIOLATION_CODES].sort())
    for (const [code, name] of Object.entries(names)) expect(zh.get(`code.${code}`)).toBe(name)
  })

  it('has every key the source code asks for', () => {
    const missing: string[] = []
    for (const file of sourceFiles(join(WEB, 'src'))) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([A-Za-z_]+(?:\.[A-Za-z_]+)+)'/g)) {
        const key = m[1] ?? ''
        if (!zh.has(key)) missing.push(`${file.slice(WEB.length)}: ${key}`)
      }
    }
    expect(missing).toEqual([])
  })
})
