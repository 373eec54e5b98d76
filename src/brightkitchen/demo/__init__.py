"""`brightkitchen demo`: a demo district on the embedded default, with a real edge agent on sample footage."""
