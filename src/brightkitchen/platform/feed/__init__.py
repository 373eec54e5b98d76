"""The live feed: alert changes streamed to browsers (SSE), and the bell's unread count and read mark."""
