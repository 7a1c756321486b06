"""A plain-text progress bar for the command line (no dependency, redraws in place)."""

from __future__ import annotations

from typing import Protocol, TextIO


class Reporter(Protocol):
    def start(self, label: str, total: int) -> None: ...

    def advance(self, done: int) -> None: ...

    def finish(self) -> None: ...


class Silent:
    """Reports nothing: for the pages and the tests."""

    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def finish(self) -> None:
        pass


class Bar:
    """``Checking  [##########----------]  2500/5000  50%`` redrawn on ``stream``."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.label = ""
        self.total = 0
        self._shown = -1

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self._shown = label, total, -1
        self.advance(0)

    def advance(self, done: int) -> None:
        percent = 100 if self.total <= 0 else min(100, done * 100 // self.total)
        if percent == self._shown:
            return
        self._shown = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label:<10} [{bar}] {done:>7}/{self.total} {percent:>3}%")
        self.stream.flush()

    def finish(self) -> None:
        self.advance(self.total)
        self.stream.write("\n")
        self.stream.flush()
