"""The daily progress bulletin (每日通报) of the roll-out, one per region and local day."""
