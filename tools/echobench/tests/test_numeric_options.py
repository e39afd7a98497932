"""Every numeric option of echo-server, echo-load and echo-bench, as each
program's own --help lists them (the options checked as DECIMAL), refuses
a value that is not a plain decimal number in range: exit 2 and a message
naming the option, never a crash, a hang or another number than the one
written (0x50 is not 80). Needs ECHO_BUILD (the release build, from CTest)."""

import os
import re
import subprocess
import unittest

BUILD = os.environ.get("ECHO_BUILD", "")
PROGRAMS = {
    # program: the arguments that make the rest of its command line valid,
    # and keep it from running anything if a bad value got through.
    "servers/echo-server": ["--model", "thread-per-connection"],
    "clients/echo-load": ["--port", "1", "--duration", "0.01", "--connect-timeout", "0.01"],
    "bench/echo-bench": ["--benchmark_filter=^no-such-case$"],
}
BAD_VALUES = ["abc", "", "0x50", "1e3", "-1", "nan", "inf", "1.", ".5", " 5", "99999999999999999999999"]


def numeric_options(help_text: str) -> list[str]:
    """The long names of the options whose value --help describes as DECIMAL."""
    names = []
    for line in help_text.splitlines():
        match = re.match(r"\s+(?:-\w,)?(--[\w-]+)\s+\S*DECIMAL", line)
        if match:
            names.append(match.group(1))
    return names


def without(args: list[str], option: str) -> list[str]:
    """`args` less `option` and its value, so the value under test is its only one."""
    kept: list[str] = []
    skip = False
    for word in args:
        if skip or word == option:
            skip = not skip
            continue
        kept.append(word)
    return kept


@unittest.skipUnless(BUILD and os.access(os.path.join(BUILD, "bench", "echo-bench"), os.X_OK),
                     "needs ECHO_BUILD with echo-server, echo-load and echo-bench")
class NumericOptions(unittest.TestCase):
    def test_every_numeric_option_refuses_what_is_not_a_decimal_in_range(self):
        for program, valid in PROGRAMS.items():
            path = os.path.join(BUILD, program)
            help_text = subprocess.run([path, *valid, "--help"], capture_output=True, text=True, timeout=30).stdout
            options = numeric_options(help_text)
            self.assertGreater(len(options), 3, f"{program} --help lists too few numeric options:\n{help_text}")
            for option in options:
                for value in BAD_VALUES:
                    with self.subTest(program=program, option=option, value=value):
                        done = subprocess.run([path, *without(valid, option), option, value], capture_output=True,
                                              text=True, timeout=30)
                        self.assertEqual(done.returncode, 2, f"{option} {value!r}: {done.stderr}")
                        self.assertIn(option, done.stderr)
                        self.assertNotIn("terminate", done.stderr)

    def test_the_catalog_reader_finds_options_by_their_check(self):
        self.assertEqual(numeric_options("  -p,--port INT:DECIMAL:INT in [0 - 65535]=9999\n"
                                         "  --host TEXT=127.0.0.1\n"
                                         "  --work-us FLOAT:DECIMAL:FLOAT in [0 - 1e+06]=0\n"),
                         ["--port", "--work-us"])


if __name__ == "__main__":
    unittest.main()
