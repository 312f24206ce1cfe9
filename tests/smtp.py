"""A real SMTP server on a free loopback port (aiosmtpd), for the tests of the outbox.

It can answer the first few messages with a temporary refusal (451), as a greylisting or
overloaded server does, and refuse some addresses for good (550)."""

from __future__ import annotations

import email
import email.policy
import logging
import threading
import time
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.servers import free_port

# aiosmtpd logs every line of every session at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Mailbox:
    """What the server saw: every message attempt (accepted or not) and every accepted
    message, parsed, with the time it arrived."""

    def __init__(self, *, refuse_first: int = 0, refuse_addresses: tuple[str, ...] = ()):
        self.refusals_left = refuse_first
        self.refuse_addresses = set(refuse_addresses)
        self.attempts = 0
        self.messages: list[email.message.EmailMessage] = []
        self.arrivals: list[float] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_addresses:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            if self.refusals_left > 0:
                self.refusals_left -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.arrivals.append(time.monotonic())
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.messages if address in message["To"]]


@contextmanager
def smtp_server(mailbox: Mailbox):
    """Serve ``mailbox`` on 127.0.0.1; yields the port."""
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
