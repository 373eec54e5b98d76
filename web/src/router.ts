/** Routes, who may open them, and the guard that sends everyone else to the login or the forbidden page. */

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import type { Role } from './api/types'
import { homeFor, MANAGER_ROLES, REGION_ROLES, SCHOOL_ROLES, WALL_ROLES } from './lib/roles'
import { hasRole, isExpired, mustChangePassword, session, signOut } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    /** open without signing in */
    public?: boolean
    /** roles that may open the page; absent = any signed-in person */
    roles?: readonly Role[]
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  {
    path: '/p/:code',
    name: 'public-site',
    component: () => import('./views/public/PublicSiteView.vue'),
    props: true,
    meta: { public: true },
  },
  {
    path: '/',
    component: () => import('./components/AppLayout.vue'),
    children: [
      { path: '', name: 'home', redirect: () => homeFor(session.user?.role) },
      {
        path: 'today',
        name: 'today',
        component: () => import('./views/school/TodayView.vue'),
        meta: { roles: SCHOOL_ROLES },
      },
      {
        path: 'records',
        name: 'records',
        component: () => import('./views/records/RecordsHomeView.vue'),
        meta: { roles: SCHOOL_ROLES },
      },
      {
        path: 'records/new/:kind',
        name: 'recordNew',
        component: () => import('./views/records/RecordFormView.vue'),
        props: (r) => ({ kind: String(r.params.kind), meal: r.query.meal ? String(r.query.meal) : undefined }),
        meta: { roles: SCHOOL_ROLES },
      },
      {
        // Open to every signed-in person: the API scopes it (a school its site, the region its sites).
        path: 'records/list/:kind?',
        name: 'recordList',
        component: () => import('./views/records/RecordListView.vue'),
        props: (r) => ({ kind: r.params.kind ? String(r.params.kind) : 'morning_check' }),
      },
      { path: 'staff', name: 'staff', component: () => import('./views/records/StaffView.vue') },
      { path: 'sensors', name: 'sensors', component: () => import('./views/records/SensorsView.vue') },
      { path: 'completion', name: 'completion', component: () => import('./views/records/CompletionView.vue') },
      {
        path: 'certificates',
        name: 'certificates',
        component: () => import('./views/records/CertificatesView.vue'),
        meta: { roles: REGION_ROLES },
      },
      { path: 'alerts', name: 'alerts', component: () => import('./views/AlertsView.vue') },
      {
        path: 'alerts/:id(\\d+)',
        name: 'alert',
        component: () => import('./views/AlertDetailView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
      },
      { path: 'cameras', name: 'cameras', component: () => import('./views/CamerasView.vue') },
      {
        path: 'wall',
        name: 'wall',
        component: () => import('./views/video/VideoWallView.vue'),
        meta: { roles: WALL_ROLES },
      },
      {
        path: 'video/access-log',
        name: 'accessLog',
        component: () => import('./views/video/AccessLogView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'concerns',
        name: 'concerns',
        component: () => import('./views/ConcernsView.vue'),
        meta: { roles: MANAGER_ROLES },
      },
      {
        path: 'overview',
        name: 'overview',
        component: () => import('./views/regulator/OverviewView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'sites',
        name: 'sites',
        component: () => import('./views/regulator/SitesView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'sites/:id(\\d+)',
        name: 'site',
        component: () => import('./views/regulator/SiteView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'ranking',
        name: 'ranking',
        component: () => import('./views/regulator/RankingView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'rollout',
        name: 'rollout',
        component: () => import('./views/rollout/RolloutView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        // Open to every signed-in person: the API scopes it, so another school's site shows "not found".
        path: 'rollout/:id(\\d+)',
        name: 'rollout-site',
        component: () => import('./views/rollout/ChecklistView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
      },
      {
        path: 'acceptance',
        name: 'acceptance',
        component: () => import('./views/rollout/ChecklistView.vue'),
        props: () => ({ id: session.user?.site_id ?? 0 }),
        meta: { roles: SCHOOL_ROLES },
      },
      {
        path: 'bulletins',
        name: 'bulletins',
        component: () => import('./views/bulletins/BulletinsView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'bulletins/:id(\\d+)',
        name: 'bulletin',
        component: () => import('./views/bulletins/BulletinView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'reports',
        name: 'reports',
        component: () => import('./views/ReportsView.vue'),
        meta: { roles: REGION_ROLES },
      },
      { path: 'help', name: 'help', component: () => import('./views/HelpView.vue') },
      { path: 'account', name: 'account', component: () => import('./views/AccountView.vue') },
      {
        path: 'admin/users',
        name: 'adminUsers',
        component: () => import('./views/admin/UsersView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/regions',
        name: 'adminRegions',
        component: () => import('./views/admin/RegionsView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/sites',
        name: 'adminSites',
        component: () => import('./views/admin/SitesAdminView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/cameras',
        name: 'adminCameras',
        component: () => import('./views/admin/CamerasAdminView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/devices',
        name: 'adminDevices',
        component: () => import('./views/admin/DevicesView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/channels',
        name: 'adminChannels',
        component: () => import('./views/admin/ChannelsView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/policies',
        name: 'adminPolicies',
        component: () => import('./views/admin/PoliciesView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'labelling',
        name: 'labelling',
        component: () => import('./views/ai/LabellingListView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'labelling/:id(\\d+)',
        name: 'labelEditor',
        component: () => import('./views/ai/LabelEditorView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'datasets',
        name: 'datasets',
        component: () => import('./views/ai/DatasetsView.vue'),
        meta: { roles: REGION_ROLES },
      },
      {
        path: 'admin/models',
        name: 'adminModels',
        component: () => import('./views/ai/ModelsView.vue'),
        meta: { roles: REGION_ROLES },
      },
      { path: 'forbidden', name: 'forbidden', component: () => import('./views/ForbiddenView.vue') },
    ],
  },
  {
    path: '/:rest(.*)*',
    name: 'not-found',
    component: () => import('./views/NotFoundView.vue'),
    meta: { public: true },
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach((to) => {
  if (to.meta.public) return true
  if (session.token && isExpired()) {
    signOut()
    return { name: 'login', query: { reason: 'expired', next: to.fullPath } }
  }
  if (!session.token) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  // Until a one-time password is replaced the API answers nothing else (403 password_change_required).
  if (mustChangePassword.value && to.name !== 'account') return { name: 'account' }
  if (to.meta.roles && !hasRole(to.meta.roles)) return { name: 'forbidden' }
  return true
})

/** After a 401 from the API: forget the session and ask to sign in again, then come back here. */
export function backToLogin(): void {
  const current = router.currentRoute.value
  signOut()
  if (current.name === 'login' || current.meta.public) return
  void router.replace({ name: 'login', query: { reason: 'expired', next: current.fullPath } })
}
