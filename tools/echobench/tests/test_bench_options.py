"""echo-bench's options for the tools built on it, end to end: --order
rotated measures in rotated order and hands each case its own runs, and
--server-prefix wraps every server it starts. Needs the built echo-bench
(ECHO_BENCH, from CTest)."""

import json
import os
import re
import subprocess
import tempfile
import unittest

BENCH = os.environ.get("ECHO_BENCH", "")
CASES = ["throughput/tcp/epoll-reactor/conns:2/size:64", "throughput/tcp/iterative/conns:1/size:64",
         "throughput/tcp/thread-pool/conns:2/size:64"]


@unittest.skipUnless(BENCH, "needs ECHO_BENCH")
class Options(unittest.TestCase):
    def bench(self, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
        with tempfile.TemporaryDirectory() as work:
            out = os.path.join(work, "out.json")
            # No window counts as disturbed: a disturbed one is run again (another
            # server, another {run}), and under tools/slow-machine every one is.
            done = subprocess.run([BENCH, "--duration=0.2", "--warmup=0", "--disturbed-at=1000",
                                   f"--benchmark_out={out}", *args],
                                  capture_output=True, text=True, timeout=240)
            result = {}
            if os.path.exists(out):
                with open(out, encoding="utf-8") as text:
                    result = json.load(text)
        return done, result

    def test_rotated_order_starts_each_repetition_one_case_further_on(self):
        done, result = self.bench("--order=rotated", "--repetitions=3", *(f"--case={c}" for c in CASES))
        self.assertEqual(done.returncode, 0, done.stderr)
        measured = re.findall(r"^echo-bench: \[\d+/9\] (\S+)", done.stderr, re.MULTILINE)
        a, b, c = CASES
        self.assertEqual(measured, [a, b, c, b, c, a, c, a, b])
        self.assertEqual(result["context"]["order"], "rotated")
        runs = [r for r in result["benchmarks"] if r["run_type"] == "iteration"]
        self.assertEqual(sorted((r["name"].split("/iterations:")[0], r["repetition_index"]) for r in runs),
                         sorted((name, k) for name in CASES for k in range(3)))

    def test_rotated_order_refuses_google_benchmarks_interleaving(self):
        done, _ = self.bench("--order=rotated", f"--case={CASES[0]}",
                             "--benchmark_enable_random_interleaving=true")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("--order rotated", done.stderr)

    def test_a_prefix_that_forks_the_server_reports_after_it_ends(self):
        # A wrapper like perf stat: it runs the server as its child and writes
        # its report when that child has exited. SIGTERM goes to the server,
        # so the wrapper lives to write it, once per server, named per case.
        with tempfile.TemporaryDirectory() as reports:
            wrapper = f"sh -c '\"$@\"; echo exit $? > {reports}/{{case}}.{{run}}' wrapper"
            done, result = self.bench("--repetitions=2", f"--case={CASES[0]}", "--server-prefix", wrapper)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(result["context"]["server_prefix"], wrapper)
            stem = CASES[0].replace("/", "_")
            self.assertEqual(sorted(os.listdir(reports)), [f"{stem}.1", f"{stem}.2"])
            for name in os.listdir(reports):
                with open(os.path.join(reports, name), encoding="utf-8") as report:
                    self.assertEqual(report.read(), "exit 0\n")  # echo-server's own clean exit


if __name__ == "__main__":
    unittest.main()
