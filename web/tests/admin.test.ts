import { describe, expect, it } from 'vitest'

import type { Region } from '@/api/types'
import { adminNavFor, navFor, navPath } from '@/lib/roles'
import { filled, sortParam } from '@/views/admin/useAdmin'
import { regionTree } from '@/views/admin/useDirectory'

const region = (id: number, name: string, kind: Region['kind'], parent_id: number | null): Region => ({
  id,
  name,
  code: `r${id}`,
  kind,
  parent_id,
})

describe('the admin pages', () => {
  it('group under one sub-menu for the region, none for a school', () => {
    expect(adminNavFor('admin')).toContain('adminUsers')
    expect(adminNavFor('admin')).toContain('adminPolicies')
    expect(adminNavFor('regulator')).toEqual(adminNavFor('admin'))
    expect(adminNavFor('school_admin')).toEqual([])
    expect(adminNavFor('school_staff')).toEqual([])
    for (const name of adminNavFor('admin')) expect(navFor('admin')).not.toContain(name)
    expect(navPath('adminChannels')).toBe('/admin/channels')
    expect(navPath('adminPolicies')).toBe('/admin/policies')
  })

  it('turn a table sort into the API sort', () => {
    expect(sortParam('username', 'ascending')).toBe('username')
    expect(sortParam('last_login_at', 'descending')).toBe('-last_login_at')
    expect(sortParam('username', null)).toBeUndefined()
    expect(sortParam(null, 'ascending')).toBeUndefined()
  })

  it('leave unset filters out of the query', () => {
    expect(filled({ q: '', role: 'admin', site_id: undefined, region_id: null, is_active: false })).toEqual({
      role: 'admin',
      is_active: false,
    })
  })

  it('build the region tree, names in order, orphans as roots', () => {
    const tree = regionTree([
      region(1, '示范市', 'city', null),
      region(3, '西城分局', 'district', 1),
      region(2, '东城分局', 'district', 1),
      region(4, '东街道', 'street', 2),
      region(9, '外区街道', 'street', 77),
    ])
    expect(tree.map((n) => n.label)).toEqual(['外区街道', '示范市'].sort((a, b) => a.localeCompare(b, 'zh-CN')))
    const city = tree.find((n) => n.value === 1)!
    expect(city.children.map((n) => n.label)).toEqual(['东城分局', '西城分局'])
    expect(city.children[0]!.children.map((n) => n.value)).toEqual([4])
  })
})

describe('the admin messages', () => {
  const leaves = (node: unknown): string[] =>
    typeof node === 'string' ? [node] : Object.values(node as Record<string, unknown>).flatMap(leaves)

  it('use no character vue-i18n reads as syntax unless quoted as a literal', async () => {
    const section = (await import('@/i18n/sections/admin')).default
    for (const text of [...leaves(section.zh), ...leaves(section.en)]) {
      const bare = text.replace(/\{'[^']*'\}/g, '').replace(/\{\w+\}/g, '')
      expect(bare, text).not.toMatch(/[@|{}$]/)
    }
  })
})
