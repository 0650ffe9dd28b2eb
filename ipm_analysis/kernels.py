"""Notebook kernels forked from one warm process, for the report.

Every notebook's kernel used to start as a new Python that imported ipykernel, pandas, pyarrow, matplotlib,
scipy, scikit-learn and this package before its first cell could run: about 3 s of CPU a kernel, six times a
report. ``Zygote`` imports them once, in a process of its own, and forks a kernel from it for each notebook (the
fork server of multiprocessing's ``forkserver`` or Android's zygote). A forked kernel is an ordinary ipykernel
(``ipykernel_launcher -f <connection file>``) with the environment and working folder the report gives it, in a
session of its own, as jupyter_client starts kernels; only its imports are already done.

Why this is safe to fork: the zygote runs no Python thread and no BLAS thread (BLAS is limited to one thread
before numpy is imported); the one native thread, jemalloc's background thread started by pyarrow's import, is
handled by jemalloc's own fork handlers, as in the build's workers, which are forked after the same imports. It
opens no ZMQ context and reads no notebook-specific setting at import: the package reads its environment when
called, and a kernel's environment is set before its app starts (ipykernel's parent handle, a trait whose default
is read from the environment at import, is given on its command line). The zygote imports modules only; it calls
nothing of the package.

``ForkedKernelManager`` is the kernel manager class the report gives nbclient: its kernels are forked while a
zygote is open (``with Zygote(env, folder):``), and started the usual way otherwise or if the zygote has died.
A kernel's parent is the zygote, which ends when the report closes it or dies; ipykernel's parent poller then
ends the kernel, so a killed report leaves no kernel behind.
"""
from __future__ import annotations

import json
import os
import pathlib
import select
import signal
import subprocess
import sys
import threading
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

# What the notebooks import, directly or through the package (measured: 2.3-3 s in a fresh process). Not
# matplotlib's inline backend: it hooks itself into the IPython shell when it is imported, which must happen in
# the kernel, once its shell exists.
PRELOAD = (
    "numpy", "pandas", "pyarrow", "pyarrow.parquet", "scipy.stats", "scipy.optimize", "scipy.sparse",
    "sklearn.decomposition", "sklearn.feature_extraction.text", "sklearn.metrics.pairwise",
    "sklearn.preprocessing", "networkx", "matplotlib.pyplot", "IPython", "IPython.display", "ipykernel.kernelapp",
    "ipm_analysis", "ipm_analysis.corpus", "ipm_analysis.plots", "ipm_analysis.selection",
    "ipm_analysis.analysis.keywords", "ipm_analysis.analysis.keyness", "ipm_analysis.analysis.tfidf",
    "ipm_analysis.analysis.dictionary", "ipm_analysis.analysis.agency_load", "ipm_analysis.analysis.network",
    "ipm_analysis.analysis.lineage", "ipm_analysis.analysis.reuse", "ipm_analysis.analysis.reuse_all",
)
LAUNCHER = ["-m", "ipykernel_launcher"]   # the python3 kernelspec's argv after the interpreter
SPAWN_TIMEOUT = 120   # seconds for the zygote to import PRELOAD (3 s here) and fork a kernel

_current: Zygote | None = None


class Zygote:
    """A process that has imported ``PRELOAD`` and forks a kernel on request; ends when it is closed."""

    def __init__(self, env: dict[str, str], cwd: str | os.PathLike):
        """Start the zygote with ``env`` (every kernel's common environment: it is what the preloaded modules
        see at import) in ``cwd``, an empty folder, so that ``python -c`` finds the package where a kernel
        would (``PYTHONPATH`` or the installed package), not in the caller's working folder."""
        to_child, self._requests = os.pipe()
        self._replies, from_child = os.pipe()
        # stdout and stderr are the report's, as for a kernel started the usual way
        self._proc = subprocess.Popen([sys.executable, "-c", "from ipm_analysis import kernels; kernels._serve()",
                                       str(to_child), str(from_child)], env=env, cwd=cwd,
                                      stdin=subprocess.DEVNULL, pass_fds=(to_child, from_child),
                                      # not in the report's process group: a Ctrl-C (SIGINT to the terminal's
                                      # foreground group) would end it and so, through their parent pollers,
                                      # every kernel it forked; it ends when the report closes its pipe
                                      start_new_session=True)
        os.close(to_child)
        os.close(from_child)
        self._out = os.fdopen(self._requests, "w", buffering=1, encoding="utf-8")
        self._in = os.fdopen(self._replies, "r", encoding="utf-8")
        self._lock = threading.Lock()

    def spawn(self, cmd: list[str], env: dict[str, str], cwd: str | None) -> int | None:
        """Fork a kernel running ``cmd`` (``python -m ipykernel_launcher …``); its pid, or None if the zygote
        cannot (not an ipykernel command, or the zygote is gone)."""
        if cmd[1:3] != LAUNCHER or self._proc.poll() is not None:
            return None
        with self._lock:
            try:
                self._out.write(json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}) + "\n")
                # its imports take a few seconds; one that hangs is given up, and the kernels start as usual
                if not select.select([self._in], [], [], SPAWN_TIMEOUT)[0]:
                    self._proc.kill()
                    return None
                reply = self._in.readline()
            except (OSError, ValueError):
                return None
        return json.loads(reply)["pid"] if reply else None

    def close(self) -> None:
        for fh in (self._out, self._in):
            try:
                fh.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> Zygote:
        global _current
        _current = self
        return self

    def __exit__(self, *exc) -> None:
        global _current
        _current = None
        self.close()


def _serve() -> None:
    """The zygote's main loop (``python -c``): import, then fork a kernel for each request line."""
    import importlib

    requests = os.fdopen(int(sys.argv[1]), "r", encoding="utf-8")
    replies = os.fdopen(int(sys.argv[2]), "w", buffering=1, encoding="utf-8")
    if sys.path and sys.path[0] == "":   # as ipykernel_launcher does; the kernel's app puts it back
        del sys.path[0]
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:   # noqa: BLE001 - a module that cannot be imported is imported (and fails) in the kernel
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # kernels are reaped as they end: no zombies
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _kernel(request, (requests, replies))
        replies.write(json.dumps({"pid": pid}) + "\n")


def _kernel(request: dict, files: tuple) -> None:
    """In the forked child: become the kernel ``request`` describes; never returns. A kernel that ends ends as
    ipykernel_launcher's does, through the interpreter's exit: atexit handlers run and open files are flushed."""
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)   # the kernel's own subprocesses are waited for
        for fh in files:   # the objects, not only their fds: at exit they would close whatever reuses those
            fh.close()
        if request["cwd"]:
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        # the kernel ends when its parent does (ipykernel's parent poller), as jupyter_client's launcher arranges
        # with its own pid: here the parent is the zygote, which ends with the report. Given on the command line:
        # the trait's default was read from the environment when the zygote imported ipykernel.
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel import kernelapp
    except BaseException:   # noqa: BLE001 - shown on the report's stderr, as a kernel's own traceback would be
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    kernelapp.launch_new_instance(argv=argv)
    sys.exit(0)   # up through _serve, which has no handler: never back into its loop


def _running(pid: int) -> bool:
    """Whether ``pid`` runs. A kernel that has ended is reaped by the zygote at once; if the zygote died first,
    the kernel's new parent may leave it a zombie, which has ended too (Linux: state Z in /proc)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):   # gone, or the pid now another user's process
        return False
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):   # no /proc: os.kill is all there is
        return True


class _Forked:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a kernel forked by the zygote (not our
    child: its exit status is not known, only that it has ended)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and not _running(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        # as Popen's: nothing once the process has ended (jupyter_client interrupts a kernel before every
        # shutdown, and only tolerates a missing process when it kills)
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                self.returncode = 0

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernel process is forked by the running zygote (or started as usual)."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        zygote = _current
        pid = zygote.spawn(cmd, kwargs.get("env") or dict(os.environ), kwargs.get("cwd")) if zygote else None
        if pid is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = _Forked(pid)
        self.pid = self.pgid = pid   # the kernel leads a session of its own
        self.cwd = kwargs.get("cwd", pathlib.Path.cwd())
        return self.connection_info


class ForkedKernelManager(AsyncKernelManager):
    """The report's kernel manager: kernels forked from the zygote while one runs."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
