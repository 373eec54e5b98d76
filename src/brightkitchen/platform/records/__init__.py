"""Daily food-safety records (台账): append-only entries with corrections kept as versions, their photos,
each site's schedule, completion rates and the missing-record alerts."""
