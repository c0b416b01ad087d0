# shellcheck shell=bash
# shellcheck disable=SC2154  # $top and $runs are the sourcing script's
# Timing helpers shared by the benchmarks; source it after setting $top (the checkout) and
# $runs (timed runs per median).

# Median wall seconds of each of several commands, timed in turn round after round, so that a
# drift of this machine's speed (other guests, write-back of earlier runs) weighs on all alike;
# the order changes from round to round, so what a run leaves behind (freed memory the host
# takes back) does not always fall on the same next command.
# Arguments: pairs of an output file and a command (a function). A warm-up round (and a run of
# walt that puts a first run's classes into its class archive) comes first. Before each timed
# run every output is removed and the disk settled, outside the timing: a gigabyte that one
# run left in the page cache is dropped, not written out by the settle while the host is still
# busy with it when the next run starts (on this VM that once made a 1.3 s run take 9 s).
# A last, untimed round leaves each command's output for the caller's checks. A run that
# fails stops the bench: a fast failure is no result.
# Prints one median per line, in the order of the arguments, and each command's fastest and
# slowest run to stderr; with BENCH_VERBOSE set, each run's time goes to stderr as it ends.
medians() {
  local outs=() cmds=() times=() sorted i j r s e
  while [ $# -gt 0 ]; do outs+=("$1"); cmds+=("$2"); shift 2; done
  for i in "${!cmds[@]}"; do
    rm -f "${outs[$i]}"; sync
    "${cmds[$i]}" >/dev/null 2>&1 || { echo "bench: ${cmds[$i]} failed" >&2; return 1; }
  done
  "$top/walt" --version >/dev/null
  for r in $(seq 0 $((runs - 1))); do
    # Rounds start with the next command and go forwards and backwards in turn: no command
    # always runs first, nor always right after the same other.
    for j in "${!cmds[@]}"; do
      if (( r % 2 == 0 )); then i=$(( (r + j) % ${#cmds[@]} )); else i=$(( (r - j + 2 * ${#cmds[@]}) % ${#cmds[@]} )); fi
      rm -f "${outs[@]}"; sync
      s=$(date +%s.%N)
      "${cmds[$i]}" >/dev/null 2>&1 || { echo "bench: ${cmds[$i]} failed" >&2; return 1; }
      e=$(date +%s.%N)
      times[i]="${times[i]:-} $(echo "$e - $s" | bc)"
      [ -z "${BENCH_VERBOSE:-}" ] || echo "bench: round $((r + 1)) ${cmds[$i]} $(echo "$e - $s" | bc) s" >&2
    done
  done
  for i in "${!cmds[@]}"; do
    rm -f "${outs[$i]}"
    "${cmds[$i]}" >/dev/null 2>&1 || { echo "bench: ${cmds[$i]} failed" >&2; return 1; }
  done
  for i in "${!cmds[@]}"; do
    # shellcheck disable=SC2086  # the list of times is split on purpose
    sorted="$(printf '%s\n' ${times[i]} | sort -n)"
    sed -n "$(( (runs + 1) / 2 ))p" <<< "$sorted"
    # The spread goes to stderr: on a busy machine it says how far to trust the median.
    awk -v c="${cmds[$i]}" 'NR == 1 { lo = $1 } { hi = $1 }
      END { printf "bench: %s from %.2f to %.2f s\n", c, lo, hi > "/dev/stderr" }' <<< "$sorted"
  done
}

# Ratios to 6 places for the verdicts (2 would truncate 0.509 to a passing 0.50); show them to 2.
ratio() { echo "scale=6; $1 / $2" | bc; }
verdict() { if [ "$(echo "$1 <= $2" | bc)" = 1 ]; then echo PASS; else echo MISS; fi; }
