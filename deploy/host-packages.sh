#!/usr/bin/env bash
# Installs the Debian packages BuildFarm and its tests use on this host. Idempotent: it only
# calls apt-get for packages that are missing, so a warm machine pays nothing.
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
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing host packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
