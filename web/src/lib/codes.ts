/** The stable violation codes (DESIGN section 2, src/brightkitchen/protocol/codes.py). */

export const VIOLATION_CODES = [
  'no_mask',
  'no_chef_hat',
  'no_uniform',
  'shirtless',
  'no_gloves',
  'smoking',
  'phone_use',
  'rodent',
  'stove_unattended',
  'intrusion',
  'bin_uncovered',
  'floor_water',
  'fire_smoke',
  'camera_fault',
  'morning_check_missing',
  'sample_missing',
  'disinfection_missing',
  'health_cert_expired',
  'supplier_cert_expired',
  'cold_chain_temperature',
  'gas_leak',
] as const

export type ViolationCode = (typeof VIOLATION_CODES)[number]

export const CAMERA_STATUSES = ['online', 'offline', 'no_frames', 'starting', 'unknown'] as const
