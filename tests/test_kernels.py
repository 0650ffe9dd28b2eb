"""ipm_analysis.kernels: how the report tells that a forked kernel has ended (the kernel is not the report's
child, so there is no wait status to read). The kernels themselves are tested through the report
(tests/test_report.py: forked, preloaded, watching their parent, gone after kill -9)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from ipm_analysis.kernels import _Forked, _running

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc (Linux)")


def test_a_running_process_runs_and_an_ended_one_has_ended_even_unreaped():
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        # not waited for: a zombie, which os.kill(pid, 0) alone would call running
        while open(f"/proc/{ended.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert _running(live.pid) and not _running(ended.pid)
        forked = _Forked(live.pid)
        assert forked.poll() is None
        forked.kill()
        live.wait()
        assert not _running(live.pid) and forked.poll() == 0 and forked.wait(timeout=1) == 0
    finally:
        live.kill()
        live.wait()
        ended.wait()


def test_signalling_an_ended_kernel_does_nothing_as_popen():
    # jupyter_client interrupts a kernel before every shutdown; Popen.send_signal ignores an ended process
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    forked = _Forked(ended.pid)
    forked.send_signal(2)
    forked.kill()
    assert forked.poll() == 0

