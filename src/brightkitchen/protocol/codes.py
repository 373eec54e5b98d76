"""The stable violation codes of DESIGN section 2. Change only on purpose, everywhere at once."""

from enum import StrEnum


class ViolationCode(StrEnum):
    no_mask = "no_mask"
    no_chef_hat = "no_chef_hat"
    no_uniform = "no_uniform"
    shirtless = "shirtless"
    no_gloves = "no_gloves"
    smoking = "smoking"
    phone_use = "phone_use"
    rodent = "rodent"
    stove_unattended = "stove_unattended"
    intrusion = "intrusion"
    bin_uncovered = "bin_uncovered"
    floor_water = "floor_water"
    fire_smoke = "fire_smoke"
    camera_fault = "camera_fault"
    # Daily records and sensors (raised by the platform, not by cameras)
    morning_check_missing = "morning_check_missing"
    sample_missing = "sample_missing"
    disinfection_missing = "disinfection_missing"
    health_cert_expired = "health_cert_expired"
    supplier_cert_expired = "supplier_cert_expired"
    cold_chain_temperature = "cold_chain_temperature"
    gas_leak = "gas_leak"


VIOLATION_NAMES_ZH: dict[ViolationCode, str] = {
    ViolationCode.no_mask: "未戴口罩",
    ViolationCode.no_chef_hat: "未戴厨师帽",
    ViolationCode.no_uniform: "未穿工作服",
    ViolationCode.shirtless: "赤膊",
    ViolationCode.no_gloves: "未戴手套",
    ViolationCode.smoking: "抽烟",
    ViolationCode.phone_use: "玩手机",
    ViolationCode.rodent: "老鼠出没",
    ViolationCode.stove_unattended: "明火离岗",
    ViolationCode.intrusion: "非工作时间闯入",
    ViolationCode.bin_uncovered: "垃圾桶未盖",
    ViolationCode.floor_water: "地面积水",
    ViolationCode.fire_smoke: "烟火",
    ViolationCode.camera_fault: "摄像头异常",
    ViolationCode.morning_check_missing: "晨检未完成",
    ViolationCode.sample_missing: "留样缺失",
    ViolationCode.disinfection_missing: "消毒未记录",
    ViolationCode.health_cert_expired: "健康证过期",
    ViolationCode.supplier_cert_expired: "供应商资质过期",
    ViolationCode.cold_chain_temperature: "冷藏温度异常",
    ViolationCode.gas_leak: "燃气泄漏",
}
