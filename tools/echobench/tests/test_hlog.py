"""tools/echobench/results/hlog.py against the golden V2 encodings worked out by hand
from the specification (tests/data/hlog, shared with the C++ encoder's
test), and the round trip: echo-load --hlog, read back, agrees with the
same run's JSON. The round trip needs the built echo-load: CTest passes its
path in ECHO_LOAD; skipped without it."""

import base64
import json
import os
import socketserver
import struct
import subprocess
import tempfile
import threading
import unittest
import zlib

from echobench.results import hlog

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "data", "hlog")
LOAD = os.environ.get("ECHO_LOAD", "")


def golden(name: str) -> bytes:
    with open(os.path.join(GOLDEN, name), encoding="ascii") as source:
        return bytes(int(word, 16) for line in source for word in line.split("#")[0].split())


def compressed_line(encoding: bytes, start: str = "0.000", length: str = "1.000", max_ms: str = "0.005") -> str:
    deflated = zlib.compress(encoding)
    blob = struct.pack(">ii", 0x1C849314, len(deflated)) + deflated
    return f"{start},{length},{max_ms},{base64.b64encode(blob).decode()}"


class GoldenEncodings(unittest.TestCase):
    def test_counts_come_back_at_hdrhistogram_indices(self):
        two = hlog.decode_histogram(golden("two_values.hex"))
        self.assertEqual(two.counts, {1000: 2, 3298: 1})
        self.assertEqual((two.significant_digits, two.lowest, two.highest), (3, 1, 100_000_000_000))
        self.assertEqual(hlog.decode_histogram(golden("empty.hex")).counts, {})
        self.assertEqual(hlog.decode_histogram(golden("single_zero_between.hex")).counts, {0: 1, 2: 1})
        self.assertEqual(hlog.decode_histogram(golden("at_the_top.hex")).counts, {28114: 300})

    def test_bucket_bounds_and_percentiles_follow_the_layout(self):
        two = hlog.decode_histogram(golden("two_values.hex"))
        self.assertEqual(two.lowest_equivalent(3298), 5000)
        self.assertEqual(two.highest_equivalent(3298), 5003)  # 4 ns wide above 4096
        self.assertEqual(two.value_at_percentile(50), 1000)
        self.assertEqual(two.value_at_percentile(99), 5003)
        top = hlog.decode_histogram(golden("at_the_top.hex"))
        self.assertLessEqual(top.lowest_equivalent(28114), 100_000_000_000)
        self.assertGreaterEqual(top.highest_equivalent(28114), 100_000_000_000)

    def test_nine_byte_words_carry_eight_bits_in_the_last(self):
        self.assertEqual(hlog.read_zigzag_leb128(bytes([0x80] * 8 + [0x01]), 0), (1 << 55, 9))
        self.assertEqual(hlog.read_zigzag_leb128(bytes([0xFF] * 9), 0), (-(1 << 63), 9))
        self.assertEqual(hlog.read_zigzag_leb128(bytes([0xCF, 0x0F]), 0), (-1000, 2))

    def test_a_log_with_tags_comments_and_times_parses(self):
        text = "\n".join([
            "#[Histogram log format version 1.3]",
            "#[StartTime: 1700000000.125 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]",
            "#[BaseTime: 1700000000.125 (seconds since epoch)]",
            '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
            compressed_line(golden("two_values.hex")),
            "Tag=other," + compressed_line(golden("empty.hex"), "1.000", "1.000", "0.000"),
        ])
        log = hlog.parse(text)
        self.assertEqual((log.start_time_s, log.base_time_s), (1700000000.125, 1700000000.125))
        self.assertEqual([i.tag for i in log.intervals], ["", "other"])
        self.assertEqual(log.intervals[0].histogram.total(), 3)
        self.assertEqual(log.intervals[1].start_s, 1.0)

    def test_malformed_input_is_an_hlog_error(self):
        for bad in ("0.0,1.0,2.0", "0.0,1.0,2.0,@@@", "0.0,1.0,2.0," + base64.b64encode(b"\x00" * 12).decode()):
            with self.assertRaises(hlog.HlogError, msg=bad):
                hlog.parse(bad)


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(65536):
            self.request.sendall(data)


@unittest.skipUnless(LOAD and os.access(LOAD, os.X_OK), "ECHO_LOAD (the built echo-load) not given")
class RoundTrip(unittest.TestCase):
    def test_echo_loads_interval_log_reads_back_as_its_json_says(self):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with tempfile.TemporaryDirectory() as out:
                path = os.path.join(out, "run.hlog")
                done = subprocess.run([LOAD, "--port", str(server.server_address[1]), "-c", "2", "-d", "1",
                                       "--rate", "1000", "--interval", "0.25", "--hlog", path, "--format", "json"],
                                      capture_output=True, text=True, timeout=60)
                self.assertEqual(done.returncode, 0, done.stderr)
                result = json.loads(done.stdout)
                log = hlog.read(path)
        finally:
            server.shutdown()
            server.server_close()
        untagged = [i for i in log.intervals if not i.tag]
        self.assertEqual(len(untagged), 4)
        self.assertEqual(len(untagged), len(result["intervals"]))
        self.assertIsNotNone(log.base_time_s)
        # Open loop: one more line, tagged, with the whole window from the
        # actual send time: the same echoes, and the run's uncorrected p99.
        (uncorrected,) = [i for i in log.intervals if i.tag == "uncorrected"]
        self.assertEqual(uncorrected.histogram.total(), result["messages"])
        self.assertAlmostEqual(uncorrected.histogram.value_at_percentile(99) / 1000, result["p99_uncorrected_us"],
                               delta=result["p99_uncorrected_us"] * 0.001 + 0.001)
        merged = hlog.Histogram(3, 1, 100_000_000_000)
        for interval, summary in zip(untagged, result["intervals"]):
            self.assertAlmostEqual(interval.start_s, summary["start_s"], places=2)
            self.assertAlmostEqual(interval.length_s, summary["length_s"], places=2)
            # Every echo of the interval is in its histogram (none unanswered here).
            self.assertEqual(interval.histogram.total(), summary["messages"])
            self.assertAlmostEqual(interval.histogram.value_at_percentile(99) / 1000, summary["p99_us"],
                                   delta=summary["p99_us"] * 0.001 + 0.001)
            merged.add(interval.histogram)
        # Merged exactly: the whole run's count and percentiles.
        self.assertEqual(merged.total(), result["messages"])
        self.assertAlmostEqual(merged.value_at_percentile(50) / 1000, result["p50_us"],
                               delta=result["p50_us"] * 0.001 + 0.001)
        self.assertAlmostEqual(merged.value_at_percentile(99) / 1000, result["p99_us"],
                               delta=result["p99_us"] * 0.001 + 0.001)


if __name__ == "__main__":
    unittest.main()
