#!/usr/bin/env bash
# Installs the Debian packages BuildFarm and its tests use on this host, and the npm packages of
# the Node.js conformance client. Idempotent: it only calls apt-get for packages that are missing
# and npm when the client's lock file changed, so a warm machine pays nothing.
set -euo pipefail

packages=(
  runc            # RUN steps run in runc sandboxes
  busybox-static  # the reproducible busybox base image is made from it
  skopeo umoci    # independent checks of the images we export and push
  buildah         # the reference builder for differential tests and benchmarks
  docker-registry # a real registry on 127.0.0.1 in tests
  apache2-utils   # htpasswd, for the registry's basic-auth test config
  zstd            # the command-line baseline in the compression benchmark
  libcap2-bin     # setcap: a real binary security.capability xattr in the tar tests
  xz-utils bzip2  # ADD extracts xz and bzip2 archives through them, as Docker pipes xz
  prometheus      # promtool checks a real /metrics scrape
  openssh-client  # ssh-agent, ssh-add, ssh-keygen: the farm's --ssh agents and the RUN --mount=type=ssh tests
  git             # ADD from Git runs git (ls-remote, fetch, checkout); tests serve repos with git http-backend and git daemon
  clang           # deploy/publish-cli.sh compiles farm ahead of time (NativeAOT links with clang)
  iproute2        # ip: the RUN steps' bridge, veths and network namespaces
  nftables        # nft: the step bridge's NAT and isolation rules, one table per server
  dnsmasq-base    # a real name server on a loopback address in the RUN network tests (no service)
  redis-server    # a cluster's membership and grain state; tests and deploy/local-cluster.sh run their own on loopback
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The API conformance client is Node.js; a machine may have node from elsewhere than Debian.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing host packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Node.js conformance client's packages (@grpc/grpc-js, @grpc/proto-loader, buf), exactly as
# its package-lock.json pins them, in its own folder; installed again only when the lock changed.
conformance="$(dirname "$0")/../tests/conformance/node"
if ! cmp -s "$conformance/package-lock.json" "$conformance/node_modules/.installed-lock.json"; then
  echo "Installing the conformance client's npm packages"
  (cd "$conformance" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$conformance/package-lock.json" "$conformance/node_modules/.installed-lock.json"
fi
