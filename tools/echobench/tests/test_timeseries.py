"""tools/plot --timeseries: echo-load JSON with intervals[] becomes the
time-series chart and a report section; a failed run is named, never drawn;
malformed files are `file: what` with exit 2, never a traceback."""

import filecmp
import json
import os
import subprocess
import sys
import tempfile
import unittest

from echobench.rendering import timeseries

HERE = os.path.dirname(__file__)
PLOT = os.path.join(HERE, "..", "..", "plot")
GOOD_CSV = os.path.join(HERE, "data", "good.csv")


def run_json(p99_us: list[float], rate: float = 20000) -> dict:
    return {"rate": rate, "messages": 2000 * len(p99_us), "intervals": [
        {"start_s": 0.1 * i, "length_s": 0.1, "messages": 2000, "msgs_per_s": 20000.0, "p50_us": p / 2,
         "p99_us": p, "max_us": p * 2} for i, p in enumerate(p99_us)]}


def write(directory: str, name: str, content) -> str:
    path = os.path.join(directory, name)
    with open(path, "w" if isinstance(content, str) else "wb") as out:
        out.write(content)
    return path


def plot(*args):
    return subprocess.run([sys.executable, PLOT, GOOD_CSV, *args], capture_output=True, text=True, check=False)


class Timeseries(unittest.TestCase):
    def test_chart_and_report_name_the_failed_run_and_repeat_byte_for_byte(self):
        with tempfile.TemporaryDirectory() as runs, tempfile.TemporaryDirectory() as first, \
                tempfile.TemporaryDirectory() as second:
            write(runs, "thread-pool.json", json.dumps(run_json([80, 90, 5000, 85])))  # a stall at 0.2 s
            write(runs, "asio-coroutine.json", json.dumps(run_json([70, 75, 72, 71])))
            write(runs, "fork-per-connection.json",
                  json.dumps({"error": {"messages": ["12 message(s) due in the window were never answered"]}}))
            for out in (first, second):
                done = plot("--out", out, "--timeseries", runs)
                self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("timeseries.svg", os.listdir(first))
            self.assertIn("timeseries.png", os.listdir(first))
            _, mismatch, errors = filecmp.cmpfiles(first, second, ["timeseries.svg", "timeseries.png"], shallow=False)
            self.assertEqual(mismatch + errors, [])
            with open(os.path.join(first, "README.md"), encoding="utf-8") as report:
                text = report.read()
            self.assertIn("![timeseries](timeseries.svg)", text)
            self.assertIn("- fork-per-connection: **failed**, not drawn: 12 message(s)", text)
            self.assertIn("- thread-pool: 4 intervals; p99 per interval from 80 to 5,000 µs", text)

    def test_malformed_runs_are_an_error_naming_the_file(self):
        cases = {
            "nan.json": json.dumps(run_json([80, 90])).replace("90.0", "NaN").replace("\"p99_us\": 90", "\"p99_us\": NaN"),
            "negative.json": json.dumps(run_json([80, -1])),
            "no-intervals.json": json.dumps({"rate": 100, "messages": 5}),
            "not-an-object.json": "[1, 2]",
            "binary.json": b"\xff\xfe\x00",
        }
        for name, content in cases.items():
            with self.subTest(name), tempfile.TemporaryDirectory() as runs, tempfile.TemporaryDirectory() as out:
                path = write(runs, name, content)
                with self.assertRaises(timeseries.TimeseriesError):
                    timeseries.read_run(path)
                done = plot("--out", out, "--timeseries", runs)
                self.assertEqual(done.returncode, 2)
                self.assertIn(path, done.stderr)
                self.assertNotIn("Traceback", done.stderr)

    def test_an_empty_directory_is_an_error(self):
        with tempfile.TemporaryDirectory() as runs, tempfile.TemporaryDirectory() as out:
            done = plot("--out", out, "--timeseries", runs)
            self.assertEqual(done.returncode, 2)
            self.assertIn("no echo-load JSON files", done.stderr)


if __name__ == "__main__":
    unittest.main()
