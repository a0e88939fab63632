#!/usr/bin/env bash
# A local ActorGrad cluster: N `actorgrad node` members on 127.0.0.1, started in the background.
#
#   deploy/local-cluster.sh N [--base-port P] [--state DIR] [--plain] [--timeout SECONDS]
#       starts N members, waits until every one is Up (its /health/ready answers 200), prints how to train and stop
#   deploy/local-cluster.sh train [actorgrad train options...]
#       runs `actorgrad train` against the running cluster (its seed, its certificates)
#   deploy/local-cluster.sh status | stop [--state DIR]
#
# Member i (1..N) listens on P+2(i-1) (Akka.Remote) and P+2(i-1)+1 (HTTP: /health/alive, /health/ready); P is 4051
# unless --base-port. Members talk mutual TLS with certificates from `actorgrad certs` (made once into STATE/certs),
# or plain TCP on loopback with --plain. STATE (default deploy/.local-cluster, or $ACTORGRAD_LOCAL_STATE) holds the
# pid file, the logs and the certificates; `stop` ends exactly the processes in the pid file (SIGTERM: they leave the
# cluster; SIGKILL after 30 s). The command: $ACTORGRAD_CLI (a built actorgrad.dll) if set, else src/Cli is built.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${ACTORGRAD_LOCAL_STATE:-$repo/deploy/.local-cluster}"
base_port=4051
plain=0
timeout=120

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { echo "local-cluster: $*" >&2; exit 1; }

command_of_cli() {
  if [[ -n "${ACTORGRAD_CLI:-}" ]]; then
    [[ -f "$ACTORGRAD_CLI" ]] || fail "ACTORGRAD_CLI=$ACTORGRAD_CLI does not exist"
    cli=(dotnet "$ACTORGRAD_CLI")
    return
  fi
  local dll="$repo/src/Cli/bin/Release/net10.0/actorgrad.dll"
  echo "local-cluster: building src/Cli (Release)..." >&2
  dotnet build "$repo/src/Cli/ActorGrad.Cli.csproj" -c Release --nologo -v quiet >&2 || fail "the build of src/Cli failed"
  cli=(dotnet "$dll")
}

# The pid file: one line per member, "PID REMOTING_PORT HTTP_PORT LOG".
pids_file() { echo "$state/members.pid"; }

is_our_member() { # PID: still our actorgrad node (not a reused pid)?
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q "actorgrad.* node "
}

stop_cluster() {
  local file; file="$(pids_file)"
  [[ -f "$file" ]] || { echo "local-cluster: no cluster recorded in $state"; return 0; }
  local pids=()
  while read -r pid _; do
    if is_our_member "$pid"; then kill -TERM "$pid" 2>/dev/null && pids+=("$pid"); fi
  done < "$file"
  local waited=0
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [[ $waited -lt 300 ]]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then echo "local-cluster: member $pid did not leave within 30 s: SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -f "$file" "$state/cluster.env"
  echo "local-cluster: stopped ${#pids[@]} member(s)"
}

status_cluster() {
  local file; file="$(pids_file)"
  [[ -f "$file" ]] || { echo "local-cluster: no cluster recorded in $state"; return 1; }
  while read -r pid port http log; do
    local alive=stopped ready="-"
    is_our_member "$pid" && alive=running
    ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/health/ready" 2>/dev/null || true)"
    echo "member pid $pid port $port: $alive, /health/ready $ready (log $log)"
  done < "$file"
}

make_certificates() {
  local dir="$state/certs"
  if [[ ! -f "$dir/ca.pem" ]]; then
    mkdir -p "$dir"
    "${cli[@]}" certs ca --out "$dir" >/dev/null || fail "actorgrad certs ca failed"
  fi
  for name in "$@"; do
    [[ -f "$dir/$name.pem" ]] || "${cli[@]}" certs member "$name" --ca-dir "$dir" --host 127.0.0.1 --host localhost >/dev/null \
      || fail "actorgrad certs member $name failed"
  done
}

tls_args() { # NAME
  [[ $plain -eq 1 ]] && return 0
  echo "--tls-cert $state/certs/$1.pem --tls-key $state/certs/$1.key --tls-ca $state/certs/ca.pem"
}

start_cluster() {
  local n="$1"
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 ]] || fail "N must be a positive number of members, not '$n'"
  [[ -f "$(pids_file)" ]] && fail "a cluster is already recorded in $state (deploy/local-cluster.sh stop first)"
  command -v curl >/dev/null || fail "curl is needed to wait for the members' health endpoints"
  mkdir -p "$state/logs"
  command_of_cli
  local names=()
  for ((i = 1; i <= n; i++)); do names+=("node$i"); done
  [[ $plain -eq 1 ]] || make_certificates "${names[@]}" client

  local seed="127.0.0.1:$base_port"
  : > "$(pids_file)"
  for ((i = 1; i <= n; i++)); do
    local port=$((base_port + 2 * (i - 1))) http=$((base_port + 2 * (i - 1) + 1)) log="$state/logs/node$i.log"
    local args=(node --host 127.0.0.1 --port "$port" --management-port "$http")
    [[ $i -gt 1 ]] && args+=(--seed "$seed")
    # shellcheck disable=SC2207
    args+=($(tls_args "node$i"))
    # setsid: the member outlives this script and its terminal; nohup ignores the terminal's hang-up.
    setsid nohup "${cli[@]}" "${args[@]}" > "$log" 2>&1 < /dev/null &
    echo "$! $port $http $log" >> "$(pids_file)"
  done

  # Up: every member's readiness check (Akka.Cluster.Hosting's: this member is Up) answers 200.
  local deadline=$((SECONDS + timeout))
  while read -r pid port http log; do
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/health/ready" 2>/dev/null || true)" == 200 ]]; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "local-cluster: member on port $port (pid $pid) ended; its log:" >&2; tail -n 20 "$log" >&2
        stop_cluster >&2; exit 1
      fi
      if [[ $SECONDS -ge $deadline ]]; then
        echo "local-cluster: member on port $port not Up within $timeout s; its log:" >&2; tail -n 20 "$log" >&2
        stop_cluster >&2; exit 1
      fi
      sleep 0.2
    done
  done < "$(pids_file)"

  # What `train` (and a user) needs to reach the cluster.
  {
    echo "SEED=$seed"
    echo "MEMBERS=$n"
    echo "CLI=${cli[1]}"
    if [[ $plain -eq 0 ]]; then
      echo "ACTORGRAD_Node__TlsCertificateFile=$state/certs/client.pem"
      echo "ACTORGRAD_Node__TlsKeyFile=$state/certs/client.key"
      echo "ACTORGRAD_Node__TlsCaFile=$state/certs/ca.pem"
    fi
  } > "$state/cluster.env"

  echo "local-cluster: $n member(s) Up on 127.0.0.1 ports $(cut -d' ' -f2 "$(pids_file)" | paste -sd' ' -)$([[ $plain -eq 1 ]] && echo ' (plain TCP)' || echo ' (mutual TLS)')"
  echo "  logs:   $state/logs/"
  echo "  health: curl http://127.0.0.1:$((base_port + 1))/health/ready"
  echo "  train:  deploy/local-cluster.sh train --steps 20 --workers $n$([[ "$state" != "$repo/deploy/.local-cluster" ]] && echo " --state $state")"
  if [[ $plain -eq 0 ]]; then
    echo "     or:  ACTORGRAD_Node__TlsCertificateFile=$state/certs/client.pem ACTORGRAD_Node__TlsKeyFile=$state/certs/client.key \\"
    echo "          ACTORGRAD_Node__TlsCaFile=$state/certs/ca.pem ${cli[*]} train --seed $seed --workers $n --steps 20"
  else
    echo "     or:  ${cli[*]} train --seed $seed --workers $n --steps 20"
  fi
  echo "  stop:   deploy/local-cluster.sh stop$([[ "$state" != "$repo/deploy/.local-cluster" ]] && echo " --state $state")"
}

train_on_cluster() {
  [[ -f "$state/cluster.env" ]] || fail "no running cluster recorded in $state (start one: deploy/local-cluster.sh N)"
  local env_args=() seed="" members=1 dll=""
  while IFS='=' read -r key value; do
    case "$key" in
      SEED) seed="$value" ;;
      MEMBERS) members="$value" ;;
      CLI) dll="$value" ;;
      *) env_args+=("$key=$value") ;;
    esac
  done < "$state/cluster.env"
  # The command the members run (built when the cluster started), unless $ACTORGRAD_CLI says otherwise.
  if [[ -z "${ACTORGRAD_CLI:-}" && -f "$dll" ]]; then cli=(dotnet "$dll"); else command_of_cli; fi
  local has_workers=0
  for a in "$@"; do [[ "$a" == --workers ]] && has_workers=1; done
  local extra=(--seed "$seed")
  [[ $has_workers -eq 1 ]] || extra+=(--workers "$members")
  exec env "${env_args[@]}" "${cli[@]}" train "${extra[@]}" "$@"
}

[[ $# -ge 1 ]] || usage
action="$1"; shift
rest=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base-port) base_port="$2"; shift 2 ;;
    --state) state="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --plain) plain=1; shift ;;
    --timeout) timeout="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) rest+=("$1"); shift ;;
  esac
done
[[ "$base_port" =~ ^[0-9]+$ && "$base_port" -ge 1024 && "$base_port" -le 65000 ]] || fail "--base-port must be 1024..65000, not '$base_port'"

case "$action" in
  stop) stop_cluster ;;
  status) status_cluster ;;
  train) train_on_cluster "${rest[@]+"${rest[@]}"}" ;;
  -h|--help|help) usage ;;
  *) [[ ${#rest[@]} -eq 0 ]] || fail "unknown option(s): ${rest[*]}"; start_cluster "$action" ;;
esac
