#pragma once
// tessera::jobqueue: worker jobs on Slurm, PBS, LSF and SGE: their job scripts, submitted,
// scaled and closed.

#include "tessera/jobqueue/cluster.hpp"
#include "tessera/jobqueue/job.hpp"
#include "tessera/jobqueue/job_spec.hpp"
#include "tessera/jobqueue/options.hpp"
#include "tessera/jobqueue/system.hpp"
#include "tessera/jobqueue/units.hpp"
