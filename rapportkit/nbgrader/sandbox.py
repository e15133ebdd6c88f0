"""A bubblewrap sandbox for every kernel that autograding starts, inside nbgrader's own pipeline.

``grader_config.py`` puts :class:`SandboxedExecute` in place of nbgrader's ``Execute`` in
``c.Autograde.autograde_preprocessors``; it runs each notebook with :class:`SandboxKernelManager`, which
starts the ordinary kernel command wrapped in ``bwrap``:

* new PID, IPC, UTS, network and cgroup namespaces; ``--die-with-parent``; the kernel runs as a user of
  its own (when grading as root) or in a user namespace (otherwise), with no capabilities;
* read-only: /usr, a few files of /etc, the Python install, the venv and ``rapportkit`` (lessons behave as
  students saw them); writable: the notebook's own folder (the student's working copy), a private /tmp in
  memory, and the folder holding this kernel's connection file and sockets; nothing else exists;
* no network at all: the kernel's channels use ZeroMQ's IPC transport (unix sockets in that folder);
* limits on address space, CPU seconds, processes and file size; every process the submission started
  dies with the sandbox's PID namespace when grading ends (and, as root, anything left under its user id);
* nbclient's timeout interrupt reaches the kernel as an ``interrupt_request`` message on the control
  channel, so an endless loop costs only its own cell.

Where bwrap or namespaces are missing, grading goes on unconfined with a loud warning (recorded in the
batch report), unless ``c.SandboxKernelManager.require_sandbox = True``: then grading refuses.
"""

from __future__ import annotations

import functools
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

import rapportkit
from rapportkit.nbgrader import REPORT_TAG

LAUNCHER = Path(__file__).with_name("sandbox_launch.py")
# Files of /etc a Python kernel reads (dynamic linker, time zone, fonts, user names, the alternatives links).
ETC_FILES = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "fonts", "mime.types",
    "alternatives", "passwd", "group", "nsswitch.conf", "locale.alias", "matplotlibrc",
)
# The only variables of the grader's environment the kernel inherits (no tokens, no keys, no HOME).
ENV_KEEP = ("LANG", "LANGUAGE", "TZ", "MPLBACKEND", "NBGRADER_EXECUTION", "PYTHONIOENCODING", "PYTHONHASHSEED")
RISK = (
    "student code runs with YOUR rights: it can read solutions/ and the gradebook, write anywhere you can, "
    "use the network and leave processes running"
)


class SandboxUnavailableError(RuntimeError):
    """The sandbox is required (``require_sandbox``) but cannot run here."""


@functools.cache
def sandbox_problem(bwrap: str = "bwrap") -> str | None:
    """Why a bubblewrap sandbox cannot start on this machine (``None`` if it can); checked once."""
    exe = shutil.which(bwrap)
    if sys.platform != "linux":
        return f"bubblewrap sandboxes need Linux (this is {sys.platform})"
    if not exe:
        return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
    argv = [exe, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--ro-bind", "/usr", "/usr"]
    if os.geteuid() != 0:
        argv.append("--unshare-user")
    argv += _system_links() + ["--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap cannot run: {err}"
    if proc.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {proc.stderr.strip() or proc.returncode}"
    return None


def _system_links() -> list[str]:
    """/bin, /lib ... as in the host: symlinks into /usr on merged-/usr systems, else read-only binds."""
    out: list[str] = []
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            out += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            out += ["--ro-bind", name, name]
    return out


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts
    return [str(Path(*parts[:i])) for i in range(2, len(parts))]


def _free_uid(base: int) -> int:
    """A user id that no process on this machine uses, for one sandbox (grading as root only)."""
    used = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                used.add(entry.stat().st_uid)
            except OSError:
                pass
    while True:
        uid = base + random.randrange(0, 1_000_000)
        if uid not in used:
            return uid


def processes_of_uid(uid: int) -> list[int]:
    """PIDs of processes whose real user is ``uid``."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry.name))
                        break
        except (OSError, ValueError):
            pass
    return pids


def _chown_tree(root: str, uid: int, gid: int) -> list[tuple[str, int, int]]:
    """Give ``root`` and all under it to ``uid``; return what to restore. Never follows symlinks."""
    changed = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            st = os.lstat(name)
            changed.append((name, st.st_uid, st.st_gid))
            os.chown(name, uid, gid, follow_symlinks=False)
    return changed


def _remove_links(root: str) -> list[str]:
    """Delete symlinks, FIFOs and sockets under ``root``; return their paths relative to it.

    After the kernel, nbgrader writes the graded notebook into this folder with the instructor's rights:
    a symlink there (say ``01_trust.ipynb -> ~/course/grader_config.py``) would make it overwrite the
    target, and a FIFO would make it hang. Only regular files and folders are left.
    """
    removed = []
    if not os.path.isdir(root):
        return removed
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            try:
                mode = os.lstat(path).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    os.unlink(path)
                    removed.append(os.path.relpath(path, root))
            except OSError:
                pass
    return removed


def _restore_tree(root: str, owner: tuple[int, int], sandbox_uid: int) -> None:
    """Hand everything under ``root`` back to ``owner`` (files the kernel created included)."""
    if not os.path.isdir(root):
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            try:
                st = os.lstat(name)
                if st.st_uid == sandbox_uid or st.st_gid == sandbox_uid:
                    os.chown(name, *owner, follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                    os.chmod(name, st.st_mode & 0o777, follow_symlinks=False)
            except OSError:
                pass


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside a bubblewrap sandbox (see the module doc)."""

    enabled = Bool(True, help="Run kernels in the sandbox. False: unconfined, with a warning.").tag(config=True)
    require_sandbox = Bool(
        False, help="Refuse to start a kernel (so to grade) where the sandbox cannot run."
    ).tag(config=True)
    memory_limit_mb = Integer(2048, help="Address-space limit of each process in the sandbox (MiB).").tag(config=True)
    cpu_limit_s = Integer(600, help="CPU seconds the kernel may use in all.").tag(config=True)
    max_processes = Integer(64, help="Processes and threads the sandbox may run at once.").tag(config=True)
    file_size_mb = Integer(100, help="Largest file the kernel may write (MiB).").tag(config=True)
    tmp_size_mb = Integer(256, help="Size of the private in-memory /tmp (MiB).").tag(config=True)
    uid_base = Integer(1_500_000, help="Sandbox user ids are drawn above this (grading as root).").tag(config=True)
    extra_ro_paths = List(Unicode(), help="More host paths the kernel may read (e.g. a data set).").tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)

    _sandboxed = False
    _private_dir: str | None = None
    _uid: int | None = None
    _owner: tuple[int, int] | None = None
    _workdir: str | None = None

    # --- start ---------------------------------------------------------------------------------

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        problem = sandbox_problem(self.bwrap) if self.enabled else "the sandbox is turned off in grader_config.py"
        if problem and self.require_sandbox:
            raise SandboxUnavailableError(
                "grading refused: the kernel sandbox is required "
                f"(c.SandboxKernelManager.require_sandbox = True) but {problem}"
            )
        self._sandboxed = problem is None
        if problem:
            self.log.warning("%s *: SANDBOX OFF (%s): %s", REPORT_TAG, problem, RISK)
            return await super()._async_pre_start_kernel(**kw)
        self._workdir = os.path.realpath(kw.get("cwd") or os.getcwd())
        # Connection file and sockets in a private folder the sandbox can reach; nothing on TCP.
        self._private_dir = tempfile.mkdtemp(prefix="rk-kernel-")
        self.transport = "ipc"
        self.connection_file = os.path.join(self._private_dir, "kernel.json")
        self.ip = os.path.join(self._private_dir, "k")
        if os.geteuid() == 0:
            self._uid = _free_uid(self.uid_base)
            st = os.stat(self._workdir)
            self._owner = (st.st_uid, st.st_gid)
            _chown_tree(self._workdir, self._uid, self._uid)
            os.chown(self._private_dir, self._uid, self._uid)
        assert self.kernel_spec is not None
        # Signals sent to bwrap's process group do not reach a kernel inside a PID namespace as nbclient
        # expects; a message on the control channel does (ipykernel then interrupts itself).
        self.kernel_spec.interrupt_mode = "message"
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        # What the submission prints straight to the process's stdout/stderr stays out of the grader's log.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        if self._uid is not None:
            os.chown(self.connection_file, self._uid, self._uid)
        return cmd, kw

    pre_start_kernel = _async_pre_start_kernel  # type: ignore[assignment]

    async def _async_start_kernel(self, **kw: Any) -> None:
        try:
            await super()._async_start_kernel(**kw)
        except BaseException:
            if self._sandboxed:  # never leave the working copy handed to the sandbox's user
                self.stop_everything(getattr(self.provisioner, "process", None) if self.provisioner else None)
            raise

    start_kernel = _async_start_kernel  # type: ignore[assignment]

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return self.sandbox_argv(cmd) if self._sandboxed else cmd

    def sandbox_argv(self, cmd: list[str]) -> list[str]:
        """``cmd`` wrapped in bwrap and the in-sandbox launcher (limits, user)."""
        assert self._workdir and self._private_dir
        argv = [shutil.which(self.bwrap) or self.bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--unshare-net", "--unshare-cgroup-try", "--hostname", "sandbox"]
        if self._uid is not None:
            # Grading as root: bwrap drops every capability but these two, which the launcher uses to
            # become the sandbox's own user and then loses.
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            argv += ["--unshare-user"]
        argv += ["--ro-bind", "/usr", "/usr", *_system_links()]
        for name in ETC_FILES:
            argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--perms", "1777", "--size", str(self.tmp_size_mb * 2**20), "--tmpfs", "/tmp"]
        readable = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
                    os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
                    os.path.dirname(os.path.abspath(rapportkit.__file__)), *self.extra_ro_paths]
        readable = [os.path.realpath(p) for p in readable]
        writable = [self._workdir, self._private_dir]
        made: set[str] = set()
        for path in sorted(set(readable + writable)):
            for parent in _ancestors(path):
                if parent not in made and parent != "/tmp" and not parent.startswith("/usr/"):
                    # Parents exist only as empty, traversable folders: /root, /home ... stay hidden.
                    argv += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
        for path in sorted(set(readable)):
            if path != "/usr" and not path.startswith("/usr/") and os.path.exists(path):
                argv += ["--ro-bind", path, path]
        for path in writable:
            argv += ["--bind", path, path]
        home = "/tmp/home"
        env = {"HOME": home, "USER": "student", "LOGNAME": "student", "IPYTHONDIR": "/tmp/ipython",
               "MPLCONFIGDIR": "/tmp/matplotlib", "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_CONFIG_DIR": "/tmp/jupyter",
               "JUPYTER_DATA_DIR": "/tmp/jupyter/data", "JUPYTER_RUNTIME_DIR": self._private_dir,
               "PATH": os.pathsep.join([os.path.join(sys.prefix, "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
               "LC_ALL": os.environ.get("LC_ALL", "C.UTF-8")}
        env.update({k: os.environ[k] for k in ENV_KEEP if k in os.environ})
        argv += ["--perms", "1777", "--dir", home, "--chdir", self._workdir, "--clearenv"]
        for key, value in sorted(env.items()):
            argv += ["--setenv", key, value]
        python = os.path.realpath(sys.executable)
        limits = ["--as", str(self.memory_limit_mb * 2**20), "--cpu", str(self.cpu_limit_s),
                  "--nproc", str(self.max_processes), "--fsize", str(self.file_size_mb * 2**20)]
        if self._uid is not None:
            limits += ["--uid", str(self._uid)]
        return [*argv, "--", python, "-I", "-S", str(LAUNCHER), *limits, "--", *cmd]

    # --- stop ----------------------------------------------------------------------------------

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        process = getattr(self.provisioner, "process", None) if self.provisioner else None
        await super()._async_cleanup_resources(restart=restart)
        if restart or not self._sandboxed:
            return
        self.stop_everything(process)

    cleanup_resources = _async_cleanup_resources  # type: ignore[assignment]

    def stop_everything(self, process: subprocess.Popen | None = None) -> list[int]:
        """Kill what is left of the sandbox, give the working copy back; return PIDs that had to be killed."""
        killed: list[int] = []
        if process is not None and process.poll() is None:
            # bwrap itself: its death takes the PID namespace, and all in it, down (--die-with-parent).
            process.kill()
            process.wait(timeout=10)
        if self._uid is not None:
            for _ in range(20):  # a process forking as we kill: a few rounds
                pids = processes_of_uid(self._uid)
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                    except OSError:
                        pass
            if killed:
                self.log.warning("%s *: killed %d process(es) the submission left running", REPORT_TAG, len(killed))
            if self._workdir and self._owner:
                _restore_tree(self._workdir, self._owner, self._uid)
        if self._workdir and (removed := _remove_links(self._workdir)):
            self.log.warning("%s *: removed links or special files the submission made in its folder: %s",
                             REPORT_TAG, ", ".join(removed[:10]))
        if self._private_dir:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
        return killed


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` with every kernel in the sandbox, and grading that survives a dead kernel.

    nbgrader passes ``kernel_manager_class`` as a keyword, which beats ``c.Execute.kernel_manager_class``
    in the config; this subclass makes the sandboxed manager the default instead.
    If the kernel dies (memory, CPU time) or stops answering even after an interrupt, the remaining cells
    are not run; the judge still grades every answer from its source.
    """

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kw)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        self._gone: str | None = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if self._gone:
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError) as err:
            self._gone = f"{type(err).__name__} at cell {index}"
            student = (resources or {}).get("nbgrader", {}).get("student", "*")
            self.log.warning("%s %s: the kernel stopped (%s: %s); later cells were not run in it",
                             REPORT_TAG, student, type(err).__name__, str(err).splitlines()[0] if str(err) else "")
            cell.setdefault("outputs", []).append(
                NotebookNode(output_type="error", ename=type(err).__name__, evalue="the kernel stopped",
                             traceback=[f"{type(err).__name__}: the kernel stopped"])
            )
            return cell, self.resources


__all__ = ["SandboxKernelManager", "SandboxUnavailableError", "SandboxedExecute", "processes_of_uid", "sandbox_problem"]
