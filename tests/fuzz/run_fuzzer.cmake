# Runs one libFuzzer target for SECONDS on a fresh copy (WORK) of its seed
# corpus (SEEDS), so a run never alters the committed seeds. Fails when the
# fuzzer finds a crash, a leak or a timeout; the input is left in ARTIFACTS.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}" "${ARTIFACTS}")
file(GLOB seeds "${SEEDS}/*")
file(COPY ${seeds} DESTINATION "${WORK}")
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=25
          -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${ARTIFACTS} "${WORK}"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${result}); see the input in ${ARTIFACTS}")
endif()
