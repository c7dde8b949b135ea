# Runs PROGRAM (with ARGS) under MPIEXEC with RANKS ranks, plus GPU_RANKS more ranks that
# offer TESSERA_RESOURCES=GPU=1 (an MPMD launch), and checks how the job ended. With SRUN
# set, Slurm's srun launches it instead (through PMIx), and the test is skipped when no
# Slurm cluster answers unless TESSERA_REQUIRE_SLURM is set (as in CI).
#   EXPECT=success  exit 0 on every rank, and no process of the job left behind
#   EXPECT=failure  a non-zero exit, output matching MESSAGE (a regular expression), and
#                   nothing left behind
#   EXPECT=crash    a failure with the crash message naming the worker rank and the task
# SRUN_MPI picks srun's --mpi plugin (pmix unless set). NO_SPILL_LEFT_IN=<directory>: empty
# it before the run, and fail if anything at all is left in it after.
if(EXPECT STREQUAL "crash")
  set(EXPECT failure)
  set(MESSAGE "tessera: worker rank [0-9]+ crashed with signal [0-9]+ \\([^)]*\\) while running task 'crash-")
endif()
if(SRUN)
  execute_process(COMMAND scontrol ping OUTPUT_VARIABLE ping ERROR_QUIET TIMEOUT 20)
  if(NOT ping MATCHES "is UP")
    if(DEFINED ENV{TESSERA_REQUIRE_SLURM})
      message(FATAL_ERROR "no Slurm cluster answers; start one with scripts/slurm-local.sh up")
    endif()
    message("skipped: no Slurm cluster answers (scripts/slurm-local.sh up starts one)")
    return()
  endif()
  if(NOT SRUN_MPI)
    set(SRUN_MPI pmix)
  endif()
  set(command ${SRUN} --mpi=${SRUN_MPI} -n ${RANKS} --overcommit ${PROGRAM} ${ARGS})
else()
  set(command ${MPIEXEC} -n ${RANKS} ${PROGRAM} ${ARGS})
endif()
if(GPU_RANKS)
  list(APPEND command : -n ${GPU_RANKS} -x TESSERA_RESOURCES=GPU=1 ${PROGRAM} ${ARGS})
endif()
if(NO_SPILL_LEFT_IN)
  file(REMOVE_RECURSE "${NO_SPILL_LEFT_IN}")
  file(MAKE_DIRECTORY "${NO_SPILL_LEFT_IN}")
endif()
execute_process(
  COMMAND ${command}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output
  TIMEOUT 240)
message("${output}")
get_filename_component(name "${PROGRAM}" NAME)
# Full command lines: process names are cut at 15 characters.
execute_process(COMMAND pgrep -a -f "^${PROGRAM}( |$)" OUTPUT_VARIABLE leftover)
if(leftover)
  message(FATAL_ERROR "processes of ${name} are still running after the launcher ended: ${leftover}")
endif()
if(NO_SPILL_LEFT_IN)
  file(GLOB left LIST_DIRECTORIES true "${NO_SPILL_LEFT_IN}/*" "${NO_SPILL_LEFT_IN}/.*")
  if(left)
    message(FATAL_ERROR "left behind in the spill directory: ${left}")
  endif()
endif()
if(EXPECT STREQUAL "success")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${command} ended with ${result}")
  endif()
elseif(EXPECT STREQUAL "failure")
  if(result EQUAL 0)
    message(FATAL_ERROR "the job should have failed")
  endif()
  if(NOT output MATCHES "${MESSAGE}")
    message(FATAL_ERROR "no message matching: ${MESSAGE}")
  endif()
endif()
