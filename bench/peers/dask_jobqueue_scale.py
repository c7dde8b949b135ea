"""dask-jobqueue's peer of tessera_bench_elastic's scale_up: seconds from SLURMCluster.scale(W)
until client.wait_for_workers(W) returns (W jobs of one worker with one core each), the median
of --repeats runs. As tessera_bench_elastic does, each job script writes the time it started, so
that Slurm's share ("job_start_seconds": from scale() until the last job script started) and the
workers' start and join ("startup_seconds": the rest) show apart. Between runs the cluster
scales to 0 and waits until Slurm lists none of its jobs and no worker is connected; each run
starts --settle seconds after that (Slurm starts batch jobs submitted sooner late). One JSON
line on stdout; on stderr whether any job was left.

    python dask_jobqueue_scale.py --log-dir DIR [--workers 4] [--repeats 3] [--settle 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from dask.distributed import Client
from dask_jobqueue import SLURMCluster


def listed(ids):
    """The lines squeue prints for these job ids (jobs Slurm still holds)."""
    if not ids:
        return ""
    result = subprocess.run(
        ["squeue", "--noheader", "--format=%i %T", "--jobs=" + ",".join(ids)],
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def last_job_start(directory):
    """The latest time (Unix seconds) a job script wrote into `directory`."""
    starts = []
    for name in os.listdir(directory):
        with open(os.path.join(directory, name)) as f:
            starts.append(float(f.read()))
    return max(starts)


def wait_until(condition, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"dask_jobqueue_scale: {what} after {timeout} s")
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3)
    options = parser.parse_args()
    starts = os.path.join(options.log_dir, "starts")
    os.makedirs(starts, exist_ok=True)

    cluster = SLURMCluster(
        cores=1,
        processes=1,
        memory="1GB",
        walltime="00:10:00",
        job_name="dask-bench",
        log_directory=options.log_dir,
        local_directory=options.log_dir,
        death_timeout=60,
        job_script_prologue=[f"date +%s.%N > {starts}/$SLURM_JOB_ID"],
        scheduler_options={"dashboard_address": None},
    )
    client = Client(cluster)
    ids = set()
    runs, job_starts = [], []
    for _ in range(options.repeats):
        for name in os.listdir(starts):
            os.remove(os.path.join(starts, name))
        time.sleep(options.settle)
        start_unix = time.time()
        start = time.perf_counter()
        cluster.scale(options.workers)
        client.wait_for_workers(options.workers, timeout=300)
        runs.append(time.perf_counter() - start)
        job_starts.append(last_job_start(starts) - start_unix)
        run_ids = {job.job_id for job in cluster.workers.values() if job.job_id}
        ids |= run_ids
        cluster.scale(0)
        wait_until(lambda: not listed(run_ids), "Slurm still lists the jobs")
        wait_until(lambda: not client.scheduler_info()["workers"], "workers still connected")
    client.close()
    cluster.close()
    left = listed(ids)
    print(
        f"dask_jobqueue_scale: closed: Slurm lists {'some' if left else 'none'} of its jobs "
        f"({','.join(sorted(ids))})" + (f":\n{left}" if left else ""),
        file=sys.stderr,
    )
    seconds = statistics.median(runs)
    startups = [run - job for run, job in zip(runs, job_starts)]
    print(
        json.dumps(
            {
                "workload": "scale_up",
                "engine": "dask-jobqueue",
                "params": {
                    "workers": options.workers,
                    "jobs": options.workers,
                    "processes_per_job": 1,
                    "runs": [round(r, 3) for r in runs],
                    "job_start_seconds": [round(j, 3) for j in job_starts],
                    "startup_seconds": [round(s, 3) for s in startups],
                    "median_startup_seconds": round(statistics.median(startups), 3),
                    "settle_seconds": options.settle,
                },
                "seconds": round(seconds, 3),
                "rate": round(options.workers / seconds, 3),
            }
        ),
        flush=True,
    )
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
