"""The edges every Python tool of the suite shares: one set of exit
statuses, one line (never a traceback) for what went wrong, and outputs that
appear complete or not at all.

Exit statuses, the same for every tool (docs/cli.md, "Exit statuses"):
  0  done, nothing found
  1  a finding: a case failed, a verdict contradicts, the gate fails
  2  an input or output the tool cannot use (missing, malformed, unwritable,
     a full disk), or bad usage
Set ECHO_TRACEBACK=1 to see the traceback behind a status-2 message.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Callable, Iterator, NoReturn, TextIO

OK = 0
FINDING = 1
UNUSABLE = 2


class Unusable(Exception):
    """An input or output the tool cannot use; the message names it and why."""


def run(main: Callable[[], int], prog: str) -> NoReturn:
    """Calls main() and exits with its status. What escapes it becomes one
    line on standard error and status 2: the input or output was unusable
    (a bug shows there too, with its exception type, so it is not hidden)."""
    try:
        status = main()
    except Unusable as error:
        _fail(prog, str(error))
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _fail(prog, f"{where}{error.strerror or error}")
    except KeyboardInterrupt:
        sys.exit(130)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError,
            ArithmeticError) as error:
        _fail(prog, f"cannot use the input: {type(error).__name__}: {error}")
    sys.exit(status)


def _fail(prog: str, message: str) -> NoReturn:
    if os.environ.get("ECHO_TRACEBACK"):
        import traceback
        traceback.print_exc()
    print(f"{prog}: {message}", file=sys.stderr)
    sys.exit(UNUSABLE)


@contextlib.contextmanager
def output_path(path: str) -> Iterator[str]:
    """A temporary path beside `path` to write to (for writers that want a
    name, such as matplotlib's savefig); on success it is fsynced and renamed
    over `path`, on any error removed, leaving `path` as it was."""
    directory = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise Unusable(f"cannot write {path}: it is a directory")
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise Unusable(f"cannot write {path}: {directory} is not a directory")
    try:
        os.makedirs(directory, exist_ok=True)
        handle, staged = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                                          suffix=".tmp")
        os.close(handle)
    except OSError as error:
        raise Unusable(f"cannot write {path}: {error.strerror or error}") from error
    try:
        yield staged
        with open(staged, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(staged, 0o644)  # mkstemp's 0600 would hide results from other users
        os.replace(staged, path)
    except OSError as error:
        raise Unusable(f"cannot write {path}: {error.strerror or error}") from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)


@contextlib.contextmanager
def output_file(path: str, newline: str | None = None) -> Iterator[TextIO]:
    """A text file that appears at `path` only once written whole (see
    output_path): a full disk or a failed run never leaves a cut file."""
    with output_path(path) as staged:
        try:
            with open(staged, "w", encoding="utf-8", newline=newline) as out:
                yield out
        except OSError as error:
            raise Unusable(f"cannot write {path}: {error.strerror or error}") from error
