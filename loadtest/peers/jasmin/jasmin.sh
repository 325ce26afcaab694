#!/usr/bin/env bash
# Jasmin 0.11.1 as the load test's optional peer leg (Harness --peer jasmin).
#
#   jasmin.sh install [WHEEL_DIR]   a virtualenv with Jasmin; from PyPI (pip install jasmin==0.11.1),
#                                   or from a directory of wheels where PyPI is unreachable
#                                   (Jasmin's dependencies then come from the machine's own
#                                   package mirror, without Jasmin's exact pins); applies upstream's
#                                   fix for the submit_sm_resp DLR error, and TCP_NODELAY on
#                                   every connection it makes (SMPP, AMQP, Redis; sitecustomize.py)
#   jasmin.sh start WORK SMSC_PORT USER PASSWORD
#                                   RabbitMQ, redis-server and jasmind on loopback ports of their
#                                   own under WORK; one user, one SMPP client connector to the SMSC
#                                   at 127.0.0.1:SMSC_PORT (submit_throughput 0), a default MT
#                                   route; prints smpp_port=, jasmind_pid=, rabbitmq_pid=, redis_pid=
#   jasmin.sh stop WORK             stops what start started, by PID
#
# Needs python3 (3.11) with venv, Debian's rabbitmq-server and redis-server.
# JASMIN_VENV (default loadtest/target/jasmin-venv) is where the virtualenv lives.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${JASMIN_VENV:-$root/loadtest/target/jasmin-venv}"

# N distinct free loopback ports (all held open while they are picked, so none repeats)
free_ports() {
  python3 -c 'import socket,sys
socks=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

install() {
  local wheels="${1:-}"
  command -v rabbitmq-server >/dev/null || { echo "jasmin.sh: rabbitmq-server is missing (apt-get install rabbitmq-server)" >&2; exit 2; }
  python3 -m venv "$venv"
  local pip="$venv/bin/pip"
  "$pip" install -q --retries 0 "setuptools<81"
  if [ -z "$wheels" ]; then
    "$pip" install -q jasmin==0.11.1
  else
    "$pip" install -q --no-deps "$wheels"/*.whl
    # Jasmin pins versions that a local mirror may not have; these work with it (celery and
    # python-mimeparse serve only its REST API, which the leg does not start)
    "$pip" install -q --retries 0 pyasn1 pyparsing python-dateutil service_identity "tabulate<0.9" \
      cryptography pyopenssl redis requests prometheus-client zope.interface attrs constantly incremental \
      automat hyperlink typing_extensions idna six
  fi
  local site
  site="$("$venv/bin/python" -c 'import jasmin, os; print(os.path.dirname(os.path.dirname(jasmin.__file__)))')"
  if patch -d "$site" -p1 --dry-run -s -f < "$here/submit-sm-resp-dlr.patch" >/dev/null 2>&1; then
    patch -d "$site" -p1 -s < "$here/submit-sm-resp-dlr.patch"
  fi
  cp "$here/sitecustomize.py" "$site/"
  echo "jasmin installed in $venv"
}

start() {
  local work="$1" smsc_port="$2" user="$3" password="$4"
  [ -x "$venv/bin/jasmind.py" ] || { echo "jasmin.sh: no Jasmin in $venv; run: $0 install [WHEEL_DIR]" >&2; exit 2; }
  work="$(mkdir -p "$work" && cd "$work" && pwd)"
  rm -rf "$work/rmq" "$work/jroot" "$work/redis"
  mkdir -p "$work/rmq/mnesia" "$work/rmq/log" "$work/redis" \
    "$work/jroot/etc/jasmin/store" "$work/jroot/etc/jasmin/resource" "$work/jroot/var/log/jasmin"
  local amqp epmd dist redis_port smpp pb mgmt router icpt jcli http
  read -r amqp epmd dist redis_port smpp pb mgmt router icpt jcli http <<< "$(free_ports 11)"

  # RabbitMQ: its own node, epmd and distribution port, all on loopback
  echo "[]." > "$work/rmq/enabled_plugins"
  echo "listeners.tcp.default = 127.0.0.1:$amqp" > "$work/rmq/rabbitmq.conf"
  [ "$(id -u)" != 0 ] || chown -R rabbitmq:rabbitmq "$work/rmq"
  (
    export RABBITMQ_NODENAME="jbench$amqp@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$amqp \
      ERL_EPMD_PORT=$epmd ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT=$dist \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
      RABBITMQ_MNESIA_BASE="$work/rmq/mnesia" RABBITMQ_LOG_BASE="$work/rmq/log" RABBITMQ_PID_FILE="$work/rmq/pid" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$work/rmq/enabled_plugins" RABBITMQ_CONFIG_FILE="$work/rmq/rabbitmq" \
      RABBITMQ_FEATURE_FLAGS_FILE="$work/rmq/feature_flags" HOME="$work/rmq"
    setsid rabbitmq-server > "$work/rabbitmq.out" 2>&1 < /dev/null &
  )
  echo "$epmd" > "$work/epmd.port"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/redis" \
    --pidfile "$work/redis/pid" --daemonize yes > /dev/null
  for _ in $(seq 1 120); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$amqp),1)" 2>/dev/null && break
    sleep 0.5
  done
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$amqp),1)" 2>/dev/null \
    || { echo "jasmin.sh: RabbitMQ did not start, see $work/rabbitmq.out" >&2; exit 1; }

  cp "$venv"/lib/python3*/site-packages/txamqp/specs/standard/amqp0-9-1.stripped.xml \
    "$work/jroot/etc/jasmin/resource/amqp0-9-1.xml"
  cat > "$work/jroot/etc/jasmin/jasmin.cfg" <<CFG
[smpp-server]
id = smpps_bench
bind = 127.0.0.1
port = $smpp
log_level = ${JASMIN_LOG_LEVEL:-WARNING}
billing_feedback = False
[smpp-server-pb]
bind = 127.0.0.1
port = $pb
[smpp-server-pb-client]
host = 127.0.0.1
port = $pb
[client-management]
bind = 127.0.0.1
port = $mgmt
[router]
bind = 127.0.0.1
port = $router
[interceptor]
bind = 127.0.0.1
port = $icpt
[interceptor-client]
host = 127.0.0.1
port = $icpt
[jcli]
bind = 127.0.0.1
port = $jcli
authentication = False
[http-api]
bind = 127.0.0.1
port = $http
[amqp-broker]
host = 127.0.0.1
port = $amqp
vhost = /
username = guest
password = guest
[redis-client]
host = 127.0.0.1
port = $redis_port
dbid = 0
[sm-listener]
log_level = ${JASMIN_LOG_LEVEL:-WARNING}
[service-smppclient]
log_level = ${JASMIN_LOG_LEVEL:-WARNING}
[dlr]
log_level = ${JASMIN_LOG_LEVEL:-WARNING}
[dlr-thrower]
log_level = ${JASMIN_LOG_LEVEL:-WARNING}
[deliversm-thrower]
log_level = ${JASMIN_LOG_LEVEL:-WARNING}
CFG
  # jasmind takes its lock file in the temp directory: one per work directory
  ROOT_PATH="$work/jroot" TMPDIR="$work" setsid "$venv/bin/python" "$venv/bin/jasmind.py" \
    -c "$work/jroot/etc/jasmin/jasmin.cfg" --disable-http-api --enable-dlr-lookup --enable-dlr-thrower --enable-deliver-thrower > "$work/jasmind.out" 2>&1 < /dev/null &
  echo $! > "$work/jasmind.pid"
  for _ in $(seq 1 60); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$jcli),1)" 2>/dev/null && break
    sleep 0.5
  done
  kill -0 "$(cat "$work/jasmind.pid")" 2>/dev/null || { echo "jasmin.sh: jasmind exited, see $work/jasmind.out" >&2; exit 1; }
  "$venv/bin/python" "$here/configure.py" "$jcli" "$smsc_port" "$user" "$password" >&2
  echo "smpp_port=$smpp"
  echo "jasmind_pid=$(cat "$work/jasmind.pid")"
  echo "rabbitmq_pid=$(cat "$work/rmq/pid" 2>/dev/null || pgrep -f "jbench$amqp@localhost" | head -1)"
  echo "redis_pid=$(cat "$work/redis/pid")"
}

# kills PID (TERM, then KILL after 10 s) and waits for it to be gone
kill_wait() {
  local pid="$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  local work="$1"
  [ ! -f "$work/jasmind.pid" ] || kill_wait "$(cat "$work/jasmind.pid")"
  [ ! -f "$work/redis/pid" ] || kill_wait "$(cat "$work/redis/pid")"
  [ ! -f "$work/rmq/pid" ] || kill_wait "$(cat "$work/rmq/pid")"
  if [ -f "$work/epmd.port" ]; then
    # epmd daemonises: find it by its port
    local pids
    pids="$(ss -ltnpH "sport = :$(cat "$work/epmd.port")" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)"
    for pid in $pids; do kill_wait "$pid"; done
  fi
}

case "${1:-}" in
  install) shift; install "$@" ;;
  start) shift; [ $# -eq 4 ] || { echo "usage: $0 start WORK SMSC_PORT USER PASSWORD" >&2; exit 2; }; start "$@" ;;
  stop) shift; [ $# -eq 1 ] || { echo "usage: $0 stop WORK" >&2; exit 2; }; stop "$@" ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
