"""echo-bench never turns a broken run into a clean one: a filter that
matches nothing, a server that exits at once and one that daemonises are
failures with exit 1, and SIGINT mid-case leaves no server process, no
temporary file and no cgroup. Needs the built echo-bench (ECHO_BENCH, from CTest)."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BENCH = os.environ.get("ECHO_BENCH", "")


def children_of(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as source:
                found += [int(p) for p in source.read().split()]
        except OSError:
            pass
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie: an orphan's exit status waits for whoever
    reaps orphans here, which may be slow or nobody."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cpuacct_group(pid: int) -> str:
    """The directory of process `pid`'s cgroup v1 cpuacct group, if it is in
    one of echo-bench's own (echo-bench.PID.N); "" otherwise."""
    mount = ""
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            _, point, kind, options = line.split()[:4]
            if kind == "cgroup" and "cpuacct" in options.split(","):
                mount = point
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as groups:
            for line in groups:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if mount and "cpuacct" in controllers.split(",") and "/echo-bench." in path:
                    return mount + path
    except OSError:
        pass
    return ""


def long_case_with_its_servers(**popen: object) -> tuple[subprocess.Popen, list[int]]:
    """A 30 s thread-per-connection case, once it has started its server(s)
    (up to a generous limit; none, if it never did)."""
    bench = subprocess.Popen([BENCH, "--repetitions=1", "--duration=30",
                              "--benchmark_filter=^throughput/tcp/thread-per-connection/conns:16/size:64/"],
                             stdout=subprocess.DEVNULL, **popen)  # type: ignore[call-overload]
    servers: list[int] = []
    deadline = time.monotonic() + 20
    while not servers and time.monotonic() < deadline and bench.poll() is None:
        time.sleep(0.1)
        servers = children_of(bench.pid)
    return bench, servers


@unittest.skipUnless(BENCH and os.access(BENCH, os.X_OK), "ECHO_BENCH (the built echo-bench) not given")
class BrokenRuns(unittest.TestCase):
    def bench(self, *args, timeout=120, duration="0.2"):
        return subprocess.run([BENCH, "--repetitions=1", f"--duration={duration}", "--warmup=0", *args],
                              capture_output=True, text=True, timeout=timeout)

    def test_a_filter_that_matches_nothing_exits_one(self):
        done = self.bench("--benchmark_filter=^no-such-case$")
        self.assertEqual(done.returncode, 1)
        self.assertIn("no case matches", done.stderr)

    def test_an_unwritable_output_is_refused_before_any_case(self):
        done = self.bench("--benchmark_filter=^throughput/tcp/epoll-reactor/conns:16/size:64/",
                          "--benchmark_out=/nonexistent-dir/out.json")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("cannot write /nonexistent-dir/out.json", done.stderr)
        self.assertNotIn("[1/", done.stderr)  # no case ran

    def test_a_server_on_a_fixed_port_runs_and_a_taken_port_is_refused(self):
        # NAME@PORT: a server that always listens on one port (Asio's coroutine
        # example); ready once that port is in LISTEN, like any --server-cmd.
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            port = holder.getsockname()[1]
            server = f"fixed@{port}=socat TCP-LISTEN:{port},reuseaddr,fork PIPE"
            case = "--case=throughput/tcp/fixed/conns:4/size:64"
            holder.listen()  # taken: its LISTEN would pass for the server's
            taken = self.bench(case, "--server-cmd", server)
        self.assertEqual(taken.returncode, 1, taken.stderr)
        self.assertIn(f"port {port}, which something else already listens on", taken.stderr)
        done = self.bench(case, "--server-cmd", server)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_entrant_names_that_would_collide_or_split_are_refused(self):
        socat = "socat TCP-LISTEN:{port},reuseaddr,fork PIPE"
        for specs, why in [(["epoll-reactor=" + socat], "is a model's name"),
                           (["a/b=" + socat], "must be letters"),
                           (["twin=" + socat, "twin=" + socat], "given twice"),
                           (["python-asyncio=" + socat, "--python-servers"], "given twice")]:
            with self.subTest(specs=specs):
                args = [word for spec in specs
                        for word in ([spec] if spec.startswith("--") else ["--server-cmd", spec])]
                done = self.bench("--benchmark_filter=^no-such-case$", *args)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(why, done.stderr)

    def test_a_server_that_exits_at_once_fails_its_case(self):
        done = self.bench("--benchmark_filter=^throughput/tcp/quitter/conns:16/",
                          "--server-cmd", "quitter=sh -c 'exit 3' {port}")
        self.assertEqual(done.returncode, 1)
        self.assertIn("FAILED throughput/tcp/quitter", done.stderr)
        self.assertIn("exited with status 3", done.stderr)

    def test_a_server_that_cannot_start_fails_its_other_repetitions_at_once(self):
        # It is started once; the other repetitions fail with the same error
        # (each attempt would write one line to the marker file), while a
        # case that can start still runs every repetition.
        with tempfile.TemporaryDirectory() as tmp:
            marker = os.path.join(tmp, "starts")
            done = subprocess.run(
                [BENCH, "--repetitions=3", "--duration=0.2", "--warmup=0",
                 "--benchmark_filter=^throughput/tcp/(quitter|epoll-reactor)/conns:16/size:64/",
                 "--server-cmd", f"quitter=sh -c 'echo start >> {marker}; exit 3' {{port}}",
                 "--benchmark_format=json"],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(done.returncode, 1, done.stderr)
            with open(marker) as starts:
                self.assertEqual(starts.read().split(), ["start"])
        self.assertEqual(done.stderr.count("FAILED throughput/tcp/quitter"), 3)
        self.assertEqual(done.stderr.count("not tried again"), 3)
        self.assertIn("3 of 6 case runs failed", done.stderr)

    def test_a_server_starts_with_no_signal_blocked(self):
        # echo-bench blocks SIGINT/SIGTERM/SIGHUP for its own clean-up; a
        # server that inherited that mask could never be stopped by SIGTERM.
        done = self.bench("--benchmark_filter=^throughput/tcp/mask/conns:16/",
                          "--server-cmd", "mask=sh -c 'grep -h SigBlk /proc/self/status >&2; exit 3' {port}")
        self.assertEqual(done.returncode, 1)
        self.assertIn("SigBlk:\t0000000000000000", done.stderr)

    def test_sigkill_of_echo_bench_leaves_no_server_and_no_temporary_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            bench, servers = long_case_with_its_servers(env=dict(os.environ, TMPDIR=tmp),
                                                        stderr=subprocess.DEVNULL)
            try:
                self.assertTrue(servers, "echo-bench started no server")
                groups = [g for g in map(cpuacct_group, servers) if g]
            finally:
                bench.kill()
                bench.wait()
            # The server is told by the kernel (parent-death signal) and stops
            # within its 2 s; allow a slow machine ten times that.
            deadline = time.monotonic() + 20
            while any(running(pid) for pid in servers) and time.monotonic() < deadline:
                time.sleep(0.1)
            for pid in servers:
                self.assertFalse(running(pid), f"server {pid} outlived a SIGKILLed echo-bench")
            self.assertEqual(os.listdir(tmp), [], "a SIGKILLed echo-bench left temporary files")
            # Its servers' cgroups outlive it, empty, until the next run
            # removes them (one that matches no case is enough).
            self.bench("--benchmark_filter=^nothing$")
            for group in groups:
                self.assertFalse(os.path.exists(group), f"{group} outlived the next run")

    def test_a_daemonising_server_is_refused_naming_the_problem(self):
        # setsid -f leaves the process group at once; timeout ends the
        # daemon by itself after 3 s, since echo-bench cannot.
        done = self.bench("--benchmark_filter=^throughput/tcp/daemon/conns:16/",
                          "--server-cmd", "daemon=setsid -f timeout 3 socat TCP-LISTEN:{port},reuseaddr,fork PIPE")
        self.assertEqual(done.returncode, 1)
        self.assertIn("daemonised", done.stderr)

    def test_a_server_that_daemonises_behind_a_live_leader_is_refused_and_ended(self):
        # The leader (sleep) stays, in the group echo-bench measures; the
        # listener went to a session of its own. timeout ends it by itself
        # should echo-bench not.
        done = self.bench("--benchmark_filter=^throughput/tcp/daemon/conns:16/", "--server-cmd",
                          "daemon=sh -c 'setsid timeout 20 socat TCP-LISTEN:{port},reuseaddr,fork PIPE & "
                          "exec sleep 20'")
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("outside the server's process group (daemonised?)", done.stderr)
        listener = int(done.stderr.split("started process ")[1].split(",")[0])
        deadline = time.monotonic() + 20
        while running(listener) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(running(listener), "the daemon outlived echo-bench")

    def cpus_or_skip(self) -> tuple[int, int]:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            self.skipTest("needs two CPUs: one for the server, one for the load")
        return cpus[0], cpus[1]

    def test_a_second_run_on_the_same_cpus_waits_or_refuses(self):
        client, server = self.cpus_or_skip()
        pinning = [f"--client-cpus={client}", f"--server-cpus={server}"]
        first = subprocess.Popen([BENCH, "--repetitions=1", "--duration=3", *pinning,
                                  "--benchmark_filter=^throughput/tcp/epoll-reactor/conns:1/size:64/"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not children_of(first.pid) and time.monotonic() < deadline and first.poll() is None:
                time.sleep(0.05)  # its server started: it holds the CPUs
            refused = self.bench("--no-wait-for-lock", *pinning,
                                 "--benchmark_filter=^throughput/tcp/epoll-reactor/conns:1/size:64/")
            self.assertEqual(refused.returncode, 2, refused.stderr)
            self.assertIn(f"is in use by echo-bench (PID {first.pid})", refused.stderr)
            waited = self.bench(*pinning, "--benchmark_filter=^throughput/tcp/epoll-reactor/conns:1/size:64/")
            self.assertEqual(waited.returncode, 0, waited.stderr)
            self.assertIn("waiting for it", waited.stderr)
            self.assertIsNotNone(first.poll(), "the second run measured while the first still ran")
        finally:
            if first.poll() is None:
                first.kill()
            first.communicate()
        self.assertEqual(first.returncode, 0)

    def test_cpu_hogs_on_the_servers_cpu_mark_the_case_disturbed(self):
        client, server = self.cpus_or_skip()
        # Two busy loops on the server's CPU: runnable all along, they take
        # a share of it whatever the scheduler favours (one alone got as
        # little as a tenth beside a busy server).
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                 preexec_fn=lambda: os.sched_setaffinity(0, {server})) for _ in range(2)]
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "out.json")
                # 1 s windows: the resolution (two ticks per CPU) is then 0.04 of a CPU.
                done = self.bench(f"--client-cpus={client}", f"--server-cpus={server}",
                                  "--benchmark_filter=^throughput/tcp/epoll-reactor/conns:16/size:64/",
                                  f"--benchmark_out={out}", duration="1")
                self.assertEqual(done.returncode, 0, done.stderr)
                with open(out, encoding="utf-8") as source:
                    document = json.load(source)
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
        runs = [b for b in document["benchmarks"] if b.get("run_type") == "iteration"]
        self.assertEqual(len(runs), 1)
        threshold = float(document["context"]["disturbed_at"]) + 2 * 0.01 * 2 / 1.0
        self.assertGreater(runs[0]["others_cpu"], threshold)
        self.assertEqual(runs[0]["disturbed"], 1)
        self.assertEqual(runs[0]["disturbed_retries"], 2)

    def test_sigint_mid_case_leaves_no_server_and_no_temporary_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            bench, servers = long_case_with_its_servers(env=dict(os.environ, TMPDIR=tmp), stderr=subprocess.PIPE,
                                                        text=True)
            try:
                self.assertTrue(servers, "echo-bench started no server")
                groups = [g for g in map(cpuacct_group, servers) if g]
                time.sleep(0.5)
                bench.send_signal(signal.SIGINT)
                _, err = bench.communicate(timeout=20)
            finally:
                if bench.poll() is None:
                    bench.kill()
                    bench.communicate()
            self.assertEqual(bench.returncode, 128 + signal.SIGINT, err)
            for pid in servers:
                self.assertFalse(alive(pid), f"server {pid} outlived echo-bench")
                with self.assertRaises(ProcessLookupError):  # nor anything in its group
                    os.killpg(pid, 0)
            self.assertEqual(os.listdir(tmp), [])
            for group in groups:  # the cgroup it measured the server's CPU in
                self.assertFalse(os.path.exists(group), f"{group} outlived echo-bench")


if __name__ == "__main__":
    unittest.main()
