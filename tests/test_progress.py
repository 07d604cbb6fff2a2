"""Progress output: a live line on a terminal, plain lines in a pipe, nothing when quiet."""

from __future__ import annotations

import io

from handouts.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(progress: Progress) -> None:
    progress.start(2, workers=1)
    progress.begin("metaphors/a")
    progress.begin("metaphors/b")
    progress.done("metaphors/a", ok=True)
    progress.done("metaphors/b", ok=False)
    progress.finish()


def test_pipe_gets_one_plain_line_per_output() -> None:
    stream = io.StringIO()
    run(Progress(stream=stream))
    assert stream.getvalue() == "[1/2] built metaphors/a\n[2/2] failed metaphors/b\n"


def test_terminal_gets_a_redrawn_line_with_what_renders_and_what_waits() -> None:
    stream = Terminal()
    run(Progress(stream=stream))
    out = stream.getvalue()
    assert "\n" not in out
    assert "[0/2]" in out and "rendering metaphors/a (+1 queued)" in out
    assert "[1/2]" in out and "rendering metaphors/b" in out
    assert out.endswith("\r\033[K")  # the line is cleared before the summary is printed


def test_quiet_prints_nothing() -> None:
    for stream in (io.StringIO(), Terminal()):
        run(Progress(quiet=True, stream=stream))
        assert stream.getvalue() == ""
