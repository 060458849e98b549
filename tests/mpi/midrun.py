"""Start llmbench under mpirun and wait until its results file lists a phase as completed:
shared by the fault tests that act on a run in the middle (tests/mpi/interrupt.sh, hang.sh).

    p, f = midrun.start(mpirun, np, [llmbench, options...], out, "compute")

p is the running mpirun (stdout and stderr piped together), f the results file; the run is
killed and the test exits when the phase does not complete within 120 s."""
import glob
import json
import subprocess
import sys
import time


def start(mpirun, np, argv, out, phase, timeout_s=120):
    p = subprocess.Popen([mpirun, "-np", str(np)] + argv + ["--output", out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout_s
    while time.time() < deadline and p.poll() is None:
        for g in glob.glob(out + "/*.json"):
            try:
                if phase in json.load(open(g))["phases_completed"]:
                    return p, g
            except (ValueError, KeyError, OSError):
                pass
        time.sleep(0.1)
    p.kill()
    sys.exit("phase %s never completed (mpirun: %s)" % (phase, p.poll()))
