"""The site ranking (红黑榜), one rule for the page, the reports and the bulletin (docs/alerts.md).

Only a site that was watched for most of the period is scored: one whose online hours (health.online)
reach ``ranking_min_online_share`` of the hours it existed in the period. Any other site is listed apart
as 未在线监测 with its hours online, never as good: no alerts from a site nobody watched means nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FORMULA_ZH = (
    "仅对在线监测时长达到统计时段 {share}% 的单位排名（在线监测：边缘服务器有心跳且至少一路摄像头在线）；"
    "其余单位列入「未在线监测」，不参与排名。"
    "得分 = 100 − min(40, 2×有效预警) − min(30, 5×逾期) − min(30, 10×上报) − 20×(1 − 整改率) − 10×(1 − 在线率)，"
    "最低 0 分。有效预警不含误报和测试；整改率 = 已办结 ÷ 有效预警，无有效预警时显示「—」且不扣分；"
    "在线率 = 在线小时 ÷ 统计时段小时；同分同名次。"
)


def formula_zh(min_share: float) -> str:
    return FORMULA_ZH.format(share=f"{min_share * 100:g}")


@dataclass(frozen=True)
class SiteFigures:
    site_id: int
    name: str
    alerts: int = 0  # valid: neither false positive nor test
    closed: int = 0
    overdue: int = 0
    escalated: int = 0
    online_s: int = 0  # seconds watched in the period
    expected_s: int = 0  # seconds of the period the site existed

    @property
    def rectification_rate(self) -> float | None:
        """None when there was nothing to rectify: shown as "—" everywhere, and no penalty."""
        return round(self.closed / self.alerts, 4) if self.alerts else None

    @property
    def online_share(self) -> float:
        return round(min(1.0, self.online_s / self.expected_s), 4) if self.expected_s > 0 else 0.0

    @property
    def online_hours(self) -> float:
        return round(self.online_s / 3600, 1)

    @property
    def expected_hours(self) -> float:
        return round(self.expected_s / 3600, 1)


@dataclass(frozen=True)
class Ranked:
    rank: int
    score: float
    site: SiteFigures


def monitored(site: SiteFigures, min_share: float) -> bool:
    return site.expected_s > 0 and site.online_s >= min_share * site.expected_s


def score(alerts: int, overdue: int, escalated: int, rectification_rate: float | None, online_share: float) -> float:
    rect_penalty = 0.0 if rectification_rate is None else 20 * (1 - rectification_rate)
    value = (
        100 - min(40, 2 * alerts) - min(30, 5 * overdue) - min(30, 10 * escalated)
        - rect_penalty - 10 * (1 - online_share)
    )  # fmt: skip
    return round(max(0.0, value), 1)


def rank(sites: Iterable[SiteFigures], min_share: float) -> tuple[list[Ranked], list[SiteFigures]]:
    """The watched sites best first (equal scores share a rank: 1, 2, 2, 4), and the unwatched ones, the
    least watched first."""
    watched: list[SiteFigures] = []
    unwatched: list[SiteFigures] = []
    for s in sites:
        (watched if monitored(s, min_share) else unwatched).append(s)
    scored = sorted(
        ((score(s.alerts, s.overdue, s.escalated, s.rectification_rate, s.online_share), s) for s in watched),
        key=lambda pair: (-pair[0], pair[1].name, pair[1].site_id),
    )
    out: list[Ranked] = []
    for i, (value, s) in enumerate(scored, start=1):
        out.append(Ranked(out[-1].rank if out and out[-1].score == value else i, value, s))
    unwatched.sort(key=lambda s: (s.online_share, s.name, s.site_id))
    return out, unwatched
