"""Errors of the sync layer. ``sync`` never imports ``app``, so it has its own small family;
the desktop program maps them to its ``AppError`` family at the boundary. Every message says
what went wrong and what to do next."""

from __future__ import annotations


class SyncError(Exception):
    """Base for every error the sync layer expects and explains."""


class EnvelopeRejected(SyncError):
    """An envelope could not be opened or understood; it goes to quarantine, never dropped."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # a short machine word: "tampered", "unknown_key", "schema", ...


class ChangeRefused(SyncError):
    """A change that the local rules refuse to send (a derived table, a float amount)."""


class PairingFailed(SyncError):
    """A pairing step failed: wrong or expired code, or a bundle that does not open."""


class TransportError(SyncError):
    """The server could not be reached or answered with a passing fault; retry later."""

    retryable = True


class ServerRefused(SyncError):
    """The server understood the request and refused it (4xx); retrying the same will not help."""

    retryable = False

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class SeqGap(ServerRefused):
    """Envelopes arrived out of order; the server says which device_seq it expects next."""

    def __init__(self, expected: int) -> None:
        super().__init__(
            409,
            "SEQ_GAP",
            f"The server expects change number {expected} next; resend from there in order.",
        )
        self.expected = expected


class SeqReuse(ServerRefused):
    """A device_seq already stored with different bytes: the device was restored from an old
    copy and must be paired again as a new device."""

    def __init__(self, device_seq: int) -> None:
        super().__init__(
            409,
            "SEQ_REUSE",
            f"Change number {device_seq} was already sent with different content. This device "
            "was probably restored from an old backup: pair it again as a new device.",
        )
        self.device_seq = device_seq


class DeviceRevoked(ServerRefused):
    """The device was revoked; it may not push or pull any more."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "REVOKED",
            "This device was removed from the shop's sync. Ask the owner to pair it again.",
        )


class Unauthorized(ServerRefused):
    """The bearer token is missing or unknown."""

    def __init__(self) -> None:
        super().__init__(
            401, "UNAUTHORIZED", "The sync server does not know this device; pair it again."
        )


class RateLimited(TransportError):
    """Too many requests; the server says when to come back."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"The sync server is busy; retrying in {retry_after_s:.0f} s.")
        self.retry_after_s = retry_after_s
