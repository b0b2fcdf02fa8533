# shellcheck shell=bash disable=SC2034 # rc is read by the calling scripts
# Waiting helpers shared by the example round-trip scripts (sourced, bash). Every wait is
# bounded: a helper that gives up returns non-zero instead of hanging.

# wait_for FILE PATTERN: up to 20 s for an extended regular expression to match a line of FILE.
wait_for() {
  for _ in $(seq 200); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# wait_exit PID: up to 20 s for the process (a child of the calling script) to end; its exit
# status in $rc ("still running" when it did not end).
wait_exit() {
  for _ in $(seq 200); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  rc="still running"
  kill -0 "$1" 2>/dev/null && return
  rc=0
  wait "$1" || rc=$?
}

# all_gone PID...: true once none of the processes runs, waiting up to 15 s.
all_gone() {
  for _ in $(seq 150); do
    local alive=0 pid
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  return 1
}

# group_gone PGID: true once no live (non-zombie) process of the process group is left, waiting
# up to 15 s (a killed grandchild stays a zombie until whoever inherits it reaps it).
group_gone() {
  for _ in $(seq 150); do
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }' || return 0
    sleep 0.1
  done
  return 1
}
