"""tools/plot end to end: every chart and the report, byte-identical on a
second run, and bad input rejected with file and line."""

import filecmp
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(__file__)
PLOT = os.path.join(HERE, "..", "..", "plot")
GOOD = os.path.join(HERE, "data", "good.csv")


def plot(*args):
    return subprocess.run([sys.executable, PLOT, *args], capture_output=True, text=True, check=False)


class Plot(unittest.TestCase):
    def test_regenerates_identical_files(self):
        with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
            for out in (first, second):
                done = plot(GOOD, "--out", out)
                self.assertEqual(done.returncode, 0, done.stderr)
            names = sorted(os.listdir(first))
            self.assertEqual(names, sorted(os.listdir(second)))
            for expected in ("throughput_size_64.svg", "throughput_size_64.png", "latency_vs_throughput.svg",
                             "server_cost.png", "idle_scale.svg", "README.md"):
                self.assertIn(expected, names)
            match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
            self.assertEqual(mismatch + errors, [])

    def test_report_claims_quote_the_table_numbers(self):
        with tempfile.TemporaryDirectory() as out:
            self.assertEqual(plot(GOOD, "--out", out).returncode, 0)
            with open(os.path.join(out, "README.md"), encoding="utf-8") as report:
                text = report.read()
            self.assertIn("asio-coroutine: 200,000.0 msgs/s", text)  # the median from good.csv
            self.assertIn("| tcp conns=16 size=64 |", text)
            self.assertIn("![throughput size 64](throughput_size_64.svg)", text)

    def test_bad_csv_exits_two_naming_file_and_line(self):
        done = plot(os.path.join(HERE, "data", "bad_number.csv"), "--out", tempfile.gettempdir())
        self.assertEqual(done.returncode, 2)
        self.assertIn("bad_number.csv:3: column 'msgs_per_s'", done.stderr)


if __name__ == "__main__":
    unittest.main()
