"""Labelling and datasets: the regulators' reviewed alert frames (and frames they add) become labelled data,
frozen into versioned datasets with group splits, exported and imported as YOLO (and COCO)."""
