# shellcheck shell=bash
# shellcheck disable=SC2154  # $top and $runs are the sourcing script's
# Timing helpers shared by the benchmarks; source it after setting $top (the checkout) and
# $runs (timed runs per median).

# Median wall seconds of "${@:2}" over $runs runs, after a warm-up run (and a run of walt that
# puts a first run's classes into its class archive). Its output "$1" is removed, and the disk
# settled, before each run: deleting a gigabyte of cached pages is nobody's work. A run that
# fails stops the bench: a fast failure is no result.
median() {
  local t=() out="$1"
  shift
  rm -f "$out"; sync
  "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; return 1; }
  "$top/walt" --version >/dev/null
  for _ in $(seq "$runs"); do
    local s e
    rm -f "$out"; sync
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; return 1; }
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

# Ratios to 6 places for the verdicts (2 would truncate 0.509 to a passing 0.50); show them to 2.
ratio() { echo "scale=6; $1 / $2" | bc; }
verdict() { if [ "$(echo "$1 <= $2" | bc)" = 1 ]; then echo PASS; else echo MISS; fi; }
