"""Run inside the bubblewrap sandbox, before the kernel: set limits, drop to the sandbox's user, exec.

Started as ``python -I -S _launch.py --as BYTES --cpu S --nproc N --fsize BYTES [--uid U] -- CMD...``:
no imports beyond the standard library, so it starts in milliseconds and cannot be patched by anything
the student wrote (their files are not on its path).
"""

import os
import resource
import sys


def main(argv: list[str]) -> None:
    """Apply the limits named in ``argv``, then replace this process with the command after ``--``."""
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1 :]
    values = dict(zip(opts[0::2], opts[1::2], strict=True))
    limits = {
        "--as": resource.RLIMIT_AS,
        "--cpu": resource.RLIMIT_CPU,
        "--nproc": resource.RLIMIT_NPROC,
        "--fsize": resource.RLIMIT_FSIZE,
    }
    for flag, which in limits.items():
        if flag in values:
            soft = int(values[flag])
            # CPU: the hard limit a little above the soft one, so SIGXCPU comes first and SIGKILL after.
            hard = soft + 5 if which == resource.RLIMIT_CPU else soft
            resource.setrlimit(which, (soft, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dumps of student code in their folder
    if "--uid" in values:
        # Run as a user of its own: then the process limit counts this sandbox only, and the kernel
        # has no rights of the instructor's account (bubblewrap gave us just CAP_SETUID/CAP_SETGID).
        uid = int(values["--uid"])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
