"""servers/python/echo_server.py keeps echo-server's contract: the ready line
(also for --port 0), a byte-exact echo with RFC 862's half-close, exit 0
within 2 s of SIGTERM with a client still connected and no child left, exit 1
naming the address when the port is taken, exit 2 for bad usage."""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest

SERVER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "servers", "python", "echo_server.py")
MODELS = ["threading", "forking", "asyncio"]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, SERVER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


class PythonServers(unittest.TestCase):
    def test_every_model_echoes_and_stops_cleanly(self):
        for model in MODELS:
            with self.subTest(model):
                server = start("--model", model, "--port", "0")
                try:
                    line = server.stdout.readline()
                    self.assertRegex(line, r"^listening on 127\.0\.0\.1:\d+$")
                    port = int(line.rsplit(":", 1)[1])
                    idle = socket.create_connection(("127.0.0.1", port), timeout=10)
                    idle.sendall(b"ping")
                    self.assertEqual(idle.recv(4), b"ping")
                    data = os.urandom(300_000)
                    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                        client.sendall(data)
                        client.shutdown(socket.SHUT_WR)
                        received = b""
                        while chunk := client.recv(65536):
                            received += chunk
                    self.assertEqual(received, data)
                    helpers = children_of(server.pid)
                    signalled = time.monotonic()
                    server.send_signal(signal.SIGTERM)
                    self.assertEqual(server.wait(timeout=5), 0, server.stderr.read())
                    self.assertLessEqual(time.monotonic() - signalled, 2.0)
                    for pid in helpers:
                        self.assertFalse(os.path.exists(f"/proc/{pid}"), f"child {pid} outlived the server")
                    idle.close()
                finally:
                    if server.poll() is None:
                        os.killpg(server.pid, signal.SIGKILL)
                        server.wait()
                    server.stdout.close()
                    server.stderr.close()

    def test_port_in_use_exits_one_naming_the_address(self):
        with socket.socket() as occupier:
            occupier.bind(("127.0.0.1", 0))
            occupier.listen()
            port = occupier.getsockname()[1]
            for model in MODELS:
                with self.subTest(model):
                    done = subprocess.run([sys.executable, SERVER, "--model", model, "--port", str(port)],
                                          capture_output=True, text=True, timeout=30)
                    self.assertEqual(done.returncode, 1)
                    self.assertIn(f"127.0.0.1:{port}", done.stderr)

    def test_bad_usage_exits_two(self):
        for args in (["--model", "gevent"], [], ["--model", "asyncio", "--port", "70000"]):
            with self.subTest(args):
                done = subprocess.run([sys.executable, SERVER, *args], capture_output=True, text=True, timeout=30)
                self.assertEqual(done.returncode, 2)
                self.assertTrue(done.stderr)


if __name__ == "__main__":
    unittest.main()
