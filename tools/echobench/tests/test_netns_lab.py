"""tools/netns-lab: up makes the namespaces and a working network between
them, is idempotent, and a failed up or a down leaves no namespace, veth or
bridge behind. Root only (it needs CAP_NET_ADMIN); skipped with that reason
otherwise. With ECHO_BUILD set, an echo crosses the lab."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(__file__)
LAB = os.path.join(HERE, "..", "..", "netns-lab")
BUILD = os.environ.get("ECHO_BUILD", "")
LAB_NAMES = ("echo-lab-hub", "echo-server", "echo-load-")


def lab(*args: str, user: str | None = None) -> subprocess.CompletedProcess:
    if not user:
        return subprocess.run([LAB, *args], capture_output=True, text=True, timeout=120, check=False)
    # Another user may not reach the checkout (a clone under /root is
    # private), so it runs a copy in a directory anyone can read; the root
    # check comes before anything else of the tools is needed.
    with tempfile.TemporaryDirectory() as public:
        os.chmod(public, 0o755)
        script = shutil.copy(LAB, os.path.join(public, "netns-lab"))
        prefix = ["setpriv", f"--reuid={user}", "--regid=65534", "--clear-groups"]
        return subprocess.run(prefix + [script, *args], capture_output=True, text=True, timeout=120, check=False)


def namespaces() -> list[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return sorted(n.split()[0] for n in listing.splitlines() if n.split() and n.split()[0].startswith(LAB_NAMES))


def lab_links() -> list[str]:
    """veth ends or bridges of the lab that leaked into this namespace."""
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    names = [line.split(": ")[1].split("@")[0] for line in links.splitlines()]
    return [n for n in names if n.startswith(("lab", "port", "br0"))]


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "netns-lab needs root (CAP_NET_ADMIN) and iproute2")
class NetnsLab(unittest.TestCase):
    def tearDown(self):
        lab("down")

    def assert_nothing_left(self):
        self.assertEqual(namespaces(), [])
        self.assertEqual(lab_links(), [])

    def test_up_twice_then_down(self):
        for _ in range(2):  # idempotent: the second up replaces the first
            done = lab("up", "--load-hosts", "2")
            self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(namespaces(), ["echo-lab-hub", "echo-load-1", "echo-load-2", "echo-server"])
        self.assertIn("echo-server 10.86.2.1", done.stdout)
        self.assertIn("echo-load-2 10.86.2.12", done.stdout)
        ping = subprocess.run(["ip", "netns", "exec", "echo-load-2", "ping", "-c", "1", "-W", "2", "10.86.2.11"],
                              capture_output=True, text=True, check=False)
        self.assertEqual(ping.returncode, 0, "load hosts reach each other too: " + ping.stdout)
        self.assertEqual(lab("down").returncode, 0)
        self.assert_nothing_left()
        self.assertEqual(lab("down").returncode, 0, "down with nothing to remove is fine")

    def test_a_failed_up_removes_what_it_made(self):
        done = lab("up", "--load-hosts", "2", "--rate", "not-a-rate")
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("up failed", done.stderr)
        self.assert_nothing_left()

    def test_delay_needs_netem_and_says_which_kernel_option(self):
        done = lab("up", "--delay", "100us")
        if done.returncode == 0:
            self.skipTest("this kernel has netem, so --delay works")
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("CONFIG_NET_SCH_NETEM", done.stderr)
        self.assert_nothing_left()

    def test_rate_shapes_every_link_with_tbf(self):
        done = lab("up", "--rate", "1gbit")
        self.assertEqual(done.returncode, 0, done.stderr)
        qdisc = subprocess.run(["ip", "netns", "exec", "echo-server", "tc", "qdisc", "show", "dev", "lab0"],
                               capture_output=True, text=True, check=True).stdout
        self.assertIn("tbf", qdisc)
        self.assertIn("1Gbit", qdisc)

    def test_bad_usage_and_no_root(self):
        self.assertEqual(lab("up", "--load-hosts", "0").returncode, 2)
        self.assertEqual(lab("sideways").returncode, 2)
        done = lab("up", user="nobody")
        self.assertEqual(done.returncode, 1)
        self.assertIn("needs root", done.stderr)
        self.assert_nothing_left()

    @unittest.skipUnless(BUILD, "set ECHO_BUILD to echo across the lab")
    def test_an_echo_crosses_the_lab_byte_exact(self):
        self.assertEqual(lab("up").returncode, 0)
        server = subprocess.Popen(["ip", "netns", "exec", "echo-server", f"{BUILD}/servers/echo-server",
                                   "--model", "epoll-reactor", "--host", "10.86.2.1", "--port", "0"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            port = server.stdout.readline().strip().rsplit(":", 1)[1]
            load = subprocess.run(["ip", "netns", "exec", "echo-load-1", f"{BUILD}/clients/echo-load",
                                   "--host", "10.86.2.1", "--port", port, "-c", "4", "-d", "0.3",
                                   "--warmup", "0.1", "--format", "json"],
                                  capture_output=True, text=True, timeout=60, check=False)
        finally:
            server.terminate()
            status = server.wait(timeout=10)
            server.stdout.close()
        self.assertEqual(status, 0)
        result = json.loads(load.stdout)
        self.assertEqual(load.returncode, 0, load.stderr)
        self.assertGreater(result["messages"], 0)
        self.assertEqual(result["mismatches"] + result["errors"], 0)


if __name__ == "__main__":
    unittest.main()
