"""Helpers shared by the exporter tests (exporter_prometheus.py, exporter_limits.py)."""
import signal
import socket
import subprocess


def free_port():
    """A free TCP port on 127.0.0.1 (bound, read, released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def stop(proc, grace=10):
    """SIGTERM, then SIGKILL after grace seconds; returns the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
