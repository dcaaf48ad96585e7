"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the email tests, and ways to read its mail."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.live import free_port

LINK = re.compile(r"https?://[^\s<>\"]+")


class Inbox:
    """What the server received; it can refuse the first ``refuse`` messages with a 4xx."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages addressed to ``address``."""
        return [m for m in self.messages if m["To"] == address]


class SMTPServer:
    """aiosmtpd in a thread of its own, on a port chosen up front (so it can start later)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> SMTPServer:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self, **overrides: Any) -> dict[str, Any]:
        """Return the app settings that send mail here."""
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_FROM": "comments@news.example",
            "MAIL_TIMEOUT": 5,
            "MAIL_RETRY_SECONDS": 0,
            "PUBLIC_URL": "http://comments.test",
            **overrides,
        }


class SilentServer:
    """A TCP server that accepts connections and never answers: the slowest mail server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self.sock.close()


def parts(message: EmailMessage) -> tuple[str, str]:
    """Return the plain text and the HTML of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def links(message: EmailMessage) -> list[str]:
    """Return the addresses in a message's plain text, in order."""
    return LINK.findall(parts(message)[0])


def path_of(url: str, base: str = "http://comments.test") -> str:
    """Return the path of one of the service's addresses, for the test client."""
    assert url.startswith(base), url
    return url[len(base) :]
