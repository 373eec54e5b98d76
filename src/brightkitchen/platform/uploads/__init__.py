"""Uploads: content sniffing and structure checks, multipart and raw bodies under a size limit, photos and
the cameras' latest pictures. Every room that takes files from people or devices goes through here."""
