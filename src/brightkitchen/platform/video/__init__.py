"""Live video, recorded playback and the video access log (wire contract: ``brightkitchen.protocol.video``)."""
