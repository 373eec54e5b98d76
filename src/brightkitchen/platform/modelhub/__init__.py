"""The model registry: uploaded model versions, their assignment to regions and sites (canary sites first),
the effective model of each site, the roll-out as devices report it, and threshold advice from false positives."""
