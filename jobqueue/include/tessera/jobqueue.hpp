#pragma once
// tessera::jobqueue: worker jobs on Slurm, PBS, LSF and SGE, and their job scripts.

#include "tessera/jobqueue/cluster.hpp"
#include "tessera/jobqueue/job_spec.hpp"
#include "tessera/jobqueue/options.hpp"
#include "tessera/jobqueue/system.hpp"
#include "tessera/jobqueue/units.hpp"
