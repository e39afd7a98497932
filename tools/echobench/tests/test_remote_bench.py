"""echo-bench --remote end to end in the namespace lab (tools/netns-lab):
two load hosts merged, a load host that fails, a server that dies mid-case,
and the same run over real SSH (an OpenSSH server in the lab's echo-server
namespace). Root only (namespaces need CAP_NET_ADMIN); skipped with that
reason otherwise. Every test also checks that nothing is left behind: no
process in the lab's namespaces, no remote temporary directory."""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(__file__)
LAB = os.path.join(HERE, "..", "..", "netns-lab")
BUILD = os.environ.get("ECHO_BUILD", "")
BENCH = os.path.join(BUILD, "bench", "echo-bench")
SERVER = os.path.join(BUILD, "servers", "echo-server")
QUICK = ["--matrix=quick", "--repetitions", "1", "--benchmark_enable_random_interleaving=false"]


def run(argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def namespace_pids(name: str) -> list[str]:
    return run(["ip", "netns", "pids", name]).stdout.split()


def load_running_in(name: str) -> bool:
    """Whether a case's echo-load runs in namespace `name`: not the
    `echo-load --version` check nor the clock agent that come and go there
    in a moment before the first case, but the one that waits for its start
    time (--start-on-input)."""
    for pid in namespace_pids(name):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"--start-on-input" in cmdline.read().split(b"\0"):
                    return True
        except OSError:  # gone meanwhile
            continue
    return False


def remote_temp_dirs() -> list[str]:
    return glob.glob("/tmp/echo-bench.*") + glob.glob("/tmp/echo-bench-ssh.*")


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "the namespace lab needs root (CAP_NET_ADMIN)")
@unittest.skipUnless(os.access(BENCH, os.X_OK), "needs ECHO_BUILD with bench/echo-bench")
class RemoteBench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        done = run([LAB, "up", "--load-hosts", "2"])
        assert done.returncode == 0, done.stderr

    @classmethod
    def tearDownClass(cls):
        run([LAB, "down"])

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="echo-remote-test.")
        self.dirs_before = set(remote_temp_dirs())

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def bench(self, *args: str, prefix: tuple[str, ...] = (), timeout: float = 240) -> tuple[int, dict]:
        out = os.path.join(self.work, "bench.json")
        done = run([*prefix, BENCH, *QUICK, f"--benchmark_out={out}", *args], timeout=timeout)
        self.stderr = done.stderr
        if not (os.path.exists(out) and os.path.getsize(out)):
            return done.returncode, {}
        with open(out) as file:
            return done.returncode, json.load(file)

    def assert_nothing_left(self, *namespaces: str):
        # Stopping a server takes up to its 2 s grace after SIGTERM.
        deadline = time.monotonic() + 10
        while any(namespace_pids(n) for n in namespaces) and time.monotonic() < deadline:
            time.sleep(0.1)
        for name in namespaces:
            self.assertEqual(namespace_pids(name), [], f"processes left in {name}")
        self.assertEqual(set(remote_temp_dirs()) - self.dirs_before, set(), "remote temporary files left")

    def test_two_load_hosts_are_merged(self):
        status, report = self.bench("--benchmark_filter=^throughput/tcp/(epoll-reactor|thread-per-connection)/",
                                    "--server-host", "echo-server", "--load-hosts", "echo-load-1,echo-load-2",
                                    "--remote", "netns")
        self.assertEqual(status, 0, self.stderr)
        context = report["context"]
        self.assertEqual((context["remote"], context["server_addr"], context["load_hosts"]), ("netns", "10.86.2.1", "2"))
        self.assertIn("ms +/-", context["load_host_2_clock_offset"])
        # Said by the server host's agent. `ip netns exec` mounts a /sys of
        # the namespace's own, without the cgroup mounts: /proc there, and why.
        self.assertIn(context["cpu_accounting"], ("cgroup-cpuacct", "proc"))
        if context["cpu_accounting"] == "proc":
            self.assertIn("cgroup", context["cpu_accounting_why"])
        cases = report["benchmarks"]
        self.assertEqual(len(cases), 2)
        for case in cases:
            self.assertEqual(case["load_hosts"], 2)
            self.assertEqual(case["connected"], 16)  # 8 from each host
            self.assertGreater(case["host1_msgs_per_s"], 0)
            self.assertGreater(case["host2_msgs_per_s"], 0)
            # Both windows are the same length, so the rates add up to the total.
            self.assertAlmostEqual(case["host1_msgs_per_s"] + case["host2_msgs_per_s"], case["msgs_per_s"],
                                   delta=case["msgs_per_s"] * 0.01)
            # The merged p99 lies between the hosts' own.
            low, high = sorted((case["host1_p99_us"], case["host2_p99_us"]))
            self.assertGreaterEqual(case["p99_us"], low * 0.99)
            self.assertLessEqual(case["p99_us"], high * 1.01)
            self.assertGreater(case["server_cpu_us_per_msg"], 0)  # measured in the server's namespace
        self.assert_nothing_left("echo-server", "echo-load-1", "echo-load-2")

    def test_a_failing_load_host_fails_the_case(self):
        # A namespace with no route to the server: its echo-load cannot connect.
        self.assertEqual(run(["ip", "netns", "add", "echo-load-isolated"]).returncode, 0)
        self.addCleanup(run, ["ip", "netns", "delete", "echo-load-isolated"])
        status, report = self.bench("--benchmark_filter=^throughput/tcp/epoll-reactor/", "--server-host",
                                    "echo-server", "--load-hosts", "echo-load-1,echo-load-isolated", "--remote",
                                    "netns")
        self.assertEqual(status, 1, self.stderr)
        [case] = report["benchmarks"]
        self.assertTrue(case["error_occurred"])
        self.assertIn("load host echo-load-isolated", case["error_message"])
        self.assertNotIn("msgs_per_s", case, "a failed case has no numbers")
        self.assert_nothing_left("echo-server", "echo-load-1", "echo-load-isolated")

    def test_a_server_that_dies_mid_case_is_a_clear_error(self):
        pid_file = os.path.join(self.work, "server.pid")
        wrapper = os.path.join(self.work, "echo-server")
        with open(wrapper, "w") as script:
            script.write(f'#!/bin/sh\necho $$ > {pid_file}\nexec {SERVER} "$@"\n')
        os.chmod(wrapper, 0o755)

        def kill_mid_case():
            deadline = time.monotonic() + 60
            while not os.path.exists(pid_file) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.5)  # inside the 3 s window
            with open(pid_file) as file:
                os.kill(int(file.read()), 9)

        killer = threading.Thread(target=kill_mid_case)
        killer.start()
        status, report = self.bench("--benchmark_filter=^throughput/tcp/epoll-reactor/", "--duration", "3",
                                    "--echo-server", wrapper, "--server-host", "echo-server", "--load-hosts",
                                    "echo-load-1", "--remote", "netns")
        killer.join()
        self.assertEqual(status, 1, self.stderr)
        [case] = report["benchmarks"]
        self.assertIn("the server on echo-server exited with status 137 during the case", case["error_message"])
        self.assert_nothing_left("echo-server", "echo-load-1")

    def bench_with_stand_in(self, name: str, script: str, load_hosts: str = "echo-load-1") -> tuple[int, dict]:
        """One epoll-reactor case whose --remote-dir holds the real binaries,
        except `name`, which is `script`."""
        where = {"echo-load": "clients", "echo-server": "servers", "echo-bench-agent": "bench"}
        fake = os.path.join(self.work, "bin")
        os.makedirs(fake)
        for real in where.keys() - {name}:
            os.symlink(os.path.join(BUILD, where[real], real), os.path.join(fake, real))
        with open(os.path.join(fake, name), "w") as stand_in:
            stand_in.write(script)
        os.chmod(os.path.join(fake, name), 0o755)
        return self.bench("--benchmark_filter=^throughput/tcp/epoll-reactor/", "--remote-dir", fake,
                          "--server-host", "echo-server", "--load-hosts", load_hosts, "--remote", "netns")

    def test_a_load_host_slow_to_connect_still_starts_with_the_others(self):
        # echo-load-1 takes a second longer to open its connections: the start
        # is chosen only once both have passed their ramp-up, so neither is late.
        real = os.path.join(BUILD, "clients", "echo-load")
        status, report = self.bench_with_stand_in(
            "echo-load", f'#!/bin/sh\n[ "$(ip netns identify $$)" = echo-load-1 ] && sleep 1\nexec {real} "$@"\n',
            load_hosts="echo-load-1,echo-load-2")
        self.assertEqual(status, 0, self.stderr)
        [case] = report["benchmarks"]
        self.assertNotIn("error_message", case)
        self.assertGreater(case["ramp_up_s"], 0)
        self.assertGreater(case["host1_msgs_per_s"], 0)
        self.assertGreater(case["host2_msgs_per_s"], 0)
        self.assert_nothing_left("echo-server", "echo-load-1", "echo-load-2")

    def test_a_cut_hlog_fails_the_case(self):
        # An echo-load whose interval log loses its last line after the run.
        status, report = self.bench_with_stand_in(
            "echo-load", f'#!/bin/sh\n{os.path.join(BUILD, "clients", "echo-load")} "$@"\nstatus=$?\n'
                         'while [ $# -gt 0 ]; do [ "$1" = --hlog ] && sed -i \'$d\' "$2"; shift; done\n'
                         'exit $status\n')
        self.assertEqual(status, 1, self.stderr)
        [case] = report["benchmarks"]
        self.assertRegex(case["error_message"], r"load host echo-load-1: its \.hlog: holds \d+ latencies for the JSON's")
        self.assert_nothing_left("echo-server", "echo-load-1")

    def test_a_clock_too_far_off_is_refused(self):
        # An agent whose clock runs 5 s ahead: echo-bench must refuse before any case.
        status, _ = self.bench_with_stand_in(
            "echo-bench-agent", "#!/usr/bin/python3\nimport sys, time\nprint('ready 0', flush=True)\n"
                          "for line in sys.stdin:\n"
                          "    print(f'time {time.time() + 5:.9f}', flush=True)\n")
        self.assertEqual(status, 1, self.stderr)
        self.assertRegex(self.stderr, r"the clock of echo-load-1 is \+(4999|5000)\.\d+ ms from ours")
        self.assertIn("synchronise the clocks", self.stderr)
        self.assert_nothing_left("echo-server", "echo-load-1")

    def test_an_interrupted_run_leaves_nothing(self):
        bench = subprocess.Popen([BENCH, *QUICK, "--benchmark_filter=^throughput/tcp/epoll-reactor/", "--duration", "5",
                                  "--server-host", "echo-server", "--load-hosts", "echo-load-1,echo-load-2",
                                  "--remote", "netns"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not load_running_in("echo-load-2") and time.monotonic() < deadline and bench.poll() is None:
            time.sleep(0.05)  # until the load is running
        if not load_running_in("echo-load-2"):
            bench.kill()
            self.fail(f"the load never started; echo-bench said: {bench.communicate()[1]}")
        bench.send_signal(2)
        _, stderr = bench.communicate(timeout=60)
        self.assertEqual(bench.returncode, 130, stderr)
        self.assert_nothing_left("echo-server", "echo-load-1", "echo-load-2")

    @unittest.skipUnless(os.path.exists("/usr/sbin/sshd") and shutil.which("ssh-keygen"), "needs openssh-server")
    def test_over_ssh(self):
        """sshd on a non-standard port in the echo-server namespace, a
        temporary host key and authorised key; echo-bench runs in echo-load-2
        and reaches the server host and a load host by SSH."""
        keys = self.work
        for name in ("host_key", "client_key"):
            self.assertEqual(run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{keys}/{name}"]).returncode, 0)
        shutil.copy(f"{keys}/client_key.pub", f"{keys}/authorized_keys")
        if not os.path.isdir("/run/sshd"):  # sshd's privilege separation directory
            os.makedirs("/run/sshd")
            self.addCleanup(os.rmdir, "/run/sshd")
        sshds, hosts = [], {"lab-server": ("echo-server", "10.86.2.1"), "lab-load": ("echo-load-1", "10.86.2.11")}
        with open(f"{keys}/ssh_config", "w") as config, open(f"{keys}/known_hosts", "w") as known:
            with open(f"{keys}/host_key.pub") as file:
                host_key = file.read().split()
            for alias, (namespace, address) in hosts.items():
                config.write(f"Host {alias}\n  HostName {address}\n  Port 2222\n  User root\n"
                             f"  IdentityFile {keys}/client_key\n  IdentitiesOnly yes\n"
                             f"  UserKnownHostsFile {keys}/known_hosts\n  StrictHostKeyChecking yes\n")
                known.write(f"[{address}]:2222 {host_key[0]} {host_key[1]}\n")
                sshd_config = f"{keys}/sshd_{alias}"
                with open(sshd_config, "w") as c:
                    c.write(f"Port 2222\nListenAddress {address}\nHostKey {keys}/host_key\n"
                            f"AuthorizedKeysFile {keys}/authorized_keys\nPidFile {keys}/sshd_{alias}.pid\n"
                            "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n")
                sshd = subprocess.Popen(["ip", "netns", "exec", namespace, "/usr/sbin/sshd", "-D", "-e", "-f", sshd_config],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                sshds.append(sshd)
        try:
            for _ in range(100):  # until both listen
                ready = [run(["ip", "netns", "exec", "echo-load-2", "ssh", "-F", f"{keys}/ssh_config", "-o",
                              "BatchMode=yes", alias, "true"], timeout=10).returncode == 0 for alias in hosts]
                if all(ready):
                    break
                time.sleep(0.1)
            self.assertTrue(all(ready), "sshd did not come up")
            status, report = self.bench("--benchmark_filter=^throughput/tcp/epoll-reactor/", "--remote", "ssh",
                                        "--ssh-config", f"{keys}/ssh_config", "--server-host", "lab-server",
                                        "--load-hosts", "lab-load", prefix=("ip", "netns", "exec", "echo-load-2"))
            self.assertEqual(status, 0, self.stderr)
            self.assertEqual(report["context"]["remote"], "ssh")
            self.assertEqual(report["context"]["server_addr"], "10.86.2.1")  # from the ssh config's HostName
            [case] = report["benchmarks"]
            self.assertGreater(case["msgs_per_s"], 0)
            self.assertEqual(case["connected"], 16)
            self.assertGreater(case["server_cpu_us_per_msg"], 0)
        finally:
            for sshd in sshds:
                sshd.terminate()
                sshd.wait(timeout=10)
        self.assert_nothing_left("echo-server", "echo-load-1", "echo-load-2")


if __name__ == "__main__":
    unittest.main()
