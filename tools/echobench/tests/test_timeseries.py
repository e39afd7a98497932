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
from echobench.tests.test_hlog import compressed_line, golden

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

    def test_the_percentile_spectrum_reads_both_latencies_from_the_hlog(self):
        """The .hlog beside a run's JSON: its untagged intervals merged are
        the corrected latency, its line tagged "uncorrected" the other; the
        chart draws both panels, byte for byte the same twice."""
        two_values = golden("two_values.hex")  # three values, two buckets
        at_the_top = golden("at_the_top.hex")  # 300 values at the top
        log = "\n".join(["#[Histogram log format version 1.3]", "#[StartTime: 1700000000.000 (seconds since epoch)]",
                         '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
                         compressed_line(two_values), compressed_line(at_the_top, "1.000"),
                         "Tag=uncorrected," + compressed_line(two_values, "0.000", "2.000")]) + "\n"
        with tempfile.TemporaryDirectory() as runs, tempfile.TemporaryDirectory() as first, \
                tempfile.TemporaryDirectory() as second:
            path = write(runs, "io-uring.json", json.dumps(run_json([80, 90])))
            write(runs, "io-uring.hlog", log)
            spectrum = timeseries.percentile_spectrum(timeseries.read_run(path))
            self.assertEqual(sorted(spectrum), ["corrected", "uncorrected"])
            corrected = [v for _, v in spectrum["corrected"]]
            self.assertEqual(corrected, sorted(corrected))  # a spectrum never falls
            self.assertGreater(corrected[-1], max(v for _, v in spectrum["uncorrected"]))  # the top bucket counts
            self.assertAlmostEqual(spectrum["corrected"][-1][0], 99.99)
            for out in (first, second):
                self.assertEqual(plot("--out", out, "--timeseries", runs).returncode, 0)
            self.assertIn("percentile_spectrum.svg", os.listdir(first))
            _, mismatch, errors = filecmp.cmpfiles(first, second, ["percentile_spectrum.svg"], shallow=False)
            self.assertEqual(mismatch + errors, [])
            with open(os.path.join(first, "percentile_spectrum.svg"), encoding="utf-8") as chart:
                text = chart.read()
            self.assertIn("from the scheduled send time (corrected)", text)
            self.assertIn("from the actual send time (uncorrected)", text)
            self.assertIn("99.99%", text)

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
