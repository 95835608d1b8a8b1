#!/usr/bin/env bash
# A farm of several silos sharing Redis on this machine, everything on loopback:
#
#   deploy/local-cluster.sh [start] [--silos N] [--slots N] [--dir DIR] [--farm PROGRAM]
#       starts a redis-server of its own and N (default 3) `farm server` silos, each with its own
#       data directory and ports, prints their gRPC and metrics addresses and pids, and runs
#       until Ctrl+C (or `stop`), which stops them all. Started again on the same DIR, the
#       cluster has its state back (Redis keeps an append-only file there, each silo its data).
#   deploy/local-cluster.sh stop [--dir DIR]
#       stops the cluster that runs on DIR.
#   deploy/local-cluster.sh empty N [--dir DIR]
#       stops silo N, empties its data directory and starts it again on the same ports (so it
#       has the same name in the cluster): a silo that lost its disk, for the load tool's
#       `elsewhere` benchmark (load-tests/README.md).
#
# DIR defaults to .farm/cluster in the checkout. PROGRAM is the farm CLI (default: published by
# deploy/publish-cli.sh into .farm/bin, after deploy/host-packages.sh installs what it needs).
# --slots N gives each silo N concurrent steps (default: the farm's own). The API has no
# authentication: the silos listen on 127.0.0.1 only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
script=$(basename "$0")

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "$0" >&2
  exit 2
}

command=start
case ${1:-} in
  start | stop | empty) command=$1; shift ;;
esac
target=""
if [ "$command" = empty ]; then
  [[ ${1:-} =~ ^[1-9][0-9]*$ ]] || { echo "$script empty: which silo? (a number, as the start printed them)" >&2; exit 2; }
  target=$1
  shift
fi

silos=3 slots="" dir="$root/.farm/cluster" farm=""
while [ $# -gt 0 ]; do
  case $1 in
    --silos) [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || { echo "$script: --silos takes 1 to 99" >&2; exit 2; }; silos=$2; shift 2 ;;
    --slots) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "$script: --slots takes a count of steps" >&2; exit 2; }; slots=$2; shift 2 ;;
    --dir) [ -n "${2:-}" ] || usage; dir=$2; shift 2 ;;
    --farm) [ -n "${2:-}" ] || usage; farm=$2; shift 2 ;;
    -h | --help) usage ;;
    *) echo "$script: unknown argument $1" >&2; usage ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
state="$dir/cluster.state"

# --- processes ---------------------------------------------------------------------------------

# True when PID runs and its command line holds every MARK: a pid written down earlier may since
# have been reused by another program, which must never be signalled.
runs() {
  local pid=$1 mark cmdline
  shift
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # An exited process not yet reaped has no command line (reading it fails): it runs no more.
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  for mark in "$@"; do [[ $cmdline == *"$mark"* ]] || return 1; done
}

# SIGTERM, then up to 30 s for it to exit, then SIGKILL: stop_process PID NAME MARK...
stop_process() {
  local pid=$1 name=$2
  shift 2
  runs "$pid" "$@" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 300); do
    runs "$pid" "$@" || return 0
    sleep 0.1
  done
  echo "$name (pid $pid) did not stop within 30 s: killed" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# A TCP port on 127.0.0.1 that nothing listens on now, and that this script has not handed out.
# It is below the kernel's ephemeral range, so that no outgoing connection takes it as its local
# port while a silo is between a stop and a start on it (the `empty` command).
taken=" "
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local port low=10000
  [ "$ephemeral_low" -gt $((low + 1000)) ] || low=1024
  for _ in $(seq 200); do
    port=$((low + RANDOM % (ephemeral_low - low)))
    if [[ $taken != *" $port "* ]] && ! ss -Htln "sport = :$port" | grep -q .; then
      taken+="$port "
      echo "$port"
      return 0
    fi
  done
  echo "$script: found no free port" >&2
  return 1
}

# --- state: what runs, in DIR/cluster.state, read again by stop and empty -------------------------

write_state() {
  {
    echo "script_pid=$script_pid farm=$(printf %q "$farm") silos=$silos slots=$slots"
    echo "redis_pid=$redis_pid redis_port=$redis_port"
    for n in $(seq "$silos"); do
      local p="silo${n}_"
      eval "echo ${p}pid=\$${p}pid ${p}grpc=\$${p}grpc ${p}metrics=\$${p}metrics ${p}port=\$${p}port ${p}gateway=\$${p}gateway"
    done
  } >"$state.new"
  mv -f "$state.new" "$state"
}

# --- redis and silos ---------------------------------------------------------------------------

start_redis() {
  mkdir -p "$dir/redis"
  # Every setting on the command line, none from /etc/redis: loopback, its own port and directory,
  # an append-only file and no RDB snapshots.
  setsid redis-server --bind 127.0.0.1 --port "$redis_port" --protected-mode yes --dir "$dir/redis" \
    --appendonly yes --save "" --daemonize no --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$script: redis-server did not answer on 127.0.0.1:$redis_port; its log ($dir/redis.log):" >&2
  tail -n 20 "$dir/redis.log" >&2 || true
  return 1
}

# Starts silo N on its ports and waits until it says it listens.
start_silo() {
  local n=$1 p="silo${1}_"
  local grpc=${p}grpc metrics=${p}metrics port=${p}port gateway=${p}gateway
  local data="$dir/silo$n" log="$dir/silo$n.log"
  mkdir -p "$data"
  : >"$log"
  # The cluster's settings through their FARM_* variables (farm server reads each), the
  # addresses and data directory as options.
  FARM_REDIS="127.0.0.1:$redis_port" FARM_CLUSTER_ID=local FARM_ADVERTISE=127.0.0.1 \
    FARM_SILO_PORT="${!port}" FARM_GATEWAY_PORT="${!gateway}" FARM_SLOTS="$slots" \
    setsid "$farm" --data-dir "$data" server --listen "127.0.0.1:${!grpc}" --metrics-listen "127.0.0.1:${!metrics}" \
    </dev/null >>"$log" 2>&1 &
  local pid=$!
  printf -v "${p}pid" %s "$pid"
  # For the caller when this runs in a subshell (silos start side by side).
  echo "$pid" >"$dir/silo$n.pid"
  for _ in $(seq 1200); do
    grep -q "^farm server listening on" "$log" && return 0
    # A child of this shell: its pid is not reused before it is reaped. (Its command line is
    # not yet the silo's right after the fork.)
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$script: silo $n did not start; its log ($log):" >&2
  tail -n 30 "$log" >&2
  return 1
}

stop_all() {
  # shellcheck disable=SC1090
  [ -f "$state" ] && source "$state"
  local n stoppers=()
  for n in $(seq "$silos"); do
    local pid="silo${n}_pid"
    # A silo that was starting when the cluster was stopped is only in its pid file so far.
    [ -n "${!pid:-}" ] || [ ! -f "$dir/silo$n.pid" ] || printf -v "$pid" %s "$(cat "$dir/silo$n.pid")"
    stop_process "${!pid:-}" "silo $n" "$dir/silo$n " &
    stoppers+=($!)
  done
  # Only the stoppers: redis-server is a background job of the starting script too.
  for n in "${stoppers[@]}"; do wait "$n" || true; done
  stop_process "${redis_pid:-}" redis-server redis-server "${redis_port:-}"
  rm -f "$state" "$dir"/silo*.pid
}

print_cluster() {
  local servers=() n
  echo "redis   127.0.0.1:$redis_port   pid $redis_pid"
  for n in $(seq "$silos"); do
    local p="silo${n}_"
    local grpc=${p}grpc metrics=${p}metrics pid=${p}pid
    echo "silo$n   gRPC http://127.0.0.1:${!grpc}/   metrics http://127.0.0.1:${!metrics}/metrics   pid ${!pid}"
    servers+=("http://127.0.0.1:${!grpc}")
  done
  echo "data and logs: $dir"
  local IFS=,
  echo "build through the cluster: farm --server ${servers[*]} build ."
}

# --- commands ----------------------------------------------------------------------------------

case $command in
  stop)
    [ -f "$state" ] || { echo "$script: no cluster runs on $dir" >&2; exit 1; }
    # shellcheck disable=SC1090
    source "$state"
    if runs "$script_pid" "$script"; then
      # The script that started the cluster stops it, as on Ctrl+C, and says so.
      kill -TERM "$script_pid"
      for _ in $(seq 600); do
        runs "$script_pid" "$script" || { echo "stopped the cluster on $dir"; exit 0; }
        sleep 0.1
      done
      echo "$script: the cluster's script (pid $script_pid) did not stop within 60 s" >&2
      exit 1
    fi
    stop_all
    echo "stopped the cluster on $dir"
    ;;

  empty)
    [ -f "$state" ] || { echo "$script: no cluster runs on $dir" >&2; exit 1; }
    # shellcheck disable=SC1090
    source "$state"
    [ "$target" -le "$silos" ] || { echo "$script empty: the cluster has $silos silos" >&2; exit 2; }
    pid="silo${target}_pid"
    stop_process "${!pid}" "silo $target" "$dir/silo$target "
    rm -rf "$dir/silo$target"
    start_silo "$target"
    write_state
    echo "silo$target emptied and started again: pid ${!pid}"
    ;;

  start)
    if [ -f "$state" ]; then
      # shellcheck disable=SC1090
      source "$state"
      runs "$script_pid" "$script" && { echo "$script: a cluster runs on $dir already (pid $script_pid); stop it first" >&2; exit 1; }
      stop_all
    fi
    if [ -z "$farm" ]; then
      "$root/deploy/host-packages.sh"
      "$root/deploy/publish-cli.sh" "$root/.farm/bin"
      farm="$root/.farm/bin/farm"
    fi
    command -v redis-server >/dev/null || { echo "$script: redis-server is missing; run deploy/host-packages.sh" >&2; exit 1; }
    script_pid=$$ redis_pid="" redis_port=$(free_port)
    for n in $(seq "$silos"); do
      for what in grpc metrics port gateway; do printf -v "silo${n}_$what" %s "$(free_port)"; done
      printf -v "silo${n}_pid" %s ""
    done
    trap 'echo "stopping the cluster"; stop_all; echo "cluster stopped"; exit 0' INT TERM
    trap 'stop_all' EXIT
    start_redis
    write_state
    starters=()
    for n in $(seq "$silos"); do
      start_silo "$n" &
      starters+=($!)
    done
    # Each silo started in a subshell, which wrote its pid down.
    failed=0
    for starter in "${starters[@]}"; do wait "$starter" || failed=1; done
    for n in $(seq "$silos"); do
      [ -f "$dir/silo$n.pid" ] && printf -v "silo${n}_pid" %s "$(cat "$dir/silo$n.pid")"
    done
    write_state
    [ "$failed" -eq 0 ] || exit 1
    print_cluster
    echo "cluster ready; Ctrl+C (or $0 stop --dir $dir) stops it"
    trap - EXIT
    while true; do sleep 1; done
    ;;
esac
