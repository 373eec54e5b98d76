/** The calls of the admin pages and the account page (users, regions, sites, cameras, devices, channels). */

import { http } from '@/api'
import type { components } from '@/api/schema'
import type { Page, Region, Site, User } from '@/api/types'

type S = components['schemas']

export type UserWithPassword = S['UserWithPassword']
export type UserCreate = S['UserCreate']
export type UserUpdate = S['UserUpdate']
export type RegionCreate = S['RegionCreate']
export type RegionKind = S['RegionKind']
/** The fields with a server default may be left out. */
export type SiteCreate = Pick<S['SiteCreate'], 'code' | 'name' | 'kind' | 'region_id'> & Partial<S['SiteCreate']>
export type SiteUpdate = S['SiteUpdate']
export type Area = S['AreaPublic']
export type AreaKind = S['AreaKind']
export type AdminCamera = S['CameraPublic']
export type CameraCreate = Pick<S['CameraCreate'], 'key' | 'name'> & Partial<S['CameraCreate']>
export type CameraUpdate = S['CameraUpdate']
export type Device = S['DevicePublic']
export type DeviceWithKey = S['DeviceWithKey']
export type Channel = S['NotifyChannelPublic']
export type ChannelCreate = S['NotifyChannelCreate']
export type ChannelUpdate = S['NotifyChannelUpdate']
export type ChannelKind = S['ChannelKind']
export type SendTestResult = S['SendTestResult']

/** `sort`: a column name, '-' in front for downwards. */
export interface ListQuery {
  page?: number
  size?: number
  sort?: string
  q?: string
  [key: string]: string | number | boolean | undefined
}

export const admin = {
  users: (query: ListQuery) => http.get<Page<User>>('/users', query),
  createUser: (body: UserCreate) => http.post<UserWithPassword>('/users', body),
  updateUser: (id: number, body: UserUpdate) => http.request<User>('PATCH', `/users/${id}`, { json: body }),
  resetPassword: (id: number) => http.post<UserWithPassword>(`/users/${id}/reset-password`),
  deleteUser: (id: number) => http.request<void>('DELETE', `/users/${id}`),

  /** Every region the caller sees (a district's tree is small: one page of 500). */
  allRegions: () => http.get<Page<Region>>('/regions', { size: 500 }),
  createRegion: (body: RegionCreate) => http.post<Region>('/regions', body),
  renameRegion: (id: number, name: string) => http.request<Region>('PATCH', `/regions/${id}`, { json: { name } }),
  deleteRegion: (id: number) => http.request<void>('DELETE', `/regions/${id}`),

  sites: (query: ListQuery) => http.get<Page<Site>>('/sites', query),
  createSite: (body: SiteCreate) => http.post<Site>('/sites', body),
  updateSite: (id: number, body: SiteUpdate) => http.request<Site>('PATCH', `/sites/${id}`, { json: body }),
  deleteSite: (id: number) => http.request<void>('DELETE', `/sites/${id}`),
  areas: (siteId: number) => http.get<Area[]>(`/sites/${siteId}/areas`),
  createArea: (siteId: number, name: string, kind: AreaKind) =>
    http.post<Area>(`/sites/${siteId}/areas`, { name, kind }),
  deleteArea: (siteId: number, areaId: number) => http.request<void>('DELETE', `/sites/${siteId}/areas/${areaId}`),

  cameras: (query: ListQuery) => http.get<Page<AdminCamera>>('/cameras', query),
  createCamera: (siteId: number, body: CameraCreate) => http.post<AdminCamera>(`/sites/${siteId}/cameras`, body),
  updateCamera: (id: number, body: CameraUpdate) =>
    http.request<AdminCamera>('PATCH', `/cameras/${id}`, { json: body }),
  deleteCamera: (id: number) => http.request<void>('DELETE', `/cameras/${id}`),

  devices: (query: ListQuery) => http.get<Page<Device>>('/devices', query),
  createDevice: (siteId: number, name: string, serial: string) =>
    http.post<DeviceWithKey>(`/sites/${siteId}/devices`, { name, serial }),
  rotateKey: (id: number) => http.post<DeviceWithKey>(`/devices/${id}/key`),
  revokeKey: (id: number) => http.post<Device>(`/devices/${id}/revoke`),
  deleteDevice: (id: number) => http.request<void>('DELETE', `/devices/${id}`),

  channels: (query: ListQuery) => http.get<Page<Channel>>('/notify-channels', query),
  createChannel: (body: ChannelCreate) => http.post<Channel>('/notify-channels', body),
  updateChannel: (id: number, body: ChannelUpdate) =>
    http.request<Channel>('PATCH', `/notify-channels/${id}`, { json: body }),
  deleteChannel: (id: number) => http.request<void>('DELETE', `/notify-channels/${id}`),
  testChannel: (id: number) => http.post<SendTestResult>(`/notify-channels/${id}/test`),

  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<User>('/auth/password', { current_password: currentPassword, new_password: newPassword }),
}
