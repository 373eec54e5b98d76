"""Training the project's own models on CPU (optional extra ``train``: torch), and the datasets they learn from.

Nothing here is imported by the edge or the platform at run time: they load the ONNX files and cards
this package writes.
"""
