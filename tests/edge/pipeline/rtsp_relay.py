"""A minimal RTSP server for tests, so a real ffmpeg can act as the camera.

FFmpeg's RTSP muxer only publishes (ANNOUNCE/RECORD) to a server, it cannot serve. This relay accepts
one publisher (``ffmpeg -re ... -f rtsp -rtsp_transport tcp rtsp://127.0.0.1:PORT/cam``) and serves its
RTP packets to readers over RTSP/TCP interleaved (DESCRIBE, SETUP, PLAY), as a camera or a media server
would. When the publisher goes, readers are disconnected; ``pause`` stalls the stream without closing.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import threading


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buf = sock, b""
        self.channels: tuple[int, int] = (0, 1)
        self.playing = False

    def read(self) -> tuple[str, int, bytes, dict[str, str], str]:
        """('data', channel, payload, {}, '') or ('req', 0, body, headers, request line)."""
        while True:
            if self.buf[:1] == b"$" and len(self.buf) >= 4:
                n = int.from_bytes(self.buf[2:4], "big")
                if len(self.buf) >= 4 + n:
                    ch, payload, self.buf = self.buf[1], self.buf[4 : 4 + n], self.buf[4 + n :]
                    return "data", ch, payload, {}, ""
            elif self.buf[:1] not in (b"", b"$") and (end := self.buf.find(b"\r\n\r\n")) >= 0:
                head = self.buf[:end].decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
                n = int(headers.get("content-length", "0"))
                if len(self.buf) >= end + 4 + n:
                    body, self.buf = self.buf[end + 4 : end + 4 + n], self.buf[end + 4 + n :]
                    return "req", 0, body, headers, head[0]
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data

    def reply(self, headers: dict[str, str], status: str = "200 OK", extra: dict[str, str] | None = None,
              body: bytes = b"") -> None:  # fmt: skip
        lines = [f"RTSP/1.0 {status}", f"CSeq: {headers.get('cseq', '0')}"]
        lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


class RtspRelay:
    def __init__(self, port: int) -> None:
        self.port = port
        self.sdp: bytes | None = None
        self.paused = False
        self._publisher: _Conn | None = None
        self._readers: list[_Conn] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._sessions = itertools.count(1000)

    def url(self, path: str = "cam") -> str:
        return f"rtsp://127.0.0.1:{self.port}/{path}"

    def start(self) -> RtspRelay:
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", self.port))
        self._server.listen(16)
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.close()
            self._server = None
        with self._lock:
            conns = [*self._readers, *([self._publisher] if self._publisher else [])]
            self._readers, self._publisher, self.sdp = [], None, None
        for c in conns:
            with contextlib.suppress(OSError):
                c.sock.shutdown(socket.SHUT_RDWR)
            c.sock.close()

    @property
    def readers(self) -> int:
        with self._lock:
            return sum(r.playing for r in self._readers)

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                sock, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(_Conn(sock),), daemon=True).start()

    def _serve(self, conn: _Conn) -> None:
        try:
            while True:
                kind, ch, payload, headers, line = conn.read()
                if kind == "data":
                    if conn is self._publisher and not self.paused:
                        self._forward(ch, payload)
                    continue
                self._handle(conn, line.split(" ")[0], headers, payload)
        except (EOFError, OSError):
            pass
        finally:
            self._drop(conn)

    def _handle(self, conn: _Conn, method: str, headers: dict[str, str], body: bytes) -> None:
        session = {"Session": headers.get("session", str(next(self._sessions))).split(";")[0]}
        if method == "OPTIONS":
            conn.reply(headers, extra={"Public": "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN"})
        elif method == "ANNOUNCE":
            with self._lock:
                self._publisher, self.sdp = conn, body
            conn.reply(headers)
        elif method == "DESCRIBE":
            if self.sdp is None:
                conn.reply(headers, "404 Not Found")
                return
            base = headers.get("content-base") or f"{self.url()}/"
            conn.reply(headers, extra={"Content-Type": "application/sdp", "Content-Base": base}, body=self.sdp)
        elif method == "SETUP":
            transport = headers.get("transport", "")
            if "TCP" not in transport.upper():
                conn.reply(headers, "461 Unsupported Transport")
                return
            m = re.search(r"interleaved=(\d+)-(\d+)", transport)
            conn.channels = (int(m.group(1)), int(m.group(2))) if m else (0, 1)
            conn.reply(headers, extra={"Transport": transport, **session})
        elif method == "PLAY":
            conn.reply(headers, extra={**session, "Range": "npt=0.000-"})
            with self._lock:
                conn.playing = True
                self._readers.append(conn)
        elif method == "TEARDOWN":
            conn.reply(headers, extra=session)
            raise EOFError
        else:  # RECORD, GET_PARAMETER, SET_PARAMETER and keep-alives
            conn.reply(headers, extra=session)

    def _forward(self, channel: int, payload: bytes) -> None:
        with self._lock:
            readers = list(self._readers)
        for r in readers:
            ch = r.channels[0] if channel % 2 == 0 else r.channels[1]
            try:
                r.sock.sendall(b"$" + bytes([ch]) + len(payload).to_bytes(2, "big") + payload)
            except OSError:
                self._drop(r)

    def _drop(self, conn: _Conn) -> None:
        with self._lock:
            gone = [conn]
            if conn is self._publisher:  # the camera went away: so does every viewer, as on a media server
                gone += self._readers
                self._readers, self._publisher, self.sdp = [], None, None
            elif conn in self._readers:
                self._readers.remove(conn)
        for c in gone:
            with contextlib.suppress(OSError):
                c.sock.shutdown(socket.SHUT_RDWR)
            c.sock.close()
