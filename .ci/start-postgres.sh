# shellcheck shell=bash
# Sourced by .ci/run. Defines start_postgres TMPDIR: PostgreSQL for the postgres-copy example's test
# (test/examples/postgres-copy.test.ts), like start_redis for Redis. It relies on .ci/run's step,
# limited, free_port, apt_updated and service_pids.
#
# - The binaries: Debian's /usr/lib/postgresql/<version>/bin (the newest), else initdb on PATH; when
#   neither exists it installs Debian's `postgresql` (apt-get update once per run). The package may create
#   and start its own cluster on port 5432: when this run installed the package, that cluster is stopped.
# - A new cluster in TMPDIR/postgres (initdb: trust auth for the `postgres` role, no locale, no fsync),
#   the server on 127.0.0.1 at a free port with its unix socket in that directory too. initdb and postgres
#   refuse root: as root they run as the `postgres` OS user (setpriv), which then must be able to enter
#   TMPDIR (mode 0700 from mktemp): TMPDIR gets o+x (enter, not list) when it lacks it.
# - Stopped by .ci/run's cleanup, pass or fail: the pid appended to service_pids is a small wrapper
#   whose SIGTERM becomes a fast shutdown of the server (SIGINT: sessions are ended, nothing waits for
#   clients; SIGKILL after 10 s), and it exits once the server has.
# - Exports GENSTREAM_PG_URL=postgres://postgres@127.0.0.1:<port>/postgres and GENSTREAM_PG_BIN (the
#   binaries' directory). On any failure it prints why and returns 0: the PostgreSQL tests are then
#   skipped with that reason, which the run prints.

# The directory holding initdb and postgres, or nothing (status 1).
postgres_bin_dir() {
  local d found
  while read -r d; do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done < <(for d in /usr/lib/postgresql/*/bin; do echo "$d"; done | sort -t/ -k5,5nr)
  found=$(command -v initdb 2>/dev/null) || return 1
  d=$(dirname "$found")
  [ -x "$d/postgres" ] || return 1
  echo "$d"
}

# Installs Debian's postgresql; stops the clusters the package started (this run installed them).
install_postgres() {
  echo "postgres: initdb is not in /usr/lib/postgresql/*/bin nor on PATH: installing Debian's postgresql"
  if ((${apt_updated:-0} == 0)); then
    limited 300 apt-get update -qq || return 1
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive limited 600 apt-get install -y -qq postgresql >/dev/null || return 1
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver name port status _
    while read -r ver name port status _; do
      if [ "$status" = online ]; then
        echo "postgres: stopping the cluster the package started ($ver/$name on port $port)"
        pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
      fi
    done < <(pg_lsclusters -h 2>/dev/null)
  fi
}

start_postgres() {
  local root=$1 bindir dir port pid version
  local runas=()
  step "service: postgres"
  if ! bindir=$(postgres_bin_dir); then
    if ! install_postgres || ! bindir=$(postgres_bin_dir); then
      echo "postgres: not available (apt-get install postgresql failed); the PostgreSQL tests will be skipped with that reason"
      return 0
    fi
  fi
  dir=$root/postgres
  mkdir -p "$dir/socket" || { echo "postgres: cannot create $dir; the PostgreSQL tests will be skipped"; return 0; }
  if ((EUID == 0)); then
    if ! id -u postgres >/dev/null 2>&1; then
      echo "postgres: running as root and there is no 'postgres' OS user to run the server as (initdb refuses root); the PostgreSQL tests will be skipped"
      return 0
    fi
    if ! command -v setpriv >/dev/null 2>&1; then
      echo "postgres: running as root and setpriv (util-linux) is missing; the PostgreSQL tests will be skipped"
      return 0
    fi
    runas=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    chown -R postgres: "$dir"
    if ! "${runas[@]}" test -w "$dir"; then chmod o+x "$root"; fi
    if ! "${runas[@]}" test -w "$dir"; then
      echo "postgres: the postgres user cannot reach $dir; the PostgreSQL tests will be skipped"
      return 0
    fi
  fi
  chmod 700 "$dir"
  version=$("$bindir/postgres" --version 2>/dev/null | awk '{ print $3 }')
  # --no-sync and fsync=off: a throwaway cluster needs no durability, and both make it much faster.
  if ! limited 120 "${runas[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
    echo "postgres: initdb failed; the PostgreSQL tests will be skipped. Its last lines:"
    tail -5 "$dir/initdb.log"
    return 0
  fi
  port=$(free_port)
  # The wrapper: SIGTERM (cleanup's kill) → SIGINT to the server (fast shutdown), then wait for it. A
  # subshell does not inherit the EXIT trap; setpriv execs, so $pg is the postmaster itself.
  # The trap is set before the server starts, so a SIGTERM at any moment stops it (or it never starts).
  (
    pg=
    trap '[ -n "$pg" ] || exit 0; kill -INT "$pg" 2>/dev/null; for _ in $(seq 1 100); do kill -0 "$pg" 2>/dev/null || exit 0; sleep 0.1; done; kill -KILL "$pg" 2>/dev/null; exit 0' TERM
    "${runas[@]}" "$bindir/postgres" -D "$dir/data" -k "$dir/socket" -p "$port" \
      -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      >"$dir/postgres.log" 2>&1 &
    pg=$!
    wait "$pg"
  ) &
  pid=$!
  service_pids+=("$pid")
  for _ in $(seq 1 100); do
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres >/dev/null 2>&1; then
      export GENSTREAM_PG_URL="postgres://postgres@127.0.0.1:$port/postgres" GENSTREAM_PG_BIN="$bindir"
      echo "postgres: $version on $GENSTREAM_PG_URL (data in $dir)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "postgres: did not answer on port $port within 20 s; the PostgreSQL tests will be skipped. Its last lines:"
  tail -5 "$dir/postgres.log" 2>/dev/null
  return 0
}
