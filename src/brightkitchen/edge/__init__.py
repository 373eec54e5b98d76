"""The edge AI server: sources -> detect -> track -> rules -> evidence -> outbox -> uploader.

The edge never imports the platform; both meet only in ``brightkitchen.protocol``.
"""
