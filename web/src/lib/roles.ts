/** The groups of roles the app decides by (who may open a page, whose menu shows what), kept in one place. */

import type { Role } from '@/api/types'

/** a school's own people: its site only */
export const SCHOOL_ROLES: readonly Role[] = ['school_admin', 'school_staff']
/** people over a region: all the sites in it */
export const REGION_ROLES: readonly Role[] = ['admin', 'regulator']
/** people who read the public's concerns */
export const MANAGER_ROLES: readonly Role[] = ['admin', 'regulator', 'school_admin']
/** people who sign a site's acceptance on the spot: a regulator's signature, not an admin's */
export const INSPECTOR_ROLES: readonly Role[] = ['regulator']
/** people who watch many cameras at once on the video wall: the region, and a school admin its own */
export const WALL_ROLES: readonly Role[] = ['admin', 'regulator', 'school_admin']

export const inGroup = (role: Role | null | undefined, group: readonly Role[]): boolean =>
  role !== null && role !== undefined && group.includes(role)

const REGION_NAV = [
  'overview',
  'alerts',
  'sites',
  'rollout',
  'bulletins',
  'reports',
  'ranking',
  'cameras',
  'wall',
  'concerns',
  'completion',
  'certificates',
]
const SCHOOL_NAV = ['today', 'records', 'alerts', 'cameras', 'sensors', 'acceptance']

/** The names of the menu's pages (route names, and `nav.*` texts) for a role. */
export function navFor(role: Role | null | undefined): readonly string[] {
  if (inGroup(role, REGION_ROLES)) return REGION_NAV
  return inGroup(role, MANAGER_ROLES) ? [...SCHOOL_NAV, 'wall', 'concerns'] : SCHOOL_NAV
}

/** The 系统管理 sub-menu (route names; texts `admin.nav.*`): the region's setup pages. */
const ADMIN_NAV = [
  'adminUsers',
  'adminRegions',
  'adminSites',
  'adminCameras',
  'adminDevices',
  'adminChannels',
  'adminPolicies',
  'accessLog',
  // The model loop: frames reviewed, dataset versions, the models they train. Here rather than in the main menu,
  // which already folds on a laptop: the same people (the region's), a few visits a week, beside the edge devices.
  'labelling',
  'datasets',
  'adminModels',
]

/** The pages of the 系统管理 sub-menu for a role; empty where there is no such menu. */
export function adminNavFor(role: Role | null | undefined): readonly string[] {
  return inGroup(role, REGION_ROLES) ? ADMIN_NAV : []
}

// Menu pages whose path is not simply `/<name>`.
const NAV_PATHS: Record<string, string> = {
  accessLog: '/video/access-log',
  adminUsers: '/admin/users',
  adminRegions: '/admin/regions',
  adminSites: '/admin/sites',
  adminCameras: '/admin/cameras',
  adminDevices: '/admin/devices',
  adminChannels: '/admin/channels',
  adminPolicies: '/admin/policies',
  adminModels: '/admin/models',
}

/** The path a menu page opens. */
export const navPath = (name: string): string => NAV_PATHS[name] ?? `/${name}`

/** Where a person lands after signing in. */
export function homeFor(role: Role | null | undefined): string {
  return inGroup(role, SCHOOL_ROLES) ? '/today' : '/overview'
}
