"""tools/side-by-side: entrants and loads parse as documented, the tables
carry ratios with their verdicts and mark client-bound runs, and a run in
which a server echoes wrong bytes is exit 1 with no table (end to end, when
ECHO_BUILD names a build with echo-bench)."""

import os
import subprocess
import sys
import tempfile
import unittest

from echobench import side_by_side

HERE = os.path.dirname(__file__)
SCRIPT = os.path.join(HERE, "..", "..", "side-by-side")
BUILD = os.environ.get("ECHO_BUILD", "")

# An echo server that lies: it echoes every byte plus one. Outside servers
# are told their port through {port}.
CORRUPTING_SERVER = r'''
import socket, sys, threading
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
def serve(conn):
    with conn:
        while data := conn.recv(65536):
            conn.sendall(bytes((b + 1) % 256 for b in data))
while True:
    threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()
'''


def row(entrant: str, rep: int, msgs: float, cpu: float, busy: float = 0.5) -> dict:
    return {"entrant": entrant, "connections": 100, "size": 64, "rep": rep, "msgs_per_s": msgs,
            "server_cpu_us_per_msg": cpu, "p99_us": 100.0, "client_busy": busy}


class Parsing(unittest.TestCase):
    def test_a_model_with_options_is_an_echo_bench_variant(self):
        entrant = side_by_side.parse_entrant("io-uring --udp --threads 1", "b")
        self.assertEqual((entrant.name, entrant.label), ("io-uring+threads+1", "io-uring --udp --threads 1"))
        # --udp is the run's (the cases' protocol), not the variant's
        self.assertEqual(entrant.bench_args, ["--variant", "io-uring+threads+1=io-uring --threads 1"])
        self.assertTrue(entrant.echo_server)

    def test_a_bare_model_is_the_model(self):
        entrant = side_by_side.parse_entrant("epoll-reactor", "b")
        self.assertEqual((entrant.name, entrant.bench_args), ("epoll-reactor", []))

    def test_an_outside_server_is_name_equals_command(self):
        entrant = side_by_side.parse_entrant("ref={build}/x {port} --fast", "b")
        self.assertEqual((entrant.name, entrant.bench_args, entrant.echo_server),
                         ("ref", ["--server-cmd", "ref=b/x {port} --fast"], False))

    def test_loads(self):
        self.assertEqual(side_by_side.parse_loads("100:64,1000:16384"), [(100, 64), (1000, 16384)])
        for bad in ("100", "a:64", "0:64", "100:64,"):
            with self.assertRaises(ValueError, msg=bad):
                side_by_side.parse_loads(bad)

    def test_counts_per_message_leave_out_what_both_runs_share(self):
        # 1,000 system calls of start-up and ramp-up in both, 4 per message.
        self.assertEqual(side_by_side.per_message((1000 + 4 * 500, 500), (1000 + 4 * 2000, 2000)), 4.0)
        self.assertEqual(side_by_side.perf_counts("# started\n\n7094,,context-switches,3,100.00,,\n"),
                         {"context-switches": 7094})
        self.assertEqual(side_by_side.callgrind_total("events: Ir\nsummary: 13970000\n"), 13970000)
        with self.assertRaises(ValueError):
            side_by_side.callgrind_total("events: Ir\n")


class Report(unittest.TestCase):
    def setUp(self):
        self.entrants = [side_by_side.parse_entrant(name, "b") for name in ("base", "fast", "same")]
        self.rows = []
        for rep in range(5):
            self.rows += [row("base", rep, 100_000, 10.0), row("fast", rep, 120_000 + rep, 8.0, busy=0.95),
                          row("same", rep, 100_000 + (rep - 2) * 3000, 10.0 + (rep - 2) * 0.3)]

    def test_ratios_verdicts_and_client_bound_marks(self):
        text = side_by_side.report(self.rows, self.entrants, "base", [(100, 64)], 5, 0.9)
        lines = {line.split("|")[3].strip(): line for line in text.splitlines() if line.startswith("| 100 ")}
        self.assertIn("baseline", lines["base"])
        self.assertIn("1.20 (1.20–1.20, higher)", lines["fast"])  # throughput
        self.assertIn("1.25 (1.25–1.25, higher)", lines["fast"])  # 10 µs / 8 µs
        self.assertIn("‡", lines["fast"])  # echo-load at 95%
        self.assertNotIn("‡", lines["same"])
        self.assertIn("can't tell", lines["same"])

    def test_a_disturbed_repetition_is_left_out_of_the_ratios(self):
        rows = self.rows + [{**row("fast", 5, 1_000_000, 1.0), "disturbed": 1}, row("base", 5, 100_000, 10.0)]
        text = side_by_side.report(rows, self.entrants, "base", [(100, 64)], 6, 0.9)
        self.assertIn("1.20 (1.20–1.20, higher)", text)

    def test_profiles_table_shows_only_what_was_measured(self):
        rows = self.rows + [{"entrant": "base", "connections": 100, "size": 64, "syscalls_per_msg": 4.07}]
        text = side_by_side.report(rows, self.entrants, "base", [(100, 64)], 5, 0.9)
        self.assertIn("| 100 | 64 | base | 4.07 | – | – |", text)


@unittest.skipUnless(BUILD and os.access(os.path.join(BUILD, "bench", "echo-bench"), os.X_OK),
                     "side-by-side runs echo-bench: set ECHO_BUILD to a build with it (the release preset)")
class EndToEnd(unittest.TestCase):
    def run_tool(self, *entrants: str) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory() as directory:
            return subprocess.run([sys.executable, SCRIPT, "--build", BUILD, "--reps", "2", "--duration", "0.2",
                                   "--warmup", "0.1", "--loads", "2:64", "--out",
                                   os.path.join(directory, "runs.csv"), *entrants],
                                  capture_output=True, text=True, timeout=120, check=False)

    def test_two_models_give_a_table(self):
        done = self.run_tool("epoll-reactor", "asio-coroutine")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("| 2 | 64 | asio-coroutine |", done.stdout)

    def test_a_server_that_corrupts_bytes_is_exit_one_and_no_table(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
            script.write(CORRUPTING_SERVER)
            script.flush()
            done = self.run_tool("epoll-reactor", f"liar={sys.executable} {script.name} {{port}}")
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("differed from what was sent", done.stderr)
        self.assertEqual(done.stdout, "")


if __name__ == "__main__":
    unittest.main()
