"""End to end: echo-bench (a slice of the quick matrix, the real servers)
-> tools/bench-report -> tools/plot writes a claims.json that matches the
schema, with real verdicts. Needs the built echo-bench: CTest passes its
path in ECHO_BENCH (release preset); skipped without it."""

import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

from echobench.rendering import claims, timeseries
from echobench.results import hlog

TOOLS = os.path.join(os.path.dirname(__file__), "..", "..")
BENCH = os.environ.get("ECHO_BENCH", "")


@unittest.skipUnless(BENCH and os.access(BENCH, os.X_OK), "ECHO_BENCH (the built echo-bench) not given")
class QuickPipeline(unittest.TestCase):
    def test_quick_matrix_writes_claims_that_match_the_schema(self):
        with tempfile.TemporaryDirectory() as out:
            json_path, csv_path = os.path.join(out, "latest.json"), os.path.join(out, "latest.csv")
            # Two questions' scenarios, twice each, kept short: the pipeline
            # is under test here, not the machine. So no window counts as
            # disturbed: under tools/slow-machine contention every one is,
            # and would be left out of the verdicts read below
            # (test_bench_failures checks the disturbance itself).
            bench = subprocess.run([BENCH, "--matrix=quick", "--benchmark_filter=^(idle-scale|blocking-work)/",
                                    "--duration=0.2", "--warmup=0.05", "--disturbed-at=1000",
                                    f"--benchmark_out={json_path}",
                                    "--benchmark_out_format=json"], capture_output=True, text=True, timeout=300)
            self.assertEqual(bench.returncode, 0, bench.stderr[-2000:])
            with open(json_path, encoding="utf-8") as source:  # strictly JSON: no bare NaN
                raw = json.load(source, parse_constant=lambda token: self.fail(f"{token} in {json_path}"))
            # The reported time is the time per message (what compare.py
            # compares): the inverse of the measured rate.
            timed = [b for b in raw["benchmarks"] if b.get("run_type") == "iteration"
                     and b["name"].startswith("blocking-work/")]
            self.assertTrue(timed)
            for run in timed:
                self.assertEqual(run["time_unit"], "us")
                self.assertAlmostEqual(run["real_time"] * run["msgs_per_s"] / 1e6, 1.0, delta=0.02, msg=run["name"])
                self.assertAlmostEqual(run["items_per_second"], run["msgs_per_s"], delta=run["msgs_per_s"] * 0.02)
            # The one wiring of the pipeline, as tools/run and .ci/run call it.
            pipeline = subprocess.run([sys.executable, os.path.join(TOOLS, "pipeline"), json_path, "--out", out],
                                      capture_output=True, text=True, timeout=180)
            self.assertEqual(pipeline.returncode, 0, pipeline.stderr)
            self.assertIn(" ±", pipeline.stdout)  # the summary: median ±half-width
            for written in (csv_path, os.path.join(out, "latest-cases.csv"), os.path.join(out, "README.md")):
                self.assertTrue(os.path.exists(written), written)
            with open(os.path.join(out, "claims.json"), encoding="utf-8") as source:
                document = json.load(source)
        self.assertEqual(claims.schema_errors(document), [])
        by_id = {c["id"]: c for c in document["claims"]}
        self.assertEqual(set(by_id), {"idle-memory", "blocking-requests"})
        self.assertEqual(by_id["idle-memory"]["repetitions"], 2)
        # thread-pool and epoll-reactor keep a small struct per idle
        # connection; the others a stack, a coroutine frame or a process: one
        # of the two leads in any run. Two repetitions a side are too few for
        # the rank-sum interval to be bounded, so the verdict says so.
        memory = by_id["idle-memory"]
        self.assertIn(memory["leader"], {"thread-pool", "epoll-reactor"}, memory)
        self.assertEqual((memory["verdict"], memory["ratio_ci95"][1]), ("inconclusive", None), memory)
        self.assertEqual(document["context"]["pinning"], "split")
        self.assertIn(document["context"]["cpu_accounting"], ("cgroup-cpuacct", "proc"))


@unittest.skipUnless(BENCH and os.access(BENCH, os.X_OK), "ECHO_BENCH (the built echo-bench) not given")
class PythonReferenceServers(unittest.TestCase):
    def test_python_servers_run_as_reference_rows_outside_every_claim(self):
        with tempfile.TemporaryDirectory() as out:
            json_path = os.path.join(out, "latest.json")
            # As above, no window counts as disturbed: the slow-machine
            # stage's contention would leave every case out of the plot.
            bench = subprocess.run([BENCH, "--matrix=quick", "--python-servers", "--repetitions=2",
                                    "--benchmark_filter=^throughput/tcp/(python-asyncio|asio-coroutine)/",
                                    "--duration=0.2", "--warmup=0.05", "--disturbed-at=1000",
                                    f"--benchmark_out={json_path}",
                                    "--benchmark_out_format=json"], capture_output=True, text=True, timeout=300)
            self.assertEqual(bench.returncode, 0, bench.stderr[-2000:])
            with open(json_path, encoding="utf-8") as source:
                document = json.load(source)
            self.assertEqual(document["context"]["reference_models"],
                             "python-threading,python-forking,python-asyncio")
            ran = {b["name"].split("/")[2] for b in document["benchmarks"] if not b.get("error_occurred")}
            self.assertEqual(ran, {"python-asyncio", "asio-coroutine"})
            pipeline = subprocess.run([sys.executable, os.path.join(TOOLS, "pipeline"), json_path, "--out", out],
                                      capture_output=True, text=True, timeout=180)
            self.assertEqual(pipeline.returncode, 0, pipeline.stderr)
            self.assertIn("python-asyncio", pipeline.stdout)  # a column of the tables
            with open(os.path.join(out, "claims.json"), encoding="utf-8") as source:
                for claim in json.load(source)["claims"]:
                    self.assertNotIn("python-asyncio", claim.get("medians", {}))
            with open(os.path.join(out, "README.md"), encoding="utf-8") as source:
                self.assertIn("Reference rows, in the tables but in no claim", source.read())


@unittest.skipUnless(BENCH and os.access(BENCH, os.X_OK), "ECHO_BENCH (the built echo-bench) not given")
class TimeSeries(unittest.TestCase):
    def test_echo_bench_records_each_models_intervals_for_the_time_series(self):
        """tools/timeseries names the cases; echo-bench --hlog-dir runs and
        records them: per model a JSON with intervals[] and an .hlog holding
        exactly the latencies the JSON counted."""
        build = os.path.dirname(os.path.dirname(os.path.abspath(BENCH)))
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run([sys.executable, os.path.join(TOOLS, "timeseries"), "--build", build, "--out", out,
                                   "--duration", "0.5", "--interval", "0.1", "--rate", "5000"],
                                  capture_output=True, text=True, timeout=300)
            self.assertEqual(done.returncode, 0, done.stderr)
            runs = timeseries.read_runs(out)
            self.assertIn("epoll-reactor", [run.model for run in runs])
            for run in runs:
                self.assertEqual(run.error, "", run.model)
                self.assertEqual(run.rate, 5000)
                self.assertGreaterEqual(len(run.intervals), 4, run.model)  # 0.5 s in 0.1 s (the last may be cut)
                with open(run.path, encoding="utf-8") as source:
                    messages = json.load(source)["messages"]
                log = hlog.read(os.path.join(out, f"{run.model}.hlog"))
                self.assertEqual(sum(i.histogram.total() for i in log.intervals if not i.tag), messages, run.model)
                (uncorrected,) = [i for i in log.intervals if i.tag == "uncorrected"]
                self.assertEqual(uncorrected.histogram.total(), messages, run.model)


BUILD = os.path.dirname(os.path.dirname(os.path.abspath(BENCH))) if BENCH else ""


@unittest.skipUnless(BENCH and os.access(os.path.join(BUILD, "bench", "asio-example.blocking-echo"), os.X_OK),
                     "Asio's examples are not built (tools/compare-asio-examples installs libboost1.81-doc)")
class AsioExamples(unittest.TestCase):
    def test_each_pair_is_measured_by_echo_bench_and_tabled(self):
        """One pair, one repetition, short windows: the front end's wiring
        (the example as a --server-cmd entrant, a --case per load, the CSV
        and the table from echo-bench's JSON), not the numbers."""
        with tempfile.TemporaryDirectory() as out:
            csv_path = os.path.join(out, "asio.csv")
            done = subprocess.run([sys.executable, os.path.join(TOOLS, "compare-asio-examples"), "--build", BUILD,
                                   "--reps", "1", "--duration", "0.2", "--models", "thread-per-connection",
                                   "--out", csv_path], capture_output=True, text=True, timeout=300)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(csv_path, encoding="utf-8") as source:
                rows = list(csv.DictReader(source))
        self.assertEqual(len(rows), 8)  # 4 loads x 2 sides x 1 repetition
        self.assertEqual({r["implementation"] for r in rows}, {"echo-models", "asio-example.blocking-echo"})
        self.assertTrue(all(float(r["server_cpu_us_per_msg"]) > 0 and not r["error"] for r in rows), rows)
        table = [line for line in done.stdout.splitlines() if line.startswith("| thread-per-connection |")]
        self.assertEqual(len(table), 4, done.stdout)


if __name__ == "__main__":
    unittest.main()
