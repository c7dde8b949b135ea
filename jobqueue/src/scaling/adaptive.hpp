#pragma once
// How many jobs each pool of a cluster should have, from the scheduler's load (adapt) and
// the workers near the end of their lifetimes (lifetime_restart): pure decisions, which
// Cluster's keeper thread applies.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/jobqueue/cluster.hpp"
#include "tessera/jobqueue/job_spec.hpp"

namespace tessera::jobqueue::detail {

/// The resources a pool's workers offer ("GPU=1,MEMORY=64e9" as a map).
std::map<std::string, double> offered_resources(const JobSpec& spec);

/// Jobs of the first pool that the load calls for: enough workers for the remaining tasks to
/// take about target_duration seconds each (at least one while any remain or results are
/// held; one more per worker paused for memory while work remains), between `minimum` and
/// `maximum` workers, in whole jobs.
int adaptive_jobs(const SchedulerLoad& load, const JobSpec& spec, int minimum, int maximum,
                  const AdaptOptions& options);

/// Whether tasks wait for a resource that `spec`'s workers offer.
bool pool_wanted(const SchedulerLoad& load, const JobSpec& spec);

/// How long before a worker's lifetime ends a replacement job is submitted: its stagger,
/// plus a quarter of the lifetime up to five minutes (time for the new job to start).
std::chrono::seconds replacement_lead(const JobSpec& spec);

}  // namespace tessera::jobqueue::detail
