"""Roll-out tracking: each site's acceptance checklist (验收清单) and its status history."""
