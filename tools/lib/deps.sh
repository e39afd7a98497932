# Sourced by tools/run and tools/test: installs the Debian 12 packages the
# project needs, if any are missing. As root it runs apt-get itself; as
# anyone else it prints the exact command and exits non-zero.
#
# Boost must be 1.81: it conflicts with 1.74, which python3-scipy (through
# python3-pythran) pulls in, so scipy is never installed and matplotlib comes
# without its recommendations.

ECHO_BUILD_PACKAGES=(
  g++ cmake make
  libboost1.81-dev libboost-thread1.81-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev zlib1g-dev
  liburing-dev pkg-config
)
ECHO_TEST_PACKAGES=(socat netcat-openbsd python3 python3-matplotlib python3-numpy iproute2 iputils-ping
  openssh-server openssh-client stress-ng)
# stress-ng: tools/slow-machine's CPU contention (and its test).
# tools/netns-lab: namespaces, veth, bridge and shaping (ip, tc), and ping to
# check the lab works; echo-bench --remote ssh needs the ssh client (its test
# runs an OpenSSH server in the lab).
ECHO_LAB_PACKAGES=(iproute2 iputils-ping openssh-client)
# What turns results into the report, charts and claims (tools/bench-report,
# tools/plot, tools/compare-claims).
ECHO_REPORT_PACKAGES=(python3 python3-matplotlib python3-numpy)
# tools/lint, which CI runs after the tests.
ECHO_LINT_PACKAGES=(clang-format clang-tidy git)
# The comparison scripts that measure against outside programs:
# tools/compare-asio-examples builds Asio's own example servers (shipped in
# the doc package); tools/compare-load-generators cross-checks echo-load with
# redis-benchmark and the io_uring client experiment.
ECHO_COMPARE_PACKAGES=(libboost1.81-doc redis-tools)

echo_missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
      printf '%s\n' "$package"
  done
}

# echo_install_packages PACKAGE...: installs whichever are missing.
echo_install_packages() {
  local missing
  mapfile -t missing < <(echo_missing_packages "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  local command="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages. As root, run:" >&2
    echo "  apt-get update && $command" >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || { echo "apt-get update failed" >&2; exit 1; }
  # shellcheck disable=SC2086
  $command >&2 || { echo "apt-get install failed: $command" >&2; exit 1; }
}
