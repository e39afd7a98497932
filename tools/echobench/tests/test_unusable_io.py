"""Every program and tool against an output it cannot write and an input it
cannot use: exit 2 (the one status for that, docs/cli.md), one line
naming the path and no traceback, no cut or leftover file, and an older file
at the path untouched.

Full and read-only filesystems are small tmpfs mounts inside a private mount
namespace (`unshare -m`, root only: skipped otherwise, saying why), gone when
the command ends. Needs ECHO_BUILD (the release build, from CTest) for
echo-bench and echo-load."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
BUILD = os.environ.get("ECHO_BUILD", "")
BENCH = os.path.join(BUILD, "bench", "echo-bench")
LOAD = os.path.join(BUILD, "clients", "echo-load")
SERVER = os.path.join(BUILD, "servers", "echo-server")

# Inside the namespace: a tmpfs at $1 holding an older file "out"; full
# (one page, taken by that file) or read-only; then the command, then what
# the directory holds and what "out" says, for the test to check.
IN_FILESYSTEM = r'''
dir=$1 kind=$2; shift 2
mount -t tmpfs -o size=4k tmpfs "$dir" || exit 99
head -c 4096 /dev/zero | tr '\0' o > "$dir/out"
[ "$kind" = read-only ] && { mount -o remount,ro "$dir" || exit 99; }
"$@"; status=$?
echo "listing: $(ls -A "$dir" | tr '\n' ' ')"
echo "old: $(head -c 8 "$dir/out")"
exit $status
'''


def echo_bench_json(directory: str) -> str:
    """A small echo-bench result: one throughput case, two repetitions."""
    runs = [{"name": "throughput/tcp/epoll-reactor/conns:16/size:64/iterations:1/manual_time",
             "run_name": "throughput/tcp/epoll-reactor/conns:16/size:64/iterations:1/manual_time",
             "run_type": "iteration", "repetitions": 2, "repetition_index": index, "threads": 1,
             "iterations": 1, "real_time": 500.0, "cpu_time": 1.0, "time_unit": "ms",
             "msgs_per_s": 100000.0 + index, "p50_us": 90.0, "p99_us": 150.0, "server_cpu_us_per_msg": 5.0,
             "client_cpu_util": 0.5} for index in range(2)]
    path = os.path.join(directory, "echo-bench.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"context": {"repetitions": 2}, "benchmarks": runs}, out)
    return path


def a_claim(ratio) -> dict:
    return {"id": "q", "question": "Most messages per second", "case": "throughput/tcp/*/conns:16/size:64",
            "metric": "msgs_per_s", "better": "higher", "verdict": "equivalent", "repetitions": 5, "winner": None,
            "leader": "io-uring", "runner_up": "epoll-reactor", "equivalent": ["io-uring", "epoll-reactor"],
            "ratio": ratio, "ratio_ci95": [0.98, 1.04], "margin": 0.05, "metric_ranked": "msgs_per_s"}


def tool(name: str) -> list[str]:
    return [sys.executable, os.path.join(TOOLS, name)]


def can_mount() -> str:
    """Why a private tmpfs cannot be mounted here, or "" if it can."""
    if os.geteuid() != 0:
        return "needs root, for a private tmpfs (unshare -m, mount)"
    try:
        done = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30, check=False)
    except FileNotFoundError:
        return "needs unshare (util-linux)"
    return "" if done.returncode == 0 else f"unshare -m refused: {done.stderr.decode().strip()}"


class UnusableOutputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory()
        # Result directories for compare-claims, made by the tools themselves.
        cls.results = os.path.join(cls.scratch.name, "results")
        done = subprocess.run([*tool("plot"), os.path.join(DATA, "good.csv"), "--out", cls.results],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        with open(os.path.join(DATA, "good.csv"), encoding="utf-8") as source, \
                open(os.path.join(cls.results, "latest.csv"), "w", encoding="utf-8") as copy:
            copy.write(source.read())
        cls.bench_json = echo_bench_json(cls.scratch.name)
        cls.server = None
        if os.path.exists(SERVER):
            cls.server = subprocess.Popen([SERVER, "--model", "epoll-reactor", "--port", "0"],
                                          stdout=subprocess.PIPE, text=True)
            cls.port = cls.server.stdout.readline().strip().rsplit(":", 1)[1]

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.terminate()
            cls.server.wait(timeout=30)
        cls.scratch.cleanup()

    def writers(self, out: str) -> dict[str, list[str]]:
        """Each program or tool, writing its output (a file) to `out`."""
        base = os.path.join(DATA, "gbench_base.json")
        commands = {
            "bench-report --csv": [*tool("bench-report"), self.bench_json, "--csv", out],
            "compare-claims --out": [*tool("compare-claims"), self.results, self.results, "--out", out],
            "gate --report": [*tool("gate"), "--compare", base, os.path.join(DATA, "gbench_same.json"),
                              "--report", out],
        }
        if os.path.exists(BENCH):
            commands["echo-bench --benchmark_out"] = [
                BENCH, "--repetitions=1", "--duration=0.2", "--warmup=0",
                "--benchmark_filter=^throughput/tcp/epoll-reactor/conns:1/size:64/",
                f"--benchmark_out={out}"]
        if self.server:
            for option in ("--hgrm", "--hlog"):
                commands[f"echo-load {option}"] = [LOAD, "--port", self.port, "-c", "1", "-d", "0.3",
                                                   "--interval", "0.1", option, out]
        return commands

    def check_refused(self, what: str, done: subprocess.CompletedProcess, path: str) -> None:
        self.assertEqual(done.returncode, 2, f"{what}: {done.stderr}")
        self.assertIn(f"cannot write {path}", done.stderr, what)
        self.assertNotIn("Traceback", done.stderr, what)

    def test_a_full_or_read_only_filesystem_is_status_two_and_leaves_the_old_file(self):
        why = can_mount()
        if why:
            self.skipTest(why)
        mount_point = os.path.join(self.scratch.name, "mnt")
        os.makedirs(mount_point, exist_ok=True)
        out = os.path.join(mount_point, "out")
        for kind in ("full", "read-only"):
            for what, command in self.writers(out).items():
                with self.subTest(kind=kind, writer=what):
                    done = subprocess.run(["unshare", "-m", "sh", "-c", IN_FILESYSTEM, "sh", mount_point, kind,
                                           *command], capture_output=True, text=True, timeout=240, check=False)
                    self.check_refused(f"{what} on a {kind} filesystem", done, out)
                    self.assertIn("listing: out \n", done.stdout, f"{what}: a file was left behind")
                    self.assertIn("old: oooooooo", done.stdout, f"{what}: the older file was changed")

    def test_plot_into_a_full_filesystem_leaves_no_cut_chart(self):
        why = can_mount()
        if why:
            self.skipTest(why)
        mount_point = os.path.join(self.scratch.name, "charts")
        os.makedirs(mount_point, exist_ok=True)
        done = subprocess.run(["unshare", "-m", "sh", "-c", IN_FILESYSTEM, "sh", mount_point, "full",
                               *tool("plot"), os.path.join(DATA, "good.csv"), "--out", mount_point],
                              capture_output=True, text=True, timeout=240, check=False)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("cannot write", done.stderr)
        self.assertNotIn("Traceback", done.stderr)
        self.assertIn("listing: out \n", done.stdout, "a cut chart or a temporary file was left behind")

    def test_a_path_under_a_regular_file_is_status_two(self):
        regular = os.path.join(self.scratch.name, "a-file")
        with open(regular, "w", encoding="utf-8") as out:
            out.write("x")
        path = os.path.join(regular, "out")
        for what, command in self.writers(path).items():
            with self.subTest(writer=what):
                done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
                self.check_refused(what, done, path)


class UnusableInputs(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.addCleanup(self.scratch.cleanup)
        with open(echo_bench_json(self.scratch.name), encoding="utf-8") as source:
            self.base = json.load(source)

    def write(self, name: str, text: str) -> str:
        path = os.path.join(self.scratch.name, name)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        return path

    def variant(self, name: str, change) -> str:
        document = json.loads(json.dumps(self.base))
        for entry in document["benchmarks"]:
            change(entry)
        return self.write(name, json.dumps(document))

    def assert_unusable(self, done: subprocess.CompletedProcess, what: str) -> None:
        self.assertEqual(done.returncode, 2, f"{what}: {done.stdout} {done.stderr}")
        self.assertNotIn("Traceback", done.stderr, what)
        self.assertTrue(done.stderr.strip(), f"{what}: no message")

    def test_malformed_benchmark_json_is_status_two_without_a_traceback(self):
        inputs = {
            "deeply nested": self.write("deep.json", "[" * 100_000 + "]" * 100_000),
            "run_name a number": self.variant("run_name.json", lambda e: e.update(run_name=5)),
            "an infinite counter": self.write(
                "inf.json", json.dumps(self.base).replace('"msgs_per_s": ', '"msgs_per_s": 1e999, "x": ', 1)),
            "a NaN counter": self.write(
                "nan.json", json.dumps(self.base).replace('"msgs_per_s": ', '"msgs_per_s": NaN, "x": ', 1)),
        }
        for what, path in inputs.items():
            for command in (tool("bench-report") + [path], tool("gate") + ["--compare", path, path],
                            tool("load-hosts-table") + [f"a={path}"]):
                with self.subTest(input=what, tool=os.path.basename(command[1])):
                    self.assert_unusable(subprocess.run(command, capture_output=True, text=True, check=False),
                                         what)

    def test_claims_with_a_ratio_that_is_not_a_number_are_status_two(self):
        results = os.path.join(self.scratch.name, "results")
        done = subprocess.run([*tool("plot"), os.path.join(DATA, "good.csv"), "--out", results],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(os.path.join(DATA, "good.csv"), encoding="utf-8") as source:
            self.write("results/latest.csv", source.read())
        with open(os.path.join(results, "claims.json"), encoding="utf-8") as source:
            document = json.load(source)
        document["claims"] = [a_claim(1.02)]
        self.write("results/claims.json", json.dumps(document))
        done = subprocess.run([*tool("compare-claims"), results, results], capture_output=True, text=True,
                              check=False)
        self.assertNotEqual(done.returncode, 2, f"the valid claim was refused: {done.stderr}")
        document["claims"] = [a_claim("abc")]
        self.write("results/claims.json", json.dumps(document))
        done = subprocess.run([*tool("compare-claims"), results, results], capture_output=True, text=True,
                              check=False)
        self.assert_unusable(done, "ratio 'abc'")
        self.assertIn("'ratio'", done.stderr)

    def test_load_hosts_table_names_what_a_run_without_throughput_lacks(self):
        path = self.variant("no_rates.json", lambda e: e.pop("msgs_per_s"))
        done = subprocess.run([*tool("load-hosts-table"), f"a={path}"], capture_output=True, text=True, check=False)
        self.assert_unusable(done, "no throughput counters")
        self.assertIn("msgs_per_s", done.stderr)

    def test_the_gate_calls_runs_that_failed_without_a_message_broken_not_inconclusive(self):
        with open(os.path.join(DATA, "gbench_base.json"), encoding="utf-8") as source:
            self.base = json.load(source)
        failed = self.variant("failed.json", lambda e: e.update(error_occurred=True, error_message=None))
        done = subprocess.run([*tool("gate"), "--compare", os.path.join(DATA, "gbench_base.json"), failed],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertNotIn("Traceback", done.stderr)


if __name__ == "__main__":
    unittest.main()
