"""`mpirun -np N zcnas score` against a single process: the merged table must be the single run's, row for row
(`seconds` aside), and a job killed mid-run must resume to the same table without scoring a row twice.

    mpi_score.py --zcnas PATH --mpirun PATH --shared DIR {equal,resume}
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120  # a hung job fails the test instead of blocking it


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(command, expect_ok=True):
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if expect_ok and result.returncode != 0:
        fail(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    return result


def rows(path):
    """The table's lines without the `seconds` column (a time, different in every run)."""
    with open(path) as f:
        return [line.rstrip("\n").rsplit(",", 1)[0] for line in f]


def whole_rows(path):
    """Finished rows of a table being written: whole lines after the header."""
    try:
        with open(path) as f:
            return max(0, f.read().count("\n") - 1)
    except FileNotFoundError:
        return 0


def same_table(path, reference):
    got, want = rows(path), rows(reference)
    indices = [line.split(",", 1)[0] for line in got[1:]]
    if len(indices) != len(set(indices)):
        fail(f"{path} repeats an arch")
    if got != want:
        diff = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
        fail(f"{path} differs from the single run {reference} at line {diff + 1} "
             f"({len(got)} lines, {len(want)} expected):\n  {got[diff] if diff < len(got) else '<none>'}\n  "
             f"{want[diff] if diff < len(want) else '<none>'}")


def parts(out):
    folder, name = os.path.split(out)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if re.fullmatch(re.escape(name) + r"\.part-\d+-of-\d+", f))


def start(command):
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for_rows(job, out, count):
    """Waits until the job's parts hold `count` finished rows; fails if it ends first."""
    deadline = time.time() + TIMEOUT
    while sum(whole_rows(p) for p in parts(out)) < count:
        if job.poll() is not None:
            fail(f"the job ended before writing {count} rows:\n{job.stderr.read()}")
        if time.time() > deadline:
            fail(f"no {count} rows in the parts of {out} after {TIMEOUT} s")
        time.sleep(0.01)


def ranks_of(mpirun_pid):
    with open(f"/proc/{mpirun_pid}/task/{mpirun_pid}/children") as f:
        return [int(pid) for pid in f.read().split()]


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def kill_all(job):
    """SIGKILL to mpirun and every rank (ranks outlive a killed mpirun), as when a job's allocation ends."""
    ranks = ranks_of(job.pid)
    for pid in ranks + [job.pid]:
        os.kill(pid, signal.SIGKILL)
    job.wait(TIMEOUT)
    wait_gone(ranks)


def wait_gone(ranks):
    deadline = time.time() + TIMEOUT
    while any(running(pid) for pid in ranks):
        if time.time() > deadline:
            fail(f"ranks {ranks} still run")
        time.sleep(0.01)


def test_equal(a, work, data):
    # Seeded scores (naswot's weights drawn per arch, twice) on archs spread over the space, asked in index order.
    indices = [arg for i in range(7, 15625, 650) for arg in ("--index", str(i))]
    score = [a.zcnas, "score", "--space", "nb201", *indices, "--scores", "params,flops,naswot", "--repeats", "2",
             "--init-seed", "5", "--batch", "8", "--device", "cpu", *data]
    single, multi = os.path.join(work, "single.csv"), os.path.join(work, "multi.csv")
    run(score + ["--out", single])
    run(mpirun(a, 2) + score[1:] + ["--out", multi])
    same_table(multi, single)
    if parts(multi):
        fail(f"part files left after the merge: {parts(multi)}")

    # --shard is refused under more than one rank, and an error on one rank ends the whole job with its message.
    refused = run(mpirun(a, 2) + score[1:] + ["--out", os.path.join(work, "shard.csv"), "--shard", "0/2"], False)
    if refused.returncode == 0 or "--shard 0/2 under mpirun" not in refused.stderr:
        fail(f"--shard under mpirun was not refused:\n{refused.stderr}")
    broken = os.path.join(work, "broken.csv")
    os.mkdir(broken + ".part-1-of-2")  # rank 1 cannot open its part; rank 0 can
    aborted = run(mpirun(a, 2) + score[1:] + ["--out", broken], False)
    if aborted.returncode == 0 or "error on rank 1 of 2" not in aborted.stderr:
        fail(f"an error on rank 1 did not abort the job with its message:\n{aborted.stderr}")


def test_resume(a, work):
    score = [a.zcnas, "score", "--space", "nb201", "--all", "--scores", "params,flops", "--device", "cpu"]
    reference, out = os.path.join(work, "single.csv"), os.path.join(work, "multi.csv")
    run(score + ["--out", reference])
    total = len(rows(reference)) - 1

    # T as a killed single process leaves it: 500 finished rows and half of the next.
    with open(reference) as f:
        lines = f.readlines()
    with open(out, "w") as f:
        f.writelines(lines[:501])
        f.write(lines[501][:20])

    # One rank killed: mpirun ends the job; T keeps its finished rows (the cut one dropped), the parts theirs.
    job = start(mpirun(a, 2) + score[1:] + ["--out", out])
    wait_for_rows(job, out, 1500)
    ranks = ranks_of(job.pid)
    os.kill(ranks[-1], signal.SIGKILL)
    job.wait(TIMEOUT)
    wait_gone(ranks)
    if job.returncode == 0:
        fail("the job with a killed rank exited 0")
    if rows(out) != rows(reference)[:501] or len(parts(out)) != 2:
        fail(f"after the kill: {len(rows(out))} lines in {out}, parts {parts(out)}")

    # The same command again, then with 3 ranks (the rows of the 2-rank parts count as done), each whole job
    # killed this time.
    for ranks in (2, 3):
        before = sum(whole_rows(p) for p in parts(out))
        job = start(mpirun(a, ranks) + score[1:] + ["--out", out])
        wait_for_rows(job, out, before + 1500)
        kill_all(job)

    # Finished by one process without mpirun: it adds its own part, merged with the others.
    done = 500 + sum(whole_rows(p) for p in parts(out))
    final = run(score + ["--out", out])
    resumed = [(int(d), int(n)) for d, n in re.findall(r"resuming '[^']*': (\d+) of (\d+) archs", final.stderr)]
    if len(resumed) != 1:
        fail(f"expected the last run to resume:\n{final.stderr}")
    scored = sum(n - d for d, n in resumed)
    if done + scored != total:
        fail(f"{done} rows were done and the last run scored {scored}: {total} expected in all")
    same_table(out, reference)
    if parts(out):
        fail(f"part files left after the merge: {parts(out)}")


def mpirun(a, ranks):
    return [a.mpirun, "-np", str(ranks), "--oversubscribe", a.zcnas]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zcnas", required=True)
    parser.add_argument("--mpirun", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("case", choices=["equal", "resume"])
    a = parser.parse_args()
    cifar = os.path.join(a.shared, "data", "cifar10")
    data = ["--data", cifar] if os.path.isdir(cifar) else []
    if not data:
        print(f"{cifar} is absent: scoring a synthetic batch")
    with tempfile.TemporaryDirectory() as work:
        test_equal(a, work, data) if a.case == "equal" else test_resume(a, work)
    print("ok")


if __name__ == "__main__":
    main()
