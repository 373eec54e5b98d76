import { describe, expect, it } from 'vitest'

import type { Role } from '@/api/types'
import {
  adminNavFor,
  homeFor,
  inGroup,
  INSPECTOR_ROLES,
  MANAGER_ROLES,
  navFor,
  navPath,
  REGION_ROLES,
  SCHOOL_ROLES,
  WALL_ROLES,
} from '@/lib/roles'

const ALL: Role[] = ['admin', 'regulator', 'school_admin', 'school_staff']

describe('role groups', () => {
  it('split every role into a school side and a region side', () => {
    for (const role of ALL) expect(inGroup(role, SCHOOL_ROLES) !== inGroup(role, REGION_ROLES), role).toBe(true)
  })

  it('let the region and a school admin read concerns, and only a regulator sign', () => {
    expect(ALL.filter((r) => inGroup(r, MANAGER_ROLES))).toEqual(['admin', 'regulator', 'school_admin'])
    expect(ALL.filter((r) => inGroup(r, INSPECTOR_ROLES))).toEqual(['regulator'])
    expect(inGroup(null, REGION_ROLES)).toBe(false)
    expect(inGroup(undefined, SCHOOL_ROLES)).toBe(false)
  })

  it('send a school to its day and the region to the overview', () => {
    expect(homeFor('school_admin')).toBe('/today')
    expect(homeFor('school_staff')).toBe('/today')
    expect(homeFor('regulator')).toBe('/overview')
    expect(homeFor('admin')).toBe('/overview')
    expect(homeFor(undefined)).toBe('/overview')
  })

  it('show each side its own menu; concerns only to those who read them', () => {
    expect(navFor('regulator')).toEqual(navFor('admin'))
    expect(navFor('regulator')).toContain('rollout')
    expect(navFor('regulator')).toContain('concerns')
    expect(navFor('school_admin')).toEqual([
      'today',
      'records',
      'alerts',
      'cameras',
      'sensors',
      'acceptance',
      'wall',
      'concerns',
    ])
    expect(navFor('school_staff')).toEqual(['today', 'records', 'alerts', 'cameras', 'sensors', 'acceptance'])
    for (const role of ALL) expect(navFor(role).includes('concerns'), role).toBe(inGroup(role, MANAGER_ROLES))
  })

  it('show the video wall to the region and a school admin, the viewing log to the region only', () => {
    for (const role of ALL) {
      expect(navFor(role).includes('wall'), role).toBe(inGroup(role, WALL_ROLES))
      expect([...navFor(role), ...adminNavFor(role)].includes('accessLog'), role).toBe(inGroup(role, REGION_ROLES))
    }
    expect(navFor('school_staff')).not.toContain('wall')
  })

  it('open each menu page at its path', () => {
    expect(navPath('wall')).toBe('/wall')
    expect(navPath('accessLog')).toBe('/video/access-log')
  })
})
