"""Kitchen staff and their health certificates (健康证): roster, sheet import/export, expiry alerts."""
