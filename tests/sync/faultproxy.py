"""A TCP proxy between a device and the service that cuts the connection on cue:

* ``cut_request``: forwards the first bytes of the next request, then closes both sides
  (the network fails before the server could commit);
* ``drop_response``: forwards the next request whole, waits for the response to start (the
  server has committed by then) and closes the device's side without passing it on.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.sync.pg import free_port


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = free_port()
        self.armed: str | None = None
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, fault: str) -> None:
        self.fired.clear()
        self.armed = fault

    def _take(self, fault: str) -> bool:
        with self._lock:
            if self.armed == fault:
                self.armed = None
                return True
            return False

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            state = {"drop": False}
            threading.Thread(target=self._up, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, state), daemon=True).start()

    @staticmethod
    def _close(*socks: socket.socket) -> None:
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _up(self, client: socket.socket, upstream: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := client.recv(65536):
                if b"POST /v1/push" in data and self._take("cut_request"):
                    upstream.sendall(data[: len(data) // 2])
                    self.fired.set()
                    self._close(client, upstream)
                    return
                if b"POST /v1/push" in data and self._take("drop_response"):
                    state["drop"] = True
                upstream.sendall(data)
        except OSError:
            pass
        self._close(client, upstream)

    def _down(self, upstream: socket.socket, client: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := upstream.recv(65536):
                if state["drop"]:
                    self.fired.set()
                    self._close(client, upstream)
                    return
                client.sendall(data)
        except OSError:
            pass
        self._close(client, upstream)

    def close(self) -> None:
        self._closing = True
        self._server.close()
